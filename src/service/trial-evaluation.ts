import { z } from 'zod';
import type { ResolvedMetrics, TrialRecord } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { baselineRatio, constraintBound, type AbsoluteConstraintSpec, type ConstraintSpec } from '../core/optimizer-observation.js';
import type { MetricSummary } from '../core/trial-result.js';
import { judgedSummary } from '../stats/robust-center.js';

/** A constraint of the campaign as met (or not) by one measurement. */
export interface ConstraintCheck {
  /** The metric as the spec names it. */
  metric: string;
  /** Its summary key. */
  key: string;
  bound: 'max' | 'min';
  /** The absolute limit; NaN (null in JSON) for a relative constraint whose baseline is not measured yet. */
  limit: number;
  /** Set for a constraint relative to the baseline: the ratio the user asked for. */
  ratio_to_baseline?: number;
  value?: MetricSummary;
  met: boolean;
}

/** Objective, constraint values and feasibility of one measurement (a trial, or an arm's pooled trials). */
export interface Evaluation {
  objective?: MetricSummary;
  constraints: ConstraintCheck[];
  /** The objective was measured and every constraint is met. */
  feasible: boolean;
}

function usable(s: MetricSummary | undefined): MetricSummary | undefined {
  return s && s.n >= 1 && Number.isFinite(s.mean) ? s : undefined;
}

/** The summary of `key` as judged (tail latency on the median of repeats), if usable. */
function judged(summary: Readonly<Record<string, MetricSummary>> | undefined, key: string): MetricSummary | undefined {
  const s = usable(summary?.[key]);
  return s && judgedSummary(key, s);
}

/**
 * The absolute limit of constraint `i`: the spec's for an absolute constraint, the resolved one
 * (see {@link resolveBaselineLimits}) for a relative one, undefined while that is still unknown.
 */
export function constraintLimit(c: ConstraintSpec, i: number, metrics: ResolvedMetrics): number | undefined {
  if ('max' in c) return c.max;
  if ('min' in c) return c.min;
  return metrics.limits?.[i] ?? undefined;
}

/**
 * Every constraint as an absolute one (key = the resolved summary key), for the sampler's
 * constraint models and reachability; relative constraints whose baseline is not measured yet are left out.
 */
export function absoluteConstraints(spec: Pick<CampaignSpec, 'constraints'>, metrics: ResolvedMetrics, keyed = false): AbsoluteConstraintSpec[] {
  return spec.constraints.flatMap((c, i): AbsoluteConstraintSpec[] => {
    const limit = constraintLimit(c, i, metrics);
    const metric = keyed ? (metrics.constraints[i] ?? c.metric) : c.metric;
    if (limit === undefined) return [];
    return [constraintBound(c) === 'max' ? { metric, max: limit } : { metric, min: limit }];
  });
}

/**
 * The limits of the relative constraints from the baseline's measured summary (`ratio x mean`), in
 * spec order; null where the baseline did not measure the metric. Undefined when the spec has no
 * relative constraint (nothing to store).
 */
export function resolveBaselineLimits(
  spec: Pick<CampaignSpec, 'constraints'>,
  metrics: ResolvedMetrics,
  baseline: Readonly<Record<string, MetricSummary>> | undefined,
): (number | null)[] | undefined {
  if (!spec.constraints.some((c) => baselineRatio(c) !== undefined)) return undefined;
  return spec.constraints.map((c, i) => {
    const ratio = baselineRatio(c);
    if (ratio === undefined) return null;
    const mean = judged(baseline, metrics.constraints[i] ?? c.metric)?.mean;
    return mean === undefined ? null : ratio * mean;
  });
}

/**
 * The metrics that judge a trial measured at `fidelity` (a trial record's `fidelity`): the campaign's,
 * with the objective replaced by `explore_objective` for low-fidelity trials when the spec names one.
 * The one owner of that choice: the sampler feed, the trial scores and the leaderboard ask it.
 */
export function metricsAtFidelity(metrics: ResolvedMetrics, fidelity: 'low' | undefined): ResolvedMetrics {
  return fidelity === 'low' && metrics.explore_objective !== undefined ? { ...metrics, objective: metrics.explore_objective } : metrics;
}

/**
 * The one judgement of a measurement against the campaign's goal, used by the sampler feed
 * (toObservation), the leaderboard, the duel record, distillation and the export: looks the resolved
 * keys up in `summary` (missing or non-finite values count as not measured; a constraint not
 * measured is not met, nor is a relative one before the baseline has been measured). Tail-latency
 * metrics are judged on the median of their repeats (the returned summary's `mean`; see
 * src/stats/robust-center.ts), everything else on the mean.
 */
export function evaluateSummary(
  spec: Pick<CampaignSpec, 'constraints'>,
  metrics: ResolvedMetrics,
  summary: Readonly<Record<string, MetricSummary>> | undefined,
): Evaluation {
  const objective = judged(summary, metrics.objective);
  const constraints = spec.constraints.map((c, i): ConstraintCheck => {
    const key = metrics.constraints[i] ?? c.metric;
    const value = judged(summary, key);
    const bound = constraintBound(c);
    const limit = constraintLimit(c, i, metrics);
    const met = value !== undefined && limit !== undefined && (bound === 'max' ? value.mean <= limit : value.mean >= limit);
    const check: ConstraintCheck = { metric: c.metric, key, bound, limit: limit ?? Number.NaN, met };
    const ratio = baselineRatio(c);
    if (ratio !== undefined) check.ratio_to_baseline = ratio;
    if (value) check.value = value;
    return check;
  });
  const evaluation: Evaluation = { constraints, feasible: objective !== undefined && constraints.every((c) => c.met) };
  if (objective) evaluation.objective = objective;
  return evaluation;
}

/** A trial's own objective mean and feasibility, as served with its record (plots, trial table). */
export const TrialScoreSchema = z.object({
  objective: z.number().optional(),
  feasible: z.boolean(),
});
export type TrialScore = z.infer<typeof TrialScoreSchema>;

/** {@link evaluateSummary} of one trial; failed and unfinished trials have no objective (as for the sampler). */
export function scoreTrial(spec: Pick<CampaignSpec, 'constraints'>, metrics: ResolvedMetrics, trial: TrialRecord): TrialScore {
  if (trial.state !== 'completed') return { feasible: false };
  const evaluation = evaluateSummary(spec, metricsAtFidelity(metrics, trial.fidelity), trial.summary);
  return evaluation.objective ? { objective: evaluation.objective.mean, feasible: evaluation.feasible } : { feasible: false };
}
