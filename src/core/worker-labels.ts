import { z } from 'zod';
import { mapKey } from './safe-text.js';

/** A worker listens to one queue per subset of its labels, so it may carry at most this many. */
export const MAX_ROUTING_LABELS = 5;

/**
 * Label every worker carries implicitly, set to its name, so that a trial can be sent to one
 * worker (both sides of a duel run on the same machine). Users may not set it themselves.
 */
export const WORKER_LABEL = 'worker';

/** Labels only alloctune sets: refused in `worker --labels` and in a campaign's `worker_labels`. */
export const RESERVED_LABELS: readonly string[] = [WORKER_LABEL];

/** A routing label's name. */
export const LabelKeySchema = mapKey(z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a label name: [a-z][a-z0-9_-]*, at most 32 characters'));

/** A routing label's value (also a worker's name). */
export const LabelValueSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a label value: letters, digits, _ . - (1 to 64)');

/**
 * The labels a campaign requires of its workers. A reserved label, or more labels than a worker can
 * carry, would match no worker and leave the campaign idle until its wall-time budget ends.
 */
export const WorkerSelectorSchema = z
  .record(LabelKeySchema.refine((k) => !RESERVED_LABELS.includes(k), `reserved: alloctune sets ${RESERVED_LABELS.join(', ')} itself`), LabelValueSchema)
  .refine((labels) => Object.keys(labels).length <= MAX_ROUTING_LABELS - RESERVED_LABELS.length, `at most ${MAX_ROUTING_LABELS - RESERVED_LABELS.length} labels (a worker carries no more)`);
