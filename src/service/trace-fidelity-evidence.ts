import type { TraceFidelityEvidence } from '../core/export-evidence.js';
import { TraceDetailsSchema } from '../core/replay-result.js';
import type { TrialResult } from '../core/trial-result.js';

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}

/**
 * What the export says about each trace workload of the chosen config's first result: whether the
 * replay reproduced the recording (op count, peak live bytes) and its peak RSS against the original
 * program's. A trace is a proxy; this is how far to trust it.
 */
export function traceFidelityEvidence(result: TrialResult | undefined): TraceFidelityEvidence[] {
  const measurements = result?.repeats[0]?.workloads.filter((w) => w.kind === 'trace') ?? [];
  return measurements.flatMap((m): TraceFidelityEvidence[] => {
    const parsed = TraceDetailsSchema.safeParse(m.details);
    if (!parsed.success) return [];
    const { trace, fidelity: f } = parsed.data;
    const rss =
      f.original.peak_rss_ratio === null
        ? (f.original.note ?? 'original peak RSS unknown')
        : `peak RSS ${f.original.peak_rss_ratio.toFixed(2)}x the original program's${f.original.same_allocator === true ? ' under the same allocator' : f.original.note === undefined ? '' : ` (${f.original.note})`}`;
    const reference = f.reference === undefined ? '' : `; ${f.reference.statement}`;
    const summary = `replay of trace '${trace}': ${f.replayed.ops} of ${f.recorded.ops} ops, peak live ${bytes(f.replayed.peak_live_bytes)} (recorded ${bytes(f.recorded.peak_live_bytes)})${f.match ? '' : ': FIDELITY LOST'}; ${rss} (traced run)${reference}`;
    return [
      {
        workload: m.label,
        trace,
        match: f.match,
        recorded_ops: f.recorded.ops,
        replayed_ops: f.replayed.ops,
        recorded_peak_live_bytes: f.recorded.peak_live_bytes,
        replayed_peak_live_bytes: f.replayed.peak_live_bytes,
        original_peak_rss_bytes: f.original.peak_rss_bytes,
        replay_peak_rss_bytes: f.original.replay_peak_rss_bytes,
        peak_rss_ratio: f.original.peak_rss_ratio,
        summary,
      },
    ];
  });
}
