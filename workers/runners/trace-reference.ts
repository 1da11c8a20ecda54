import type { ReferenceComparison, ReplayResult } from '../../src/core/replay-result.js';
import type { OriginalRun } from './trace-sidecar.js';

function ratio(replay: number, original: number | null): number | null {
  return original !== null && original > 0 ? replay / original : null;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/**
 * The replay against the untraced original under the trial's own allocator: peak RSS, wall time and
 * CPU time as ratios (replay / original), or plainly that the sidecar has no run under that
 * allocator, with the allocators it has one under and why a requested one failed.
 */
export function referenceComparison(doc: ReplayResult, original: OriginalRun, allocator: string): ReferenceComparison {
  const replay = { replay_peak_rss_bytes: doc.memory.peak_rss_bytes, replay_wall_ms: doc.throughput.duration_ms, replay_cpu_ms: doc.system.user_ms + doc.system.sys_ms };
  const under = Object.keys(original.references).sort();
  const ref = original.references[allocator];
  if (ref === undefined) {
    const failed = original.reference_problems[allocator];
    const others = under.length === 0 ? 'the sidecar has no reference run under any allocator' : `references exist under ${under.join(', ')}`;
    const statement = failed !== undefined
      ? `no untraced original under ${allocator} to compare with: its reference run failed (${failed.slice(0, 300)}); ${others}`
      : `no untraced original under ${allocator} to compare with: ${others} (record with --reference-allocators ${[...under, allocator].join(',')})`;
    return {
      allocator, available: false, references_under: under,
      original_peak_rss_bytes: null, original_wall_ms: null, original_cpu_ms: null, original_version: null, original_served_by: null,
      ...replay, peak_rss_ratio: null, wall_ratio: null, cpu_ratio: null, statement,
    };
  }
  const originalRss = ref.peak_rss_kb * 1024;
  const originalCpu = ref.user_ms + ref.sys_ms;
  const c = {
    allocator, available: true, references_under: under,
    original_peak_rss_bytes: originalRss, original_wall_ms: ref.wall_ms, original_cpu_ms: originalCpu, original_version: ref.version, original_served_by: ref.served_by,
    ...replay,
    peak_rss_ratio: ratio(replay.replay_peak_rss_bytes, originalRss),
    wall_ratio: ratio(replay.replay_wall_ms, ref.wall_ms),
    cpu_ratio: ratio(replay.replay_cpu_ms, originalCpu),
  };
  const x = (r: number | null): string => (r === null ? 'n/a' : `${r.toFixed(2)}x`);
  const statement =
    `under ${allocator}${ref.version === null ? '' : ` ${ref.version}`}: replay peak RSS ${mib(c.replay_peak_rss_bytes)} = ${x(c.peak_rss_ratio)} the untraced original's ${mib(originalRss)} ` +
    `(the replay's includes ${mib(doc.memory.baseline_rss_bytes)} of its own tables resident before the first call); ` +
    `replay ${c.replay_wall_ms.toFixed(0)} ms wall = ${x(c.wall_ratio)} the original's ${ref.wall_ms.toFixed(0)} ms, ${c.replay_cpu_ms.toFixed(0)} ms CPU = ${x(c.cpu_ratio)} its ${originalCpu.toFixed(0)} ms ` +
    '(replay times are the replayed calls only; the original\'s cover its whole run)';
  return { ...c, statement };
}

/** Flat metrics of the comparison (catalogue: metric-catalogue.ts, kind trace), only when a reference exists. */
export function referenceMetrics(c: ReferenceComparison): Record<string, number> {
  const m: Record<string, number> = {};
  if (c.peak_rss_ratio !== null) m['peak_rss_vs_reference_ratio'] = c.peak_rss_ratio;
  if (c.wall_ratio !== null) m['run_ms_vs_reference_wall_ratio'] = c.wall_ratio;
  if (c.cpu_ratio !== null) m['cpu_ms_vs_reference_cpu_ratio'] = c.cpu_ratio;
  return m;
}
