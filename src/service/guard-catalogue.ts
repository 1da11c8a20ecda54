import type { CampaignSpec } from '../core/campaign-spec.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import { catalogueEntry } from './metric-catalogue.js';
import { resolveMetric } from './metric-resolver.js';

/** A guard as declared for a workload kind: the metric, its good direction and the accepted loss. */
interface GuardRow {
  metric: string;
  direction: 'min' | 'max';
  margin_pct: number;
}

/**
 * The metrics a change must not hurt, per workload kind (names as in metric-catalogue.ts). Margins
 * from the measured noise on this VM (/work/shared/reference/redis-measurement.md): throughput moves
 * 1-2 % run to run, so 3 %; tail latency CV 12-20 %, so 10 %; command wall time 5 %.
 */
export const WORKLOAD_GUARDS: Record<WorkloadSpec['kind'], readonly GuardRow[]> = {
  redis: [
    { metric: 'get_ops_per_s', direction: 'max', margin_pct: 3 },
    { metric: 'set_ops_per_s', direction: 'max', margin_pct: 3 },
    { metric: 'p99_us', direction: 'min', margin_pct: 10 },
  ],
  harness: [
    { metric: 'ops_per_cpu_s', direction: 'max', margin_pct: 3 },
    { metric: 'malloc_p99_ns', direction: 'min', margin_pct: 10 },
  ],
  command: [{ metric: 'wall_ms', direction: 'min', margin_pct: 5 }],
  // A replay runs a fixed list of calls: throughput per CPU-second as the harness's.
  trace: [{ metric: 'ops_per_cpu_s', direction: 'max', margin_pct: 3 }],
};

/** A guard of one campaign with its summary key. */
export interface ResolvedGuard {
  /** The summary key (`<workload label>.<metric>`), also its name in the export. */
  key: string;
  direction: 'min' | 'max';
  /** Accepted relative loss (fraction). */
  margin: number;
  /** Set when the workload does not measure it (e.g. "redis does not report it: the throughput phase is off"). */
  not_measured_because?: string;
}

/** Why the workload will not report the guard's metric (the metric catalogue's condition), or undefined. */
function notMeasured(w: WorkloadSpec, metric: string): string | undefined {
  const missing = catalogueEntry(w.kind, metric)?.missingWith?.(w);
  return missing === undefined ? undefined : `${workloadLabel(w)} does not report it: ${missing.reason}`;
}

/**
 * The guards of a campaign: the spec's (`guards`, each metric resolved like the objective; `[]`
 * for none) or, absent, every workload's own from {@link WORKLOAD_GUARDS}. The objective itself is
 * never its own guard. Throws a 400 naming `guards.<i>.metric` for a metric no workload reports.
 */
export function campaignGuards(spec: Pick<CampaignSpec, 'guards' | 'workloads' | 'objective'>, objectiveKey: string): ResolvedGuard[] {
  const guards: ResolvedGuard[] = spec.guards
    ? spec.guards.map((g, i) => ({ key: resolveMetric(g.metric, spec.workloads, `guards.${i}.metric`), direction: g.direction, margin: g.margin_pct / 100 }))
    : spec.workloads.flatMap((w) =>
        WORKLOAD_GUARDS[w.kind].map((row): ResolvedGuard => {
          const guard: ResolvedGuard = { key: `${workloadLabel(w)}.${row.metric}`, direction: row.direction, margin: row.margin_pct / 100 };
          const off = notMeasured(w, row.metric);
          if (off !== undefined) guard.not_measured_because = off;
          return guard;
        }),
      );
  const seen = new Set<string>([objectiveKey]);
  return guards.filter((g) => !seen.has(g.key) && seen.add(g.key));
}

/**
 * jemalloc knobs known to cost throughput when they shrink or disable the thread cache (measured
 * here: tcache:false costs 18-29 % Redis SET/GET ops/s when CPU-bound, see issue #15). Used only
 * to order the distillation's reverts when a throughput guard regressed, after the campaign's own
 * importance estimate.
 */
export const THROUGHPUT_COST_KNOBS: readonly string[] = ['tcache', 'tcache_max', 'lg_tcache_max', 'lg_tcache_nslots_mul'];
