import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AlloctuneError, isAlloctuneError } from '../src/core/alloctune-error.js';
import type { TrialJob } from '../src/core/trial-job.js';
import type { WorkerIdentity } from '../src/core/trial-result.js';
import type { WorkerInfo } from '../src/core/worker-info.js';
import { WORKER_LABEL } from '../src/queue/queue-names.js';
import { openRedis, type RedisEndpoint } from '../src/redis/redis-connection.js';
import { TrialWorker, type InvalidJob } from '../src/queue/trial-worker.js';
import { getTrialResult, storeTrialResult } from '../src/store/trial-result-store.js';
import { appendTrialStarted } from '../src/store/trial-events.js';
import { isJobWithdrawn } from '../src/store/withdrawn-jobs.js';
import { claimWorkerName, getWorkerRecord, heartbeatWorker, releaseWorkerName, unregisterWorker } from '../src/store/worker-registry.js';
import { buildRunners } from './build-runners.js';
import { availableAllocators, hostIdentity } from './host-info.js';
import { probeRedisServers } from './redis-servers.js';
import { rejectedJobResult } from './rejected-job.js';
import { executeTrial } from './trial-executor.js';
import { InterferenceGate } from './interference-gate.js';
import { workerLibraries, type WorkerConfig } from './worker-config.js';
import { advertisedTraces, TraceDir } from './trace-dir.js';

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
  /** Registry heartbeat; the name's lease lasts three of them (so it frees 3 heartbeats after a crash). */
  heartbeatMs: number;
  log: (line: string) => void;
  /** Called once the worker stopped because another process took over its name (its lease lapsed). */
  onNameLost?: () => void;
}

/** Missed heartbeats after which a worker's name may be taken by another process. */
const LEASE_HEARTBEATS = 3;

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
  private gate: Promise<InterferenceGate> | undefined;

  private constructor(
    readonly info: WorkerInfo,
    redis: Redis,
    private readonly options: WorkerProcessOptions,
    identity: WorkerIdentity,
    /** Random token holding the name's lease. */
    private readonly owner: string,
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
      handler: (job, meta) => this.handle(job, meta, { runners, identity, libraries, gate: () => this.interferenceGate(identity.cpus) }),
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
      commands: Object.keys(options.config.commands).sort(),
      traces: advertisedTraces(new TraceDir(options.config.traces_dir)),
      redis_servers: await probeRedisServers(options.config),
      started_at: new Date().toISOString(),
      last_seen_ms: Date.now(),
      active_trials: [],
    };
    // The name is the worker's routing label: two live processes with one name would split its
    // duel queue and overwrite each other's registry record. Claimed before any queue is consumed.
    const owner = randomUUID();
    const leaseMs = LEASE_HEARTBEATS * options.heartbeatMs;
    if (!(await claimWorkerName(redis, options.name, owner, leaseMs))) {
      const holder = await getWorkerRecord(redis, options.name).catch(() => undefined);
      redis.disconnect();
      const who = holder ? ` (pid ${holder.pid} on ${holder.host}, last heartbeat ${((Date.now() - holder.last_seen_ms) / 1000).toFixed(1)} s ago)` : '';
      throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', {
        reason: `worker name '${options.name}' is taken by a live worker${who}; choose another --name, or reuse it once that worker has stopped heartbeating`,
      });
    }
    for (const server of info.redis_servers ?? []) {
      if (server.problem !== undefined) options.log(`redis-server ${server.allocator === undefined ? '(default)' : `for ${server.allocator}`}: ${server.problem}; its Redis trials will fail until it is fixed`);
    }
    const worker = new WorkerProcess(info, redis, options, identity, owner);
    await worker.beat();
    options.log(`worker ${options.name} ready: cpus ${options.cpus}, client cpus ${options.clientCpus}, queues ${worker.info.queues.join(' ')}`);
    return worker;
  }

  private async beat(): Promise<void> {
    this.info.active_trials = this.worker.activeJobIds();
    this.info.traces = advertisedTraces(new TraceDir(this.options.config.traces_dir));
    try {
      if (!(await claimWorkerName(this.redis, this.options.name, this.owner, LEASE_HEARTBEATS * this.options.heartbeatMs))) {
        // Silent for a whole lease (a long stall, Redis unreachable) and the name went to another process.
        this.options.log(`worker name ${this.options.name} now belongs to another process; stopping`);
        await this.close(true);
        this.options.onNameLost?.();
        return;
      }
      await heartbeatWorker(this.redis, this.info);
    } catch (err) {
      this.options.log(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The interference gate of the target CPUs, calibrated on first use (again after a failed calibration). */
  private interferenceGate(cpus: string): Promise<InterferenceGate> {
    this.gate ??= InterferenceGate.calibrate(cpus).catch((err: unknown) => {
      this.gate = undefined;
      throw err;
    });
    return this.gate;
  }

  private async handle(
    job: TrialJob,
    meta: { jobId: string; attempt: number },
    deps: Pick<Parameters<typeof executeTrial>[1], 'runners' | 'identity' | 'libraries' | 'gate'>,
  ): Promise<void> {
    // A recovered job whose first run got as far as storing must not be measured again.
    const existing = await getTrialResult(this.redis, job.campaign_id, job.trial_id);
    if (existing) {
      this.options.log(`trial ${meta.jobId}: result already stored by ${existing.worker.name}, skipped`);
      return;
    }
    // A job can outlive its trial (active on a worker killed with SIGKILL, back to waiting after
    // the campaign finished or the trial was re-planned): the service marks every trial it withdraws.
    if (await isJobWithdrawn(this.redis, meta.jobId)) {
      this.options.log(`trial ${meta.jobId}: dropped, not run: withdrawn by the service (campaign stopped or trial re-planned)`);
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
        // The record goes with the name, unless another process holds the name by now.
        const release = async (): Promise<void> => {
          if (await releaseWorkerName(this.redis, this.options.name, this.owner)) await unregisterWorker(this.redis, this.options.name);
        };
        await Promise.race([release(), new Promise((r) => setTimeout(r, 2000))]);
      } finally {
        this.redis.disconnect();
      }
    })();
    return this.closing;
  }
}
