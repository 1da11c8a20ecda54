import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { TrialJobSchema, trialJobId, type TrialJob, type TrialJobInput } from '../core/trial-job.js';
import { openRedis, type RedisEndpoint } from '../redis/redis-connection.js';
import { markJobWithdrawn } from '../store/withdrawn-jobs.js';
import { trialQueueName } from './queue-names.js';

/** BullMQ job name of a trial. */
export const TRIAL_JOB_NAME = 'trial';

/** What {@link TrialQueue.enqueueTrial} did. */
export interface EnqueueOutcome {
  jobId: string;
  queue: string;
  /** False when a job with the same id was already queued, running or kept after finishing. */
  created: boolean;
}

/**
 * Producer side of trial execution. Each trial goes to the queue of its `worker_labels` selector
 * with a deterministic job id, so enqueueing it twice never runs it twice.
 */
export class TrialQueue {
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();

  constructor(redisUrl: RedisEndpoint) {
    this.connection = openRedis(redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
  }

  private queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Validate and enqueue one trial. */
  async enqueueTrial(input: TrialJobInput): Promise<EnqueueOutcome> {
    const job: TrialJob = TrialJobSchema.parse(input);
    const jobId = trialJobId(job);
    const name = trialQueueName(job.worker_labels);
    const queue = this.queue(name);
    // Only informative: two concurrent producers may both see no job, but BullMQ still keeps one.
    const existed = (await queue.getJob(jobId)) !== undefined;
    await queue.add(TRIAL_JOB_NAME, job, {
      jobId,
      // Only retryable failures (lost Redis, a crash of the worker code) reach BullMQ's retry; a
      // bad config completes the job with a failed trial result.
      attempts: 3,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { count: 10_000 },
      removeOnFail: { count: 10_000 },
    });
    return { jobId, queue: name, created: !existed };
  }

  /** When a kept job was enqueued, taken by a worker and finished (ms since the epoch), for overhead figures. */
  async jobTimes(jobId: string, selector: Readonly<Record<string, string>> = {}): Promise<{ enqueued_ms: number; picked_ms?: number; finished_ms?: number } | undefined> {
    const job = await this.queue(trialQueueName(selector)).getJob(jobId);
    if (!job) return undefined;
    const times: { enqueued_ms: number; picked_ms?: number; finished_ms?: number } = { enqueued_ms: job.timestamp };
    if (job.processedOn !== undefined) times.picked_ms = job.processedOn;
    if (job.finishedOn !== undefined) times.finished_ms = job.finishedOn;
    return times;
  }

  /**
   * Withdraw a trial (campaign stopped, trial re-planned): mark its job withdrawn, which every worker
   * checks before running a job, and remove it if no worker has taken it yet. Returns false when the
   * job is running or gone; a running trial finishes and its result is simply not used.
   */
  async withdraw(jobId: string, selector: Readonly<Record<string, string>> = {}): Promise<boolean> {
    // First the mark, so that a job taken meanwhile, or one that is active now and comes back after
    // its worker was killed, is dropped by the worker instead of run.
    await markJobWithdrawn(this.connection, jobId);
    const job = await this.queue(trialQueueName(selector)).getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
    try {
      await job.remove();
      return true;
    } catch {
      // Taken by a worker in the meantime.
      return false;
    }
  }

  /** Numbers of jobs per state in one queue, for tests and the service. */
  counts(selector: Readonly<Record<string, string>> = {}): Promise<Record<string, number>> {
    return this.countsOf(trialQueueName(selector));
  }

  /** Numbers of jobs per BullMQ state (`wait`, `active`, `delayed`, `prioritized`, `completed`, `failed`) in the queue called `name`. */
  countsOf(name: string): Promise<Record<string, number>> {
    return this.queue(name).getJobCounts('wait', 'active', 'delayed', 'prioritized', 'completed', 'failed');
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}
