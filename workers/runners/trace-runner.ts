import { AlloctuneError } from '../../src/core/alloctune-error.js';
import type { LatencySummary } from '../../src/core/harness-result.js';
import { REPLAY_CALL_KINDS, ReplayResultSchema, type ReplayResult, type TraceFidelityReport } from '../../src/core/replay-result.js';
import { workloadLabel, type WorkloadSpec } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { findAllocatorComplaints } from '../../src/harness/allocator-complaints.js';
import { probeRequestFor } from '../../src/harness/probe-request.js';
import { runGuarded, type ProcessOutcome } from '../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { parseCpuList } from '../../src/sys/cpu-list.js';
import { diffCpuStat, pickCpus, sampleCpuStat } from '../../src/sys/cpu-stat.js';
import type { TraceDir } from '../trace-dir.js';
import { abortedError } from './aborted-error.js';
import { checkServingAllocator, readBackOptions } from './harness-runner.js';
import { referenceComparison, referenceMetrics } from './trace-reference.js';
import { readOriginalRun, type OriginalRun } from './trace-sidecar.js';
import type { RunContext, WorkloadRunner } from './workload-runner.js';

type TraceSpec = Extract<WorkloadSpec, { kind: 'trace' }>;

/** tracereplay's exit codes for a file it cannot use (native/replay/trace-load.h), with what each means. */
const UNUSABLE_FILE: Readonly<Record<number, string>> = {
  3: 'unreadable',
  4: 'not a version 1 alloctune trace',
  5: 'corrupt',
  6: 'truncated',
  7: 'inconsistent',
};
/** The replay ran but did not reproduce the recording (native/replay/replay.h). */
const EXIT_REPLAY_FAILED = 8;

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function latencyMetrics(prefix: string, s: LatencySummary | undefined): Record<string, number> {
  if (s === undefined || s.count === 0) return {};
  return { [`${prefix}_p50_ns`]: s.p50, [`${prefix}_p99_ns`]: s.p99, [`${prefix}_p999_ns`]: s.p999, [`${prefix}_max_ns`]: s.max };
}

/** Flat metrics of a replay document, units in the names (catalogue: metric-catalogue.ts, kind trace). */
export function replayMetrics(doc: ReplayResult, original: OriginalRun): Record<string, number> {
  const m = doc.memory;
  const metrics: Record<string, number> = {
    ops_per_s: doc.throughput.ops_per_s,
    ops_per_cpu_s: doc.throughput.ops_per_cpu_s,
    ops: doc.throughput.ops,
    run_ms: doc.throughput.duration_ms,
    peak_rss_bytes: m.peak_rss_bytes,
    baseline_rss_bytes: m.baseline_rss_bytes,
    peak_rss_above_baseline_bytes: Math.max(0, m.peak_rss_bytes - m.baseline_rss_bytes),
    peak_rss_minus_replayer_bytes: m.peak_rss_minus_replayer_bytes,
    peak_live_bytes: m.peak_live_bytes,
    live_requested_bytes: m.live_requested_bytes,
    cross_thread_waits: doc.fidelity.replayed.cross_thread_waits,
    minor_faults: doc.system.minor_faults,
    user_ms: doc.system.user_ms,
    sys_ms: doc.system.sys_ms,
  };
  if (m.peak_fragmentation_ratio !== null) metrics['peak_fragmentation_ratio'] = m.peak_fragmentation_ratio;
  if (m.fragmentation_ratio !== null) metrics['fragmentation_ratio'] = m.fragmentation_ratio;
  if (doc.latency_ns.sample_every > 0) for (const kind of REPLAY_CALL_KINDS) Object.assign(metrics, latencyMetrics(kind, doc.latency_ns.by_kind[kind]));
  // Named after the planned offset, as the harness's: every trial reports the same names.
  doc.memory.after_end.forEach((snap, i) => {
    const offset = doc.params.snapshot_ms[i];
    if (offset === undefined) return;
    metrics[`rss_bytes_at_${offset}ms`] = snap.rss_bytes;
    // Net of all that was resident before the first call: the replayer's tables (48 B a record plus
    // the plan, which can be half the RSS), but also the allocator's own start-up footprint.
    metrics[`rss_above_baseline_bytes_at_${offset}ms`] = Math.max(0, snap.rss_bytes - m.baseline_rss_bytes);
    // Net of exactly the replayer's own resident pages at that moment, the allocator's start-up kept
    // (its arenas, huge pages made resident before the first call): the baseline takes those out too.
    metrics[`rss_minus_replayer_bytes_at_${offset}ms`] = Math.max(0, snap.rss_bytes - snap.replayer_resident_bytes);
  });
  if (original.peak_rss_bytes !== null && original.peak_rss_bytes > 0) metrics['peak_rss_vs_original_ratio'] = m.peak_rss_bytes / original.peak_rss_bytes;
  return metrics;
}

/**
 * The fidelity block: op counts and peak live bytes from the file and from the replay, the peak RSS
 * against the traced recording's, and the replay against the untraced original under the same allocator.
 */
export function fidelityReport(doc: ReplayResult, original: OriginalRun, allocator: string): TraceFidelityReport {
  const ratio = original.peak_rss_bytes !== null && original.peak_rss_bytes > 0 ? doc.memory.peak_rss_bytes / original.peak_rss_bytes : null;
  const same = original.allocator === null ? null : original.allocator === allocator;
  const notes = [original.note, same === false ? `the original ran under ${original.allocator}, this replay under ${allocator}` : undefined].filter((n): n is string => n !== undefined);
  return {
    ...doc.fidelity,
    reference: referenceComparison(doc, original, allocator),
    original: {
      peak_rss_bytes: original.peak_rss_bytes,
      allocator: original.allocator,
      replay_peak_rss_bytes: doc.memory.peak_rss_bytes,
      peak_rss_ratio: ratio,
      same_allocator: same,
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    },
  };
}

/** A failed replay as a catalogue error: the file's defect, the allocator's complaint, a crash, a lost fidelity. */
function failure(outcome: ProcessOutcome, spec: TraceSpec, ctx: RunContext, timeoutMs: number): AlloctuneError | undefined {
  const target = workloadLabel(spec);
  if (outcome.spawnError !== undefined) return new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot start tracereplay: ${outcome.spawnError}` });
  if (outcome.timedOut) return new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target, timeout_ms: timeoutMs });
  // The allocator's own words beat a bare exit status: abort_conf:true ends in SIGABRT right after them.
  const complaint = findAllocatorComplaints(outcome.stderr, ctx.definition.complaints)[0];
  if (complaint !== undefined) return new AlloctuneError('ALLOCTUNE_ERR_ALLOCATOR_REJECTED', { line: complaint.slice(0, 300) });
  if (outcome.signal !== null) return new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `replay killed by ${outcome.signal}: ${lastLine(outcome.stderr)}` });
  const code = outcome.exitCode ?? 0;
  const unusable = UNUSABLE_FILE[code];
  // Every trial of the campaign would fail the same way: an input error, which fails it at its baseline.
  if (unusable !== undefined) return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'trace', reason: `'${spec.trace}' is ${unusable}: ${lastLine(outcome.stderr).replace(/^tracereplay: [^:]*: /, '')}` });
  if (code === EXIT_REPLAY_FAILED) return new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `replay failed: ${lastLine(outcome.stderr).replace(/^tracereplay: [^:]*: /, '')}` });
  if (code !== 0) return new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target, reason: `tracereplay exited with code ${code}: ${lastLine(outcome.stderr)}` });
  return undefined;
}

function parseDocument(stdout: string, target: string): ReplayResult {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch (e) {
    throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target, reason: `not JSON: ${(e as Error).message}` });
  }
  const checked = ReplayResultSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target, reason: `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'schema mismatch'}` });
  }
  return checked.data;
}

/**
 * Replays a trace named by the job from this worker's trace directory with `native/build/tracereplay`
 * under the config's environment, pinned to the worker's CPUs. The measurement's metrics are the
 * replay's (kind `trace`); `details.fidelity` says whether it reproduced the recording. Nothing in
 * the result says it stands for the real program: a campaign that explores on a trace and confirms
 * on the real workload keeps the two as separate workloads.
 */
export class TraceRunner implements WorkloadRunner<'trace'> {
  readonly kind = 'trace' as const;

  constructor(private readonly traces: TraceDir) {}

  async run(spec: TraceSpec, ctx: RunContext): Promise<WorkloadMeasurement> {
    const target = workloadLabel(spec);
    if (ctx.signal?.aborted) throw abortedError(ctx, target);
    const file = this.traces.resolve(spec.trace, 'trace');
    const original = readOriginalRun(this.traces, spec.trace);
    const identity = probeRequestFor(ctx.definition);
    const argv = ['--trace', file, '--pace', spec.pace, '--snapshot-ms', spec.snapshot_offsets_ms.join(','), '--cpus', ctx.cpus, '--seed', String(ctx.seed)];
    if (identity.symbols !== undefined && identity.symbols.length > 0) argv.push('--identity-symbols', identity.symbols.join(','));
    if (identity.optionsSymbol !== undefined) argv.push('--options-symbol', identity.optionsSymbol);
    if (identity.versionSymbol !== undefined) argv.push('--version-symbol', identity.versionSymbol);
    const cpus = parseCpuList(ctx.cpus);
    const before = sampleCpuStat();
    const outcome = await runGuarded(nativeTool('tracereplay'), argv, {
      env: ctx.env,
      timeoutMs: ctx.phaseTimeoutMs,
      deathSignal: 'KILL',
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const load = diffCpuStat(before, sampleCpuStat());
    // Killed by the abort: whatever the replay reported is not a verdict on the config.
    if (ctx.signal?.aborted) throw abortedError(ctx, target);
    const error = failure(outcome, spec, ctx, ctx.phaseTimeoutMs);
    if (error !== undefined) throw error;
    const doc = parseDocument(outcome.stdout, target);
    checkServingAllocator(doc, ctx);
    const options = readBackOptions(doc, ctx);
    const fidelity = fidelityReport(doc, original, ctx.allocator);
    const metrics = { ...replayMetrics(doc, original), ...(fidelity.reference === undefined ? {} : referenceMetrics(fidelity.reference)) };
    // The timeline keeps RSS and live bytes; per-snapshot allocator statistics would bloat every stored trial.
    const timeline = doc.memory.timeline.map(({ at_ms, rss_bytes, replayer_resident_bytes, live_requested_bytes }) => ({ at_ms, rss_bytes, replayer_resident_bytes, live_requested_bytes }));
    return {
      label: target,
      kind: 'trace',
      metrics,
      steal_pct: doc.system.steal_pct,
      cpu_busy_pct: pickCpus(load.cpu_busy_pct, cpus),
      allocator: { name: ctx.allocator, version: doc.allocator.version ?? 'unknown', options, path: doc.allocator.path },
      duration_ms: outcome.durationMs,
      details: { trace: spec.trace, pace: spec.pace, fidelity, memory: { ...doc.memory, timeline }, latency_ns: doc.latency_ns, throughput: doc.throughput },
    };
  }
}
