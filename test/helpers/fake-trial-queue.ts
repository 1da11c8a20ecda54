import { Redis } from 'ioredis';
import { TrialJobSchema, trialJobId, type TrialJob, type TrialJobInput } from '../../src/core/trial-job.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import type { ConfigValue } from '../../src/core/config.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { trialQueueName } from '../../src/queue/queue-names.js';
import type { EnqueueOutcome } from '../../src/queue/trial-queue.js';
import type { ControllerQueue } from '../../src/service/campaign-steps.js';
import { appendTrialStarted } from '../../src/store/trial-events.js';
import { storeTrialResult } from '../../src/store/trial-result-store.js';
import { heartbeatWorker } from '../../src/store/worker-registry.js';
import { startTempRedis } from './temp-redis.js';

/** One call the controller made on the queue, in call order. */
export interface QueueCall {
  op: 'enqueue' | 'withdraw';
  job_id: string;
  campaign_id: string;
}

/**
 * An in-memory TrialQueue for controller tests: jobs wait in a map until a test takes them. Every
 * call first awaits `pause()` (default: one macrotask turn), so a concurrent cancel can interleave
 * with a controller step as it would with a real Redis round trip.
 */
export class FakeTrialQueue implements ControllerQueue {
  readonly calls: QueueCall[] = [];
  readonly waiting = new Map<string, TrialJob>();
  /** Campaigns whose jobs the queue refuses (to make one campaign's processing throw). */
  readonly refuse = new Set<string>();

  constructor(private readonly pause: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve))) {}

  async enqueueTrial(input: TrialJobInput): Promise<EnqueueOutcome> {
    await this.pause();
    const job = TrialJobSchema.parse(input);
    if (this.refuse.has(job.campaign_id)) throw new Error(`queue refuses jobs of ${job.campaign_id}`);
    const jobId = trialJobId(job);
    const created = !this.waiting.has(jobId);
    this.waiting.set(jobId, job);
    this.calls.push({ op: 'enqueue', job_id: jobId, campaign_id: job.campaign_id });
    return { jobId, queue: trialQueueName(job.worker_labels), created };
  }

  async withdraw(jobId: string): Promise<boolean> {
    await this.pause();
    const job = this.waiting.get(jobId);
    this.waiting.delete(jobId);
    if (job) this.calls.push({ op: 'withdraw', job_id: jobId, campaign_id: job.campaign_id });
    return job !== undefined;
  }

  /** Waiting jobs of one campaign (or all), oldest first. */
  jobs(campaignId?: string): TrialJob[] {
    return [...this.waiting.values()].filter((j) => campaignId === undefined || j.campaign_id === campaignId);
  }

  /** Take waiting jobs off the queue, as a worker would. */
  take(campaignId?: string, count = Number.POSITIVE_INFINITY): TrialJob[] {
    const taken = this.jobs(campaignId).slice(0, count);
    for (const job of taken) this.waiting.delete(trialJobId(job));
    return taken;
  }
}

/** A live worker in the registry with `concurrency` slots. */
export function fakeWorker(name: string, concurrency: number): WorkerInfo {
  return {
    name,
    host: 'test-host',
    kernel: 'test',
    cpus: '1',
    client_cpus: '0',
    labels: { worker: name },
    pid: process.pid,
    concurrency,
    queues: [],
    allocators: [{ name: 'jemalloc', path: '/usr/lib/libjemalloc.so.2', version: '5.3.0' }],
    started_at: new Date().toISOString(),
    last_seen_ms: Date.now(),
    active_trials: [],
  };
}

/** Register (or refresh) a fake worker. */
export async function registerFakeWorker(redis: Redis, name = 'w1', concurrency = 4): Promise<WorkerInfo> {
  const info = fakeWorker(name, concurrency);
  await heartbeatWorker(redis, info);
  return info;
}

/** What a fake measurement reports: harness fragmentation metrics of the small test campaign. */
export type FakeMetrics = (job: TrialJob) => {
  rss_bytes: number;
  fragmentation_ratio: number;
  extra?: Record<string, number>;
  /** The allocator's read-back options; when given, the result carries one repeat reporting them (as a real worker's does). */
  options?: Record<string, ConfigValue>;
};

/** RSS falls with dirty_decay_ms (defaults measure 40 MB), fragmentation stays low. */
export const decayMetrics: FakeMetrics = (job) => {
  const decay = typeof job.config['dirty_decay_ms'] === 'number' && job.env['MALLOC_CONF'] !== undefined ? job.config['dirty_decay_ms'] : 10_000;
  return { rss_bytes: 16e6 + Math.min(decay, 30_000) * 800, fragmentation_ratio: 2 };
};

/** Store what a worker would for `job`: a `trial_started` report first, then the result (completed or failed) and its report. */
async function storeAsWorker(redis: Redis, job: TrialJob, worker: string, outcome: Pick<TrialResult, 'status' | 'summary' | 'error'> & Partial<Pick<TrialResult, 'repeats'>>): Promise<TrialResult> {
  await appendTrialStarted(redis, job, worker);
  const now = new Date().toISOString();
  const result: TrialResult = {
    schema: 'alloctune.trial/1',
    campaign_id: job.campaign_id,
    trial_id: job.trial_id,
    worker: { name: worker, host: 'test-host', kernel: 'test', cpus: '1', client_cpus: '0', labels: {} },
    allocator: job.allocator,
    config: job.config,
    env: job.env,
    started_at: now,
    finished_at: now,
    duration_ms: 1,
    repeats: [],
    ...outcome,
  };
  return (await storeTrialResult(redis, result)).result;
}

/** Store the completed result of `job` through the real result store, measuring `metrics`. */
export async function completeJob(redis: Redis, job: TrialJob, worker: string, metrics: FakeMetrics = decayMetrics): Promise<TrialResult> {
  const m = metrics(job);
  const summary = (v: number) => ({ mean: v, sd: 0, n: 1, min: v, max: v });
  const readBack = m.options === undefined ? [] : [{ index: 0, discarded: [], workloads: [{ label: 'harness:fragmentation', kind: 'harness' as const, metrics: {}, steal_pct: 0, cpu_busy_pct: {}, duration_ms: 1, allocator: { name: job.allocator, version: 'fake', options: m.options } }] }];
  return storeAsWorker(redis, job, worker, {
    repeats: readBack,
    status: 'completed',
    summary: {
      'harness:fragmentation.rss_bytes_at_300ms': summary(m.rss_bytes),
      'harness:fragmentation.fragmentation_ratio_at_300ms': summary(m.fragmentation_ratio),
      // Further summary keys (e.g. guard metrics), named in full.
      ...Object.fromEntries(Object.entries(m.extra ?? {}).map(([k, v]) => [k, summary(v)])),
    },
  });
}

/** Store `job` as failed with `error`, as a worker would when the allocator or workload refused it. */
export async function failJob(redis: Redis, job: TrialJob, worker: string, error: { code: string; message: string }): Promise<TrialResult> {
  return storeAsWorker(redis, job, worker, { status: 'failed', summary: {}, error: { ...error, params: {} } });
}

/**
 * A temporary Redis with the fake worker `w1` (concurrency 4) registered, for controller tests on a
 * fake queue. `stop` disconnects and removes the server.
 */
export async function redisWithFakeWorker(prefix: string): Promise<{ redis: Redis; stop: () => Promise<void> }> {
  const temp = await startTempRedis(prefix);
  const redis = new Redis(temp.server.url);
  await registerFakeWorker(redis, 'w1', 4);
  return {
    redis,
    stop: async () => {
      redis.disconnect();
      await temp.stop();
    },
  };
}
