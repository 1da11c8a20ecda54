import type { Redis } from 'ioredis';
import { isAlloctuneError } from '../src/core/alloctune-error.js';
import type { TrialJob } from '../src/core/trial-job.js';
import type { WorkerIdentity } from '../src/core/trial-result.js';
import type { WorkerInfo } from '../src/core/worker-info.js';
import { WORKER_LABEL } from '../src/queue/queue-names.js';
import { openRedis, type RedisEndpoint } from '../src/redis/redis-connection.js';
import { TrialWorker, type InvalidJob } from '../src/queue/trial-worker.js';
import { getTrialResult, storeTrialResult } from '../src/store/trial-result-store.js';
import { appendTrialStarted } from '../src/store/trial-events.js';
import { heartbeatWorker, unregisterWorker } from '../src/store/worker-registry.js';
import { buildRunners } from './build-runners.js';
import { availableAllocators, hostIdentity } from './host-info.js';
import { rejectedJobResult } from './rejected-job.js';
import { executeTrial } from './trial-executor.js';
import { workerLibraries, type WorkerConfig } from './worker-config.js';

export interface WorkerProcessOptions {
  /** Redis URL or connection settings (TLS, ACL password). */
  redisUrl: RedisEndpoint;
  name: string;
  /** CPU list for the measured targets. */
  cpus: string;
  /** CPU list for load generators and probes. */
  clientCpus: string;
  concurrency: number;
  labels: Record<string, string>;
  config: WorkerConfig;
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  heartbeatMs: number;
  log: (line: string) => void;
}

/**
 * A running worker: registered in `alloctune:workers` with a heartbeat, taking trials from the
 * queues its labels select, running them with {@link executeTrial} and storing each result once.
 */
export class WorkerProcess {
  private readonly redis: Redis;
  private readonly worker: TrialWorker;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private closing: Promise<void> | undefined;

  private constructor(
    readonly info: WorkerInfo,
    redis: Redis,
    private readonly options: WorkerProcessOptions,
    identity: WorkerIdentity,
  ) {
    this.redis = redis;
    const runners = buildRunners(options.config, Object.fromEntries(info.allocators.map((a) => [a.name, a.version ?? 'unknown'])));
    const libraries = workerLibraries(options.config);
    this.worker = new TrialWorker({
      redisUrl: options.redisUrl,
      // The implicit `worker` label gives every worker a queue of its own: paired comparisons (duels)
      // must run both sides on the same machine.
      labels: { ...options.labels, [WORKER_LABEL]: options.name },
      concurrency: options.concurrency,
      lockDurationMs: options.lockDurationMs,
      stalledIntervalMs: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
      onError: (err) => options.log(`bullmq: ${err.message}`),
      handler: (job, meta) => this.handle(job, meta, { runners, identity, libraries }),
      onInvalidJob: (rejected) => this.reject(rejected, identity),
    });
    this.info.queues = this.worker.queues;
    this.heartbeat = setInterval(() => void this.beat(), options.heartbeatMs);
  }

  /** Connect, probe the host, register and start taking trials. */
  static async start(options: WorkerProcessOptions): Promise<WorkerProcess> {
    const redis = openRedis(options.redisUrl, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    const { host, kernel } = hostIdentity();
    const identity: WorkerIdentity = { name: options.name, host, kernel, cpus: options.cpus, client_cpus: options.clientCpus, labels: options.labels };
    const info: WorkerInfo = {
      ...identity,
      pid: process.pid,
      concurrency: options.concurrency,
      queues: [],
      allocators: await availableAllocators(workerLibraries(options.config)),
      started_at: new Date().toISOString(),
      last_seen_ms: Date.now(),
      active_trials: [],
    };
    const worker = new WorkerProcess(info, redis, options, identity);
    await worker.beat();
    options.log(`worker ${options.name} ready: cpus ${options.cpus}, client cpus ${options.clientCpus}, queues ${worker.info.queues.join(' ')}`);
    return worker;
  }

  private async beat(): Promise<void> {
    this.info.active_trials = this.worker.activeJobIds();
    try {
      await heartbeatWorker(this.redis, this.info);
    } catch (err) {
      this.options.log(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async handle(
    job: TrialJob,
    meta: { jobId: string; attempt: number },
    deps: Pick<Parameters<typeof executeTrial>[1], 'runners' | 'identity' | 'libraries'>,
  ): Promise<void> {
    // A recovered job whose first run got as far as storing must not be measured again.
    const existing = await getTrialResult(this.redis, job.campaign_id, job.trial_id);
    if (existing) {
      this.options.log(`trial ${meta.jobId}: result already stored by ${existing.worker.name}, skipped`);
      return;
    }
    this.options.log(`trial ${meta.jobId}: start (attempt ${meta.attempt})`);
    await appendTrialStarted(this.redis, job, this.options.name).catch(() => undefined);
    let result;
    try {
      result = await executeTrial(job, { ...deps, signal: this.abort.signal });
    } catch (err) {
      this.options.log(`trial ${meta.jobId}: ${isAlloctuneError(err) ? `${err.code}: ${err.message}` : String(err)} (will be retried)`);
      throw err;
    }
    const outcome = await storeTrialResult(this.redis, result);
    const what = result.status === 'failed' ? `failed: ${result.error?.code} ${result.error?.message}` : 'completed';
    this.options.log(`trial ${meta.jobId}: ${what} in ${result.duration_ms} ms${outcome.stored ? '' : ' (an earlier result was kept)'}`);
  }

  /** A job that is not a valid trial job ran nothing: log it and record the refusal on its trial. */
  private async reject(rejected: InvalidJob, identity: WorkerIdentity): Promise<void> {
    this.options.log(`trial ${rejected.jobId}: rejected as invalid, nothing run: ${rejected.reason}`);
    const result = rejectedJobResult(rejected.data, rejected.reason, identity);
    if (result !== undefined) await storeTrialResult(this.redis, result);
  }

  /**
   * Stop taking trials and unregister. Without `force` the running trials finish and are stored;
   * with it they are abandoned between measurements and BullMQ's stalled check gives them to
   * another worker.
   */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      if (force) this.abort.abort(new Error('worker shutting down'));
      await this.worker.close(force);
      try {
        await Promise.race([unregisterWorker(this.redis, this.options.name), new Promise((r) => setTimeout(r, 2000))]);
      } finally {
        this.redis.disconnect();
      }
    })();
    return this.closing;
  }
}
