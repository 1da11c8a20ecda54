import { createHash } from 'node:crypto';
import { AlloctuneError } from '../core/alloctune-error.js';
import { MAX_ROUTING_LABELS } from '../core/worker-labels.js';

/** Queue of trials that any worker may run. */
export const TRIAL_QUEUE_BASE = 'alloctune-trials';

// Owned by src/core/worker-labels.ts (campaign specs check them too); re-exported for the queue's users.
export { MAX_ROUTING_LABELS, WORKER_LABEL } from '../core/worker-labels.js';

const READABLE = /^[A-Za-z0-9_.=,-]{1,200}$/;

/** `k=v` pairs sorted by key and joined with `,`: the same selector always gives the same text. */
export function canonicalSelector(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

/**
 * Routing is done with one BullMQ queue per label selector: a trial that requires `{gpu: "no",
 * host: "a"}` goes to `alloctune-trials.gpu=no,host=a`, and a worker listens to the queue of every
 * subset of its own labels. Routing is then exact and done by Redis, with no job bounced between
 * workers that cannot take it. Selectors with characters BullMQ or Redis would misread are hashed.
 */
export function trialQueueName(selector: Readonly<Record<string, string>>): string {
  const text = canonicalSelector(selector);
  if (text === '') return TRIAL_QUEUE_BASE;
  if (READABLE.test(text)) return `${TRIAL_QUEUE_BASE}.${text}`;
  return `${TRIAL_QUEUE_BASE}.h-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/** Every queue a worker with `labels` takes trials from: one per subset of its labels, base queue first. */
export function workerQueueNames(labels: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(labels).sort();
  if (keys.length > MAX_ROUTING_LABELS) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', {
      field: 'labels',
      reason: `at most ${MAX_ROUTING_LABELS} labels (a worker listens to one queue per subset)`,
    });
  }
  const names: string[] = [];
  for (let mask = 0; mask < 1 << keys.length; mask++) {
    const subset: Record<string, string> = {};
    keys.forEach((k, i) => {
      if (mask & (1 << i)) subset[k] = labels[k] ?? '';
    });
    names.push(trialQueueName(subset));
  }
  return names;
}
