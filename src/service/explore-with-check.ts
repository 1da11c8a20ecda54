import type { CampaignSpec } from '../core/campaign-spec.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { workloadLabel } from '../core/trial-job.js';

/**
 * The problems of a spec's cheaper-exploration settings, each under its request path: `explore_with`
 * must name one workload per entry of `workloads`, of the same kind and label (only its size may
 * differ, so the metric keys mean the same at both fidelities), and cannot be combined with a
 * constraint relative to the baseline (its limit would be measured at the low fidelity); a
 * `cut_short` rule that is on needs a repeat left to save.
 */
export function exploreWithProblems(spec: Pick<CampaignSpec, 'workloads' | 'explore_with' | 'constraints' | 'cut_short' | 'repeats'>): InputProblem[] {
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
    if (full && (w.kind !== full.kind || workloadLabel(w) !== workloadLabel(full))) {
      problems.push({ path: `explore_with.workloads.${i}`, message: `must be the same kind and label as workloads.${i} (${full.kind} ${workloadLabel(full)})` });
    }
  });
  return problems;
}
