import type { TrialRecord } from '../core/campaign-record.js';
import type { GuardDriver } from '../optimizer/recommend/distillation.js';
import type { Embedding } from '../spaces/index.js';
import { metricImportance } from './campaign-importance.js';
import { campaignGuards, THROUGHPUT_COST_KNOBS } from './guard-catalogue.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { guardVerdicts } from './recommendation-evidence.js';

/** Least total-effect share on a guard metric for a knob to count as driving it. */
export const GUARD_DRIVER_MIN_SHARE = 0.1;

/**
 * The changed knobs of `arm` that may drive a guard it regresses on the confirmation pairs (verdict
 * regressed or inconclusive, or a point loss beyond the margin): first those whose importance on
 * that guard, estimated from the campaign's own observations, is at least
 * {@link GUARD_DRIVER_MIN_SHARE} (largest first; known thread-cache knobs first among equals for a
 * throughput guard), then, for a throughput guard, the known thread-cache knobs the estimate missed.
 */
export function guardDrivers(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], embedding: Embedding, arm: string, changed: readonly string[]): GuardDriver[] {
  const directions = new Map(campaignGuards(record.spec, record.metrics.objective).map((g) => [g.key, g.direction]));
  const regressed = guardVerdicts(record, trials, arm, 'duel').verdicts.filter(
    (v) => v.status === 'regressed' || v.status === 'inconclusive' || (v.evidence !== undefined && v.evidence.loss > v.margin),
  );
  const drivers: GuardDriver[] = [];
  for (const v of regressed) {
    const throughput = directions.get(v.metric) === 'max';
    const known = (k: string): boolean => throughput && THROUGHPUT_COST_KNOBS.includes(k);
    const shares = new Map(metricImportance(trials, embedding, v.metric, record.spec.seed).knobs.map((k) => [k.name, k.total]));
    const share = (k: string): number => shares.get(k) ?? 0;
    const estimated = changed
      .filter((k) => share(k) >= GUARD_DRIVER_MIN_SHARE)
      .sort((a, b) => share(b) - share(a) || Number(known(b)) - Number(known(a)) || a.localeCompare(b));
    for (const k of estimated) drivers.push({ knob: k, guard: v.metric, why: `importance ${share(k).toFixed(2)} on ${v.metric}${known(k) ? ', a thread-cache knob known to cost throughput' : ''}` });
    for (const k of changed.filter((c) => known(c) && !estimated.includes(c)).sort()) {
      drivers.push({ knob: k, guard: v.metric, why: `a thread-cache knob known to cost throughput (importance ${share(k).toFixed(2)} on ${v.metric})` });
    }
  }
  return drivers;
}
