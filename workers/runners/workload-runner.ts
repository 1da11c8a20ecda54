import type { SearchSpace } from '../../src/core/search-space.js';
import type { WorkloadSpec } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';

/** Everything a runner needs to measure one workload once under one configuration. */
export interface RunContext {
  /** Complete environment for the target process: config variables plus LD_PRELOAD when needed. */
  env: Record<string, string>;
  allocator: string;
  /** The allocator's definition (identity, read-back, complaint patterns): the job's snapshot as the worker accepted it (workers/job-definition.ts). */
  definition: SearchSpace;
  /** The worker's registered definition the job's is a view over (its library, its per-allocator redis-server); default `allocator`. */
  base?: string;
  /** CPU list for the target (taskset syntax, e.g. "1"). */
  cpus: string;
  /** CPU list for load generators and probes. */
  clientCpus: string;
  seed: number;
  phaseTimeoutMs: number;
  /** Aborting kills the run's processes; the runner then rejects with `abortedError` (WORKER_LOST, aborted-error.ts). */
  signal?: AbortSignal;
  /** Name of the worker running the measurement, for error messages. */
  worker?: string;
}

/**
 * Measures one kind of workload. `run` resolves with a measurement or rejects with an
 * AlloctuneError (allocator rejected the config, target crashed, timeout, wrong allocator ...),
 * and with the retryable WORKER_LOST when `ctx.signal` aborts it; it never leaves a child process
 * behind either way.
 */
export interface WorkloadRunner<K extends WorkloadSpec['kind'] = WorkloadSpec['kind']> {
  readonly kind: K;
  run(spec: Extract<WorkloadSpec, { kind: K }>, ctx: RunContext): Promise<WorkloadMeasurement>;
}
