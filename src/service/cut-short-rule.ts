import type { TrialRecord } from '../core/campaign-record.js';
import type { CutLimit, CutShortJob } from '../core/cut-short.js';
import { constraintBound } from '../core/optimizer-observation.js';
import { constraintCutLimit, objectiveCutLimit, pooledLogNoise, type LogNoise } from '../optimizer/cut-short-limits.js';
import { isTailLatencyKey } from '../stats/robust-center.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { constraintLimit } from './trial-evaluation.js';

/** Trials measured with every repeat at the exploration fidelity: what the noise and the baseline's worst repeat come from. */
function fullRepeatTrials(trials: Iterable<TrialRecord>): TrialRecord[] {
  return [...trials].filter((t) => t.state === 'completed' && !t.cut_short && t.role !== 'duel' && t.role !== 'distill');
}

function valuesOf(t: TrialRecord, key: string): number[] {
  return t.summary?.[key]?.values ?? [];
}

/** The pooled per-repeat log noise of `key` over the campaign's fully measured trials, if it has `minDf` degrees of freedom. */
export function campaignLogNoise(trials: Iterable<TrialRecord>, key: string, minDf: number): LogNoise | undefined {
  const noise = pooledLogNoise(fullRepeatTrials(trials).map((t) => valuesOf(t, key)));
  return noise && noise.df >= minDf ? noise : undefined;
}

/**
 * The cut rule for the next exploration trial of a campaign, or undefined when cutting is off, the
 * trial is not an exploration trial, there is no repeat to save, the baseline is not measured yet or
 * the noise is not yet known well enough (spec `cut_short`; the error rate is stated there).
 * Tail-latency metrics never get a limit.
 */
export function cutShortFor(record: Pick<ResolvedCampaignRecord, 'spec' | 'metrics'>, trials: Iterable<TrialRecord>, trial: Pick<TrialRecord, 'role'>): CutShortJob | undefined {
  const { spec, metrics } = record;
  const settings = spec.cut_short;
  if (!settings.enabled || trial.role !== 'explore' || spec.repeats <= settings.after_repeats) return undefined;
  const all = [...trials];
  const rate = settings.false_cut_rate;
  const r = settings.after_repeats;
  const limits: CutLimit[] = [];
  const objectiveKey = metrics.objective;
  if (!isTailLatencyKey(objectiveKey)) {
    const reference = fullRepeatTrials(all)
      .filter((t) => t.role === 'baseline' || t.role === 'placebo')
      .flatMap((t) => valuesOf(t, objectiveKey));
    const noise = campaignLogNoise(all, objectiveKey, settings.min_noise_df);
    const limit = noise && objectiveCutLimit(objectiveKey, spec.objective.direction, reference, noise, rate, r);
    if (limit) limits.push(limit);
  }
  spec.constraints.forEach((c, i) => {
    const key = metrics.constraints[i] ?? c.metric;
    const bound = constraintLimit(c, i, metrics);
    if (bound === undefined || isTailLatencyKey(key)) return;
    const noise = campaignLogNoise(all, key, settings.min_noise_df);
    const limit = noise && constraintCutLimit(key, constraintBound(c), bound, noise, rate, r);
    if (limit) limits.push(limit);
  });
  return limits.length > 0 ? { after_repeats: r, limits } : undefined;
}
