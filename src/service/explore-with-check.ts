import type { CampaignSpec } from '../core/campaign-spec.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import { catalogueEntry, isConfiguredMetric, metricProblem, workloadReports } from './metric-catalogue.js';

/**
 * The trace metrics a refusal suggests, the one to rank memory by first: RSS net of exactly the
 * replayer's own tables. rss_above_baseline_bytes_at_<N>ms also takes out what the allocator made
 * resident before the first call (jemalloc thp:always's huge pages), and so hides that config's cost.
 */
const TRACE_METRICS_HINT = "trace workloads report e.g. rss_minus_replayer_bytes_at_<N>ms (RSS net of exactly the replayer's own tables, the allocator's start-up kept: rank memory by it), peak_rss_bytes, ops_per_cpu_s";

/**
 * The problems of a spec's cheaper-exploration settings, each under its request path: `explore_with`
 * must name one workload per entry of `workloads`, of the same kind and label (only its size may
 * differ, so the metric keys mean the same at both fidelities) or a recorded trace of the program
 * under the same label (see standInProblems), and cannot be combined with a
 * constraint relative to the baseline (its limit would be measured at the low fidelity); a
 * `cut_short` rule that is on needs a repeat left to save.
 */
export function exploreWithProblems(spec: Pick<CampaignSpec, 'workloads' | 'explore_with' | 'constraints' | 'cut_short' | 'repeats' | 'objective'>): InputProblem[] {
  const problems: InputProblem[] = [];
  if (spec.cut_short.enabled && spec.cut_short.after_repeats >= spec.repeats) {
    problems.push({ path: 'cut_short.after_repeats', message: `must be below repeats (${spec.repeats}): a trial cut after all its repeats saves nothing` });
  }
  const low = spec.explore_with?.workloads;
  if (!low) return problems;
  spec.constraints.forEach((c, i) => {
    if ('max_ratio_to_baseline' in c || 'min_ratio_to_baseline' in c) {
      problems.push({ path: `constraints.${i}`, message: 'a constraint relative to the baseline cannot be combined with explore_with (its limit would be measured at the low fidelity); give an absolute max or min' });
    }
  });
  if (low.length !== spec.workloads.length) {
    problems.push({ path: 'explore_with.workloads', message: `must list one workload per entry of workloads (${spec.workloads.length})` });
    return problems;
  }
  low.forEach((w, i) => {
    const full = spec.workloads[i];
    if (!full) return;
    const standIn = w.kind === 'trace' && full.kind !== 'trace';
    if (workloadLabel(w) !== workloadLabel(full) || (w.kind !== full.kind && !standIn)) {
      problems.push({
        path: `explore_with.workloads.${i}`,
        message: `must be the same kind and label as workloads.${i} (${full.kind} ${workloadLabel(full)}), or a trace workload with "label": "${workloadLabel(full)}" standing in for it`,
      });
      return;
    }
    if (standIn) problems.push(...standInProblems(w, i, full, spec));
  });
  problems.push(...exploreObjectiveProblems(spec));
  return problems;
}

/**
 * `explore_with.objective` must be reported by the low-fidelity workloads and mean what the
 * campaign's objective means in direction (both better lower, or both higher, as the catalogue
 * says), so that ranking exploration on it leads toward what the duels confirm.
 */
function exploreObjectiveProblems(spec: Pick<CampaignSpec, 'workloads' | 'explore_with' | 'objective'>): InputProblem[] {
  const metric = spec.explore_with?.objective;
  if (metric === undefined || !spec.explore_with) return [];
  const low = spec.explore_with.workloads;
  const problem = metricProblem(metric, low);
  if (problem !== undefined) {
    const hint = low.some((w) => w.kind === 'trace') ? `; ${TRACE_METRICS_HINT}` : '';
    return [{ path: 'explore_with.objective', message: `${problem} (explore_with.workloads)${hint}` }];
  }
  const better = metricBetter(metric, low);
  const wanted = spec.objective.direction === 'min' ? 'lower' : 'higher';
  if (better !== undefined && better !== wanted) {
    return [{ path: 'explore_with.objective', message: `'${metric}' is better ${better}, but the objective is to ${spec.objective.direction}imize '${spec.objective.metric}': exploration would lead away from what the duels confirm` }];
  }
  const fullBetter = metricBetter(spec.objective.metric, spec.workloads);
  if (better === undefined || (fullBetter !== undefined && fullBetter !== better)) {
    return [{ path: 'explore_with.objective', message: `'${metric}' has no known direction that agrees with '${spec.objective.metric}' (${fullBetter ?? 'none'}); name a metric that is better ${wanted}, as the objective is` }];
  }
  return [];
}

/** Which way a metric of these workloads is better, from the catalogue (undefined when it does not say). */
function metricBetter(metric: string, workloads: readonly WorkloadSpec[]): 'lower' | 'higher' | undefined {
  const dot = metric.lastIndexOf('.');
  const name = dot > 0 ? metric.slice(dot + 1) : metric;
  const reporter = dot > 0 ? workloads.find((w) => workloadLabel(w) === metric.slice(0, dot)) : workloads.find((w) => workloadReports(w.kind, name));
  return reporter === undefined ? undefined : catalogueEntry(reporter.kind, name)?.better;
}

/**
 * A recorded trace may stand in for a real workload during exploration (explore on the replay,
 * confirm on the program): it must report, under the real workload's label, every metric the
 * campaign ranks and limits exploration by, at the snapshot offsets those metrics name. A number
 * the program prints itself (a command's metric from the worker config) is never one: the replay
 * runs the program's allocations, not the program, so a trace metric of the same name would mean
 * something else.
 */
function standInProblems(w: Extract<WorkloadSpec, { kind: 'trace' }>, i: number, full: WorkloadSpec, spec: Pick<CampaignSpec, 'workloads' | 'objective' | 'constraints' | 'explore_with'>): InputProblem[] {
  const label = workloadLabel(full);
  // With its own objective, exploration is ranked on that (checked by exploreObjectiveProblems), not on the campaign's.
  const explore = spec.explore_with?.objective;
  const ranked = explore === undefined ? [{ what: 'the objective', metric: spec.objective.metric }] : [{ what: 'explore_with.objective', metric: explore }];
  const judged = [...ranked, ...spec.constraints.map((c, k) => ({ what: `constraints.${k}`, metric: c.metric }))];
  return judged.flatMap(({ what, metric }): InputProblem[] => {
    const dot = metric.lastIndexOf('.');
    const name = dot > 0 ? metric.slice(dot + 1) : metric;
    // A bare name refers to the one workload reporting it: a full one, or (explore_with.objective) a low one.
    const among = what === 'explore_with.objective' ? (spec.explore_with?.workloads ?? []) : spec.workloads;
    const here = what === 'explore_with.objective' ? w : full;
    const refersHere = dot > 0 ? metric.slice(0, dot) === label : workloadReports(here.kind, name) && among.filter((x) => workloadReports(x.kind, name)).length === 1;
    if (!refersHere) return [];
    const rank = what === 'the objective' ? `; rank exploration by a replay metric instead with explore_with.objective (${TRACE_METRICS_HINT})` : '';
    if (here === full && isConfiguredMetric(full.kind, name)) {
      return [{ path: `explore_with.workloads.${i}`, message: `'${name}' (${what}) is a number ${label} prints itself (the worker config's metric): a replay of its recorded allocations does not run the program and cannot report it${rank}` }];
    }
    if (!workloadReports('trace', name)) {
      const counterpart = here === full ? catalogueEntry(full.kind, name)?.replayed_as : undefined;
      const hint = counterpart !== undefined && what === 'the objective' ? `; the replay measures it as '${counterpart}': set explore_with.objective to '${label}.${counterpart}'` : `; ${TRACE_METRICS_HINT}`;
      return [{ path: `explore_with.workloads.${i}`, message: `the trace stand-in for ${label} does not report '${name}' (${what}), so exploration could not rank or limit by it${hint}` }];
    }
    const offset = /_at_(\d+)ms$/.exec(name)?.[1];
    if (offset !== undefined && !w.snapshot_offsets_ms.includes(Number(offset))) {
      return [{ path: `explore_with.workloads.${i}.snapshot_offsets_ms`, message: `must include ${offset} for '${name}' (${what}); it has ${w.snapshot_offsets_ms.join(', ') || 'none'}` }];
    }
    return [];
  });
}
