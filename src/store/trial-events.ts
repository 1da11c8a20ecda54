import type { Redis } from 'ioredis';
import type { TrialJob } from '../core/trial-job.js';
import { EVENTS_MAXLEN, KEYS } from './keys.js';

/** Tell the campaign's subscribers that a worker has started a trial. */
export async function appendTrialStarted(redis: Redis, job: Pick<TrialJob, 'campaign_id' | 'trial_id'>, worker: string): Promise<void> {
  await redis.xadd(
    KEYS.campaignEvents(job.campaign_id),
    'MAXLEN',
    '~',
    String(EVENTS_MAXLEN),
    '*',
    'type',
    'trial_started',
    'data',
    JSON.stringify({ trial_id: job.trial_id, worker }),
  );
}
