import { AlloctuneError, isAlloctuneError } from '../src/core/alloctune-error.js';
import type { TrialJob, WorkloadSpec } from '../src/core/trial-job.js';
import { workloadLabel } from '../src/core/trial-job.js';
import { TrialResultSchema, type RepeatRecord, type TrialResult, type WorkerIdentity, type WorkloadMeasurement } from '../src/core/trial-result.js';
import { cutShortDecision, type CutShortRecord } from '../src/core/cut-short.js';
import type { InterferenceGate } from './interference-gate.js';
import { jobDefinition } from './job-definition.js';
import { summarizeRepeats } from './summarize-repeats.js';
import { targetEnv, type LibraryOverrides } from './target-env.js';
import type { RunContext, WorkloadRunner } from './runners/workload-runner.js';

/** The runners a worker has, by workload kind; a missing kind fails the trials that need it. */
export type RunnerSet = { [K in WorkloadSpec['kind']]?: WorkloadRunner<K> };

export interface ExecuteOptions {
  runners: RunnerSet;
  identity: WorkerIdentity;
  libraries?: LibraryOverrides;
  /** Aborting stops the trial between measurements and rejects with a retryable WORKER_LOST. */
  signal?: AbortSignal;
  /**
   * The interference gate of this worker's target CPUs (calibrated once, on first use); used when
   * the job sets `interference_max_slowdown_pct`.
   */
  gate?: () => Promise<InterferenceGate>;
  /** Called after each kept or discarded measurement (progress reporting). */
  onMeasurement?: (event: { repeat: number; label: string; kept: boolean; steal_pct: number }) => void;
}

function runnerFor(runners: RunnerSet, spec: WorkloadSpec, ctx: RunContext): Promise<WorkloadMeasurement> {
  const missing = (): never => {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `this worker has no ${spec.kind} runner` });
  };
  switch (spec.kind) {
    case 'harness':
      return (runners.harness ?? missing()).run(spec, ctx);
    case 'redis':
      return (runners.redis ?? missing()).run(spec, ctx);
    case 'command':
      return (runners.command ?? missing()).run(spec, ctx);
    case 'trace':
      return (runners.trace ?? missing()).run(spec, ctx);
  }
}

function checkAborted(signal: AbortSignal | undefined, worker: string): void {
  if (signal?.aborted) throw new AlloctuneError('ALLOCTUNE_ERR_WORKER_LOST', { worker, reason: 'shutting down' });
}

/**
 * Run one trial: every workload, `repeats` times, under the job's allocator configuration.
 * A measurement whose CPU steal exceeds `steal_max_pct` is recorded in `discarded` and re-run, at
 * most `steal_max_reruns` times per workload and repeat (the last one is then kept, its steal on
 * record). When the job sets `interference_max_slowdown_pct` and the worker has a gate, the gate's
 * spin probe runs on the target CPUs before and after each measurement; one whose slower probe
 * exceeds the reference by more than that is discarded and re-run the same way (reason
 * `interference: ...`, within the same re-run budget). A non-retryable error (bad config, crash, timeout) ends the trial with a `failed` result
 * that keeps the repeats measured so far; a retryable one (Redis gone, worker shutting down) is
 * thrown so that the queue runs the trial again. With the job's `cut_short` rule, a trial whose first
 * `after_repeats` repeats are already beyond one of its limits stops there and says so (`cut_short`).
 */
export async function executeTrial(job: TrialJob, options: ExecuteOptions): Promise<TrialResult> {
  const started = new Date();
  const repeats: RepeatRecord[] = [];
  let error: TrialResult['error'];
  let preload: string | undefined;
  let cut: CutShortRecord | undefined;
  try {
    // Environment and library are checked before anything starts: a refused job runs nothing.
    const resolved = jobDefinition(job);
    const env = targetEnv(job, options.libraries, resolved);
    const { definition } = resolved;
    preload = env['LD_PRELOAD'];
    for (let index = 0; index < job.repeats; index++) {
      const record: RepeatRecord = { index, workloads: [], discarded: [] };
      repeats.push(record);
      for (const spec of job.workloads) {
        const label = workloadLabel(spec);
        const ctx: RunContext = {
          env,
          allocator: job.allocator,
          definition,
          base: resolved.base,
          cpus: options.identity.cpus,
          clientCpus: options.identity.client_cpus,
          seed: job.seed + index,
          phaseTimeoutMs: job.phase_timeout_ms,
          worker: options.identity.name,
        };
        if (options.signal) ctx.signal = options.signal;
        const limit = job.interference_max_slowdown_pct;
        const gate = limit !== undefined && options.gate ? await options.gate() : undefined;
        for (let attempt = 0; ; attempt++) {
          checkAborted(options.signal, options.identity.name);
          const before = gate ? await gate.probe() : 0;
          const measurement = await runnerFor(options.runners, spec, ctx);
          const slowdown = gate ? gate.slowdownPct(Math.max(before, await gate.probe())) : 0;
          const stolen = measurement.steal_pct > job.steal_max_pct;
          const disturbed = limit !== undefined && slowdown > limit;
          if ((stolen || disturbed) && attempt < job.steal_max_reruns) {
            const reason = stolen
              ? `steal ${measurement.steal_pct.toFixed(2)}% > ${job.steal_max_pct}% (attempt ${attempt + 1})`
              : `interference: the spin probe on CPUs ${ctx.cpus} ran ${slowdown.toFixed(0)}% slower than the worker's reference > ${String(limit)}% (attempt ${attempt + 1})`;
            record.discarded.push({ label, reason, steal_pct: measurement.steal_pct, ...(gate ? { probe_slowdown_pct: slowdown } : {}) });
            options.onMeasurement?.({ repeat: index, label, kept: false, steal_pct: measurement.steal_pct });
            continue;
          }
          record.workloads.push({ ...measurement, label });
          options.onMeasurement?.({ repeat: index, label, kept: true, steal_pct: measurement.steal_pct });
          break;
        }
      }
      // The job's cut rule, once its repeats are in: a trial already far beyond a limit stops here, on record.
      if (job.cut_short) {
        const values = Object.fromEntries(Object.entries(summarizeRepeats(repeats)).map(([key, s]) => [key, s.values ?? []]));
        cut = cutShortDecision(job.cut_short, values, repeats.length, job.repeats);
        if (cut) break;
      }
    }
  } catch (err) {
    if (isAlloctuneError(err) && err.retryable) throw err;
    // An aborted trial is re-run whatever its runner made of the killed processes.
    if (options.signal?.aborted) throw new AlloctuneError('ALLOCTUNE_ERR_WORKER_LOST', { worker: options.identity.name, reason: 'shutting down' }, { cause: err });
    const failure = isAlloctuneError(err) ? err : new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: err instanceof Error ? err.message : String(err) }, { cause: err });
    error = failure.toJSON();
    // A repeat cut short by the failure is not a measurement of the config.
    const last = repeats[repeats.length - 1];
    if (last && last.workloads.length < job.workloads.length) repeats.pop();
  }
  const finished = new Date();
  const result: TrialResult = {
    schema: 'alloctune.trial/1',
    campaign_id: job.campaign_id,
    trial_id: job.trial_id,
    status: error ? 'failed' : 'completed',
    worker: options.identity,
    allocator: job.allocator,
    config: job.config,
    env: job.env,
    started_at: started.toISOString(),
    finished_at: finished.toISOString(),
    duration_ms: finished.getTime() - started.getTime(),
    repeats,
    summary: summarizeRepeats(repeats),
  };
  if (preload !== undefined) result.preload = preload;
  if (error) result.error = error;
  else if (cut) result.cut_short = cut;
  return TrialResultSchema.parse(result);
}
