import type { ResolvedMetrics, TrialRecord } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { MetricSummary } from '../core/trial-result.js';

/** A constraint of the campaign as met (or not) by one measurement. */
export interface ConstraintCheck {
  /** The metric as the spec names it. */
  metric: string;
  /** Its summary key. */
  key: string;
  bound: 'max' | 'min';
  limit: number;
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

/**
 * The one judgement of a measurement against the campaign's goal, used by the sampler feed
 * (toObservation), the leaderboard, the duel record and the export: looks the resolved keys up in
 * `summary` (missing or non-finite values count as not measured; a constraint not measured is not met).
 */
export function evaluateSummary(
  spec: Pick<CampaignSpec, 'constraints'>,
  metrics: ResolvedMetrics,
  summary: Readonly<Record<string, MetricSummary>> | undefined,
): Evaluation {
  const objective = usable(summary?.[metrics.objective]);
  const constraints = spec.constraints.map((c, i): ConstraintCheck => {
    const key = metrics.constraints[i] ?? c.metric;
    const value = usable(summary?.[key]);
    const bound = 'max' in c ? 'max' : 'min';
    const limit = 'max' in c ? c.max : c.min;
    const met = value !== undefined && (bound === 'max' ? value.mean <= limit : value.mean >= limit);
    return value ? { metric: c.metric, key, bound, limit, value, met } : { metric: c.metric, key, bound, limit, met };
  });
  const evaluation: Evaluation = { constraints, feasible: objective !== undefined && constraints.every((c) => c.met) };
  if (objective) evaluation.objective = objective;
  return evaluation;
}

/** A trial's own objective mean and feasibility, as served with its record (plots, trial table). */
export interface TrialScore {
  objective?: number;
  feasible: boolean;
}

/** {@link evaluateSummary} of one trial; failed and unfinished trials have no objective (as for the sampler). */
export function scoreTrial(spec: Pick<CampaignSpec, 'constraints'>, metrics: ResolvedMetrics, trial: TrialRecord): TrialScore {
  if (trial.state !== 'completed') return { feasible: false };
  const evaluation = evaluateSummary(spec, metrics, trial.summary);
  return evaluation.objective ? { objective: evaluation.objective.mean, feasible: evaluation.feasible } : { feasible: false };
}
