import type { Redis } from 'ioredis';
import type { TrialJob } from '../core/trial-job.js';
import { KEYS, REPORTS_MAXLEN } from './keys.js';

/**
 * What workers tell the controller, on one stream for every campaign (`KEYS.trialReports`; workers
 * are its only writers, the controller its only reader). Entries are flat field lists
 * `type, <type>, trial_id, <id>, campaign_id, <id>, <extra>, <value>`:
 * - `trial_started`  a worker took the trial (extra field `worker`), appended by {@link appendTrialStarted};
 * - `trial_result`   the trial's result was stored (extra field `status`), appended by the same
 *                    script that stores the result once (src/store/trial-result-store.ts).
 */
export type TrialReport =
  | { id: string; type: 'trial_started'; campaign_id: string; trial_id: string; worker: string }
  | { id: string; type: 'trial_result'; campaign_id: string; trial_id: string; status: string };

/** Tell the controller that a worker has started a trial. */
export async function appendTrialStarted(redis: Redis, job: Pick<TrialJob, 'campaign_id' | 'trial_id'>, worker: string): Promise<void> {
  await redis.xadd(
    KEYS.trialReports,
    'MAXLEN',
    '~',
    String(REPORTS_MAXLEN),
    '*',
    'type',
    'trial_started',
    'trial_id',
    job.trial_id,
    'campaign_id',
    job.campaign_id,
    'worker',
    worker,
  );
}

function toReport(id: string, fields: readonly string[]): TrialReport | undefined {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] ?? '', fields[i + 1] ?? '');
  const campaign_id = f.get('campaign_id');
  const trial_id = f.get('trial_id');
  if (campaign_id === undefined || trial_id === undefined) return undefined;
  const type = f.get('type');
  if (type === 'trial_started') return { id, type, campaign_id, trial_id, worker: f.get('worker') ?? '' };
  if (type === 'trial_result') return { id, type, campaign_id, trial_id, status: f.get('status') ?? '' };
  return undefined;
}

/**
 * Reports after `afterId` (exclusive; '0' for all), oldest first, from at most `count` entries;
 * `entries` is how many entries were read and `last` the id of the last one.
 */
export async function readTrialReports(
  redis: Redis,
  afterId: string,
  count = 1000,
): Promise<{ reports: TrialReport[]; entries: number; last: string | undefined }> {
  const start = afterId === '0' ? '-' : `(${afterId}`;
  const entries = await redis.xrange(KEYS.trialReports, start, '+', 'COUNT', count);
  const reports = entries.flatMap(([id, fields]) => toReport(id, fields) ?? []);
  return { reports, entries: entries.length, last: entries.at(-1)?.[0] };
}

/** Id of the oldest entry still on the report stream (the stream is capped), if any. */
export async function oldestTrialReportId(redis: Redis): Promise<string | undefined> {
  const first = await redis.xrange(KEYS.trialReports, '-', '+', 'COUNT', 1);
  return first[0]?.[0];
}

/** The controller's read position on the report stream (undefined before its first read). */
export async function loadReportsCursor(redis: Redis): Promise<string | undefined> {
  return (await redis.get(KEYS.reportsCursor)) ?? undefined;
}

/** Remember that every report up to `id` has been applied. */
export async function saveReportsCursor(redis: Redis, id: string): Promise<void> {
  await redis.set(KEYS.reportsCursor, id);
}
