import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { isAlloctuneError } from '../core/alloctune-error.js';
import { TrialJobSchema, type TrialJob } from '../core/trial-job.js';
import { openRedis, type RedisEndpoint } from '../redis/redis-connection.js';
import { workerQueueNames } from './queue-names.js';

/** Called for each trial; resolves once its result is stored. */
export type TrialHandler = (job: TrialJob, meta: { jobId: string; queue: string; attempt: number }) => Promise<void>;

export interface TrialWorkerOptions {
  /** Redis URL or connection settings (TLS, ACL password). */
  redisUrl: RedisEndpoint;
  /** The worker's labels; it takes trials from the queue of every subset of them. */
  labels: Readonly<Record<string, string>>;
  /** Trials run at the same time by this process, over all its queues. */
  concurrency: number;
  /** How long a job stays locked without renewal; a worker silent for longer has lost it. */
  lockDurationMs: number;
  /** How often stalled jobs (lock expired) are looked for and moved back to waiting. */
  stalledIntervalMs: number;
  /** Times a job may stall (its worker died) before BullMQ fails it. */
  maxStalledCount: number;
  handler: TrialHandler;
  /** Reports errors of the BullMQ machinery (connection drops ...); they are not fatal. */
  onError?: (err: Error) => void;
  /**
   * Called for a job whose data does not validate (written into Redis by something else than the
   * service), before it is failed without retry: to log it and record the refusal on the trial.
   */
  onInvalidJob?: (rejected: InvalidJob) => Promise<void>;
}

/** A job refused because its data is not a valid trial job. */
export interface InvalidJob {
  jobId: string;
  /** The raw job data, untrusted. */
  data: unknown;
  /** Every problem, as `field.path: message`. */
  reason: string;
}

/** Control characters and line separators of untrusted text shown as `?`, so that it cannot forge log lines. */
function printable(text: string): string {
  return [...text].map((ch) => (/[\p{Cc}\u2028\u2029]/u.test(ch) ? '?' : ch)).join('');
}

/** `workloads.0.options.server_config.include: ...; env.LD_AUDIT: ...`, capped so a huge input is not echoed. */
function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const text = printable(issues.map((i) => `${i.path.map(String).join('.') || '(job)'}: ${i.message}`).join('; '));
  return text.length > 2000 ? `${text.slice(0, 2000)}...` : text;
}

/** A counting semaphore shared by the per-queue BullMQ workers. */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/**
 * Consumer side of trial execution: one BullMQ worker per queue the labels select, sharing
 * `concurrency` slots. A job whose data does not validate, or whose handler fails with a
 * non-retryable AlloctuneError, is failed without retry (UnrecoverableError); any other error is
 * retried by BullMQ. A job that arrives while every slot is busy (possible only with several queues)
 * keeps its lock and waits for a slot.
 */
export class TrialWorker {
  readonly queues: string[];
  private readonly connection: Redis;
  private readonly workers: Worker[];
  private readonly active = new Set<string>();

  constructor(options: TrialWorkerOptions) {
    this.queues = workerQueueNames(options.labels);
    this.connection = openRedis(options.redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', () => undefined);
    const slots = new Slots(options.concurrency);
    const processor = async (job: Job): Promise<string> => {
      const jobId = job.id ?? '';
      const parsed = TrialJobSchema.safeParse(job.data);
      if (!parsed.success) {
        const reason = describeIssues(parsed.error.issues);
        await options.onInvalidJob?.({ jobId: printable(jobId).slice(0, 200), data: job.data, reason }).catch((err: unknown) => options.onError?.(err instanceof Error ? err : new Error(String(err))));
        throw new UnrecoverableError(`invalid trial job ${jobId}: ${reason}`);
      }
      await slots.acquire();
      this.active.add(jobId);
      try {
        await options.handler(parsed.data, { jobId, queue: job.queueName, attempt: job.attemptsMade + 1 });
        return 'stored';
      } catch (err) {
        if (isAlloctuneError(err) && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
        throw err;
      } finally {
        this.active.delete(jobId);
        slots.release();
      }
    };
    this.workers = this.queues.map((name) => {
      const worker = new Worker(name, processor, {
        connection: this.connection,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.stalledIntervalMs,
        maxStalledCount: options.maxStalledCount,
        removeOnComplete: { count: 10_000 },
        removeOnFail: { count: 10_000 },
      });
      worker.on('error', (err) => options.onError?.(err));
      return worker;
    });
  }

  /** Job ids being processed right now. */
  activeJobIds(): string[] {
    return [...this.active];
  }

  /** Stop taking jobs, wait for running ones (unless `force`), and disconnect. */
  async close(force = false): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(force)));
    this.connection.disconnect();
  }
}
