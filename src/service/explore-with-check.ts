import type { CampaignSpec } from '../core/campaign-spec.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import { workloadReports } from './metric-catalogue.js';

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
  return problems;
}

/**
 * A recorded trace may stand in for a real workload during exploration (explore on the replay,
 * confirm on the program): it must report, under the real workload's label, every metric the
 * campaign ranks and limits exploration by, at the snapshot offsets those metrics name.
 */
function standInProblems(w: Extract<WorkloadSpec, { kind: 'trace' }>, i: number, full: WorkloadSpec, spec: Pick<CampaignSpec, 'workloads' | 'objective' | 'constraints'>): InputProblem[] {
  const label = workloadLabel(full);
  const judged = [{ what: 'the objective', metric: spec.objective.metric }, ...spec.constraints.map((c, k) => ({ what: `constraints.${k}`, metric: c.metric }))];
  return judged.flatMap(({ what, metric }): InputProblem[] => {
    const dot = metric.lastIndexOf('.');
    const name = dot > 0 ? metric.slice(dot + 1) : metric;
    const refersHere = dot > 0 ? metric.slice(0, dot) === label : workloadReports(full.kind, name) && spec.workloads.filter((x) => workloadReports(x.kind, name)).length === 1;
    if (!refersHere) return [];
    if (!workloadReports('trace', name)) {
      return [{ path: `explore_with.workloads.${i}`, message: `the trace stand-in for ${label} does not report '${name}' (${what}), so exploration could not rank or limit by it; trace workloads report e.g. peak_rss_bytes, rss_bytes_at_<N>ms, ops_per_cpu_s` }];
    }
    const offset = /_at_(\d+)ms$/.exec(name)?.[1];
    if (offset !== undefined && !w.snapshot_offsets_ms.includes(Number(offset))) {
      return [{ path: `explore_with.workloads.${i}.snapshot_offsets_ms`, message: `must include ${offset} for '${name}' (${what}); it has ${w.snapshot_offsets_ms.join(', ') || 'none'}` }];
    }
    return [];
  });
}
