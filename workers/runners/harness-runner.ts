import { AlloctuneError } from '../../src/core/alloctune-error.js';
import type { ConfigValue } from '../../src/core/config.js';
import type { HarnessResult, LatencySummary } from '../../src/core/harness-result.js';
import { workloadLabel, type WorkloadSpec } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { probeRequestFor } from '../../src/harness/probe-request.js';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { allocatorEnvProblems, servingMismatch } from '../../src/spaces/index.js';
import { parseCpuList } from '../../src/sys/cpu-list.js';
import { diffCpuStat, pickCpus, sampleCpuStat } from '../../src/sys/cpu-stat.js';
import { abortedError } from './aborted-error.js';
import type { RunContext, WorkloadRunner } from './workload-runner.js';

type HarnessSpec = Extract<WorkloadSpec, { kind: 'harness' }>;

function latencyMetrics(prefix: string, s: LatencySummary): Record<string, number> {
  return { [`${prefix}_p50_ns`]: s.p50, [`${prefix}_p99_ns`]: s.p99, [`${prefix}_p999_ns`]: s.p999, [`${prefix}_max_ns`]: s.max };
}

/** Flat metrics of a harness document, units in the names. */
export function harnessMetrics(doc: HarnessResult): Record<string, number> {
  const metrics: Record<string, number> = {
    peak_rss_bytes: doc.memory.peak_rss_bytes,
    live_requested_bytes: doc.memory.live_requested_bytes,
    minor_faults: doc.system.minor_faults,
    user_ms: doc.system.user_ms,
    sys_ms: doc.system.sys_ms,
  };
  if (doc.memory.fragmentation_ratio !== null) metrics['fragmentation_ratio'] = doc.memory.fragmentation_ratio;
  if (doc.throughput) {
    metrics['ops_per_s'] = doc.throughput.ops_per_s;
    // Throughput per CPU-second of the workload threads: robust to other load on a shared machine.
    metrics['ops_per_cpu_s'] = doc.throughput.ops_per_cpu_s;
    metrics['ops'] = doc.throughput.ops;
    metrics['run_ms'] = doc.throughput.duration_ms;
  }
  if (doc.latency_ns && doc.latency_ns.sample_every > 0) {
    Object.assign(metrics, latencyMetrics('malloc', doc.latency_ns.malloc), latencyMetrics('free', doc.latency_ns.free));
  }
  // Fixed offsets after the free burst are the low-noise memory figures (redis-measurement.md §10).
  // Metrics are named after the planned offset (`snapshot_ms` parameter), not the measured time,
  // so that every trial reports the same metric names.
  const planned = doc.workload?.params['snapshot_ms'];
  const offsets = Array.isArray(planned) ? planned : [];
  const afterFree = doc.memory.snapshots.filter((snap) => snap.after_free_ms !== null);
  afterFree.forEach((snap, i) => {
    const offset = offsets[i];
    if (typeof offset !== 'number') return;
    metrics[`rss_bytes_at_${offset}ms`] = snap.rss_bytes;
    if (snap.fragmentation_ratio !== null) metrics[`fragmentation_ratio_at_${offset}ms`] = snap.fragmentation_ratio;
  });
  const meanRss = timeWeightedMeanRss(afterFree);
  if (meanRss !== undefined) metrics['rss_mean_bytes_after_free'] = meanRss;
  return metrics;
}

/**
 * Time-weighted mean RSS between the first and the last snapshot after the free burst (trapezoids
 * over the measured times): memory held while the allocator decides when to give pages back. One
 * figure that rewards releasing early, where a single fixed-time reading only says "before or after".
 */
export function timeWeightedMeanRss(snaps: readonly { after_free_ms: number | null; rss_bytes: number }[]): number | undefined {
  const points = snaps.filter((s): s is { after_free_ms: number; rss_bytes: number } => s.after_free_ms !== null);
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || last.after_free_ms <= first.after_free_ms) return undefined;
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as { after_free_ms: number; rss_bytes: number };
    const b = points[i] as { after_free_ms: number; rss_bytes: number };
    area += ((a.rss_bytes + b.rss_bytes) / 2) * (b.after_free_ms - a.after_free_ms);
  }
  return area / (last.after_free_ms - first.after_free_ms);
}

/** The harness's own view of the serving allocator vs the definition under test; throws WRONG_ALLOCATOR. */
export function checkServingAllocator(doc: Pick<HarnessResult, 'allocator'>, ctx: Pick<RunContext, 'allocator' | 'definition'>): void {
  const actual = servingMismatch(ctx.definition, { path: doc.allocator.path, symbols: doc.allocator.symbols });
  if (actual !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_WRONG_ALLOCATOR', { expected: ctx.allocator, actual });
}

/** The effective options as the definition's `readback` says to record them. */
export function readBackOptions(doc: Pick<HarnessResult, 'allocator'>, ctx: Pick<RunContext, 'definition' | 'env'>): Record<string, ConfigValue> {
  switch (ctx.definition.readback.kind) {
    case 'none':
      return {};
    case 'env-echo': {
      // The allocator offers no read-back: the record says what it was given, and the definition says so.
      const own = Object.fromEntries(Object.entries(ctx.env).filter(([k]) => k !== 'LD_PRELOAD' && k !== 'PATH'));
      return allocatorEnvProblems(ctx.definition, own).length === 0 ? own : {};
    }
    case 'stats-api':
    case 'function':
      return Object.fromEntries(Object.entries(doc.allocator.options).filter((e): e is [string, ConfigValue] => e[1] !== null));
  }
}

/**
 * Runs one `allocbench` workload under the config's environment, pinned to the worker's CPUs
 * (`--cpus`), and checks that the allocator under test really served malloc().
 */
export class HarnessRunner implements WorkloadRunner<'harness'> {
  readonly kind = 'harness' as const;

  async run(spec: HarnessSpec, ctx: RunContext): Promise<WorkloadMeasurement> {
    if (ctx.signal?.aborted) throw abortedError(ctx, 'harness run');
    const cpus = parseCpuList(ctx.cpus);
    const before = sampleCpuStat();
    const outcome = await runAllocbench({
      workload: spec.workload,
      args: { seed: ctx.seed, ...spec.args },
      env: ctx.env,
      cpus: ctx.cpus,
      timeoutMs: ctx.phaseTimeoutMs,
      identity: probeRequestFor(ctx.definition),
      complaints: ctx.definition.complaints,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const load = diffCpuStat(before, sampleCpuStat());
    // Killed by the abort: whatever the harness reported is not a verdict on the config.
    if (ctx.signal?.aborted) throw abortedError(ctx, 'harness run', outcome.ok ? undefined : outcome.error);
    if (!outcome.ok) throw outcome.error;
    const doc = outcome.result;
    checkServingAllocator(doc, ctx);
    const options = readBackOptions(doc, ctx);
    return {
      label: workloadLabel(spec),
      kind: 'harness',
      metrics: harnessMetrics(doc),
      // The harness measures steal over its own run, from inside the target.
      steal_pct: doc.system.steal_pct,
      cpu_busy_pct: pickCpus(load.cpu_busy_pct, cpus),
      allocator: { name: ctx.allocator, version: doc.allocator.version ?? 'unknown', options, path: doc.allocator.path },
      duration_ms: outcome.durationMs,
      details: doc,
    };
  }
}
