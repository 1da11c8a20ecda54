import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { trialQueueName } from '../../src/queue/queue-names.js';
import { TRIAL_JOB_NAME } from '../../src/queue/trial-queue.js';

/**
 * Writes a job straight into a trial queue, the way anyone who can write to the workers' Redis
 * could: no schema, no API. (bullmq is imported here only to play that attacker; production code
 * reaches it through src/queue alone.)
 */
export async function forgeJob(redisUrl: string, data: Record<string, unknown>, selector: Readonly<Record<string, string>> = {}): Promise<string> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => undefined);
  const queue = new Queue(trialQueueName(selector), { connection });
  try {
    const jobId = `${String(data['campaign_id'])}--${String(data['trial_id'])}`;
    await queue.add(TRIAL_JOB_NAME, data, { jobId, attempts: 1 });
    return jobId;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
