import type { TrialRecord } from '../core/campaign-record.js';
import type { GuardVerdict } from '../optimizer/recommend/guard-verdicts.js';
import { pairedNonInferiority } from '../stats/paired-non-inferiority.js';
import { collectDuels } from './duel-plan.js';
import type { Leaderboard, LeaderboardRow } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { minRelativeEffect } from './min-relative-effect.js';
import { guardVerdicts } from './recommendation-evidence.js';

/** One confirmed config's paired gain over the baseline (positive = better) and its guard costs. */
export interface ConfirmedOption {
  arm: string;
  gain: number;
  /** 90% interval of the gain from the confirmation pairs (NaN below 2 pairs). */
  gain_low: number;
  gain_high: number;
  pairs: number;
  /** Summaries of the guards it regresses beyond their margin. */
  regressions: string[];
  /** Summaries of the guards not shown within their margin (inconclusive, or too few pairs). */
  doubts: string[];
}

/** 2: a guard regressed; 1: a guard not shown to hold; 0: every measured guard holds. */
function costLevel(o: ConfirmedOption): number {
  return o.regressions.length > 0 ? 2 : o.doubts.length > 0 ? 1 : 0;
}

/** Which confirmed config the campaign hands over (distils and exports), and why. */
export interface WinnerChoice {
  row: LeaderboardRow;
  /** Set when the choice needs saying: the top-ranked config was passed over, or won despite a cost. */
  reason?: string;
}

function pct(v: number): string {
  return `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
}

/** The paired objective gain of `arm` over the baseline in the confirmation duels, with its guards. */
export function confirmedOption(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], arm: string, verdicts: readonly GuardVerdict[]): ConfirmedOption {
  const duels = collectDuels(record, trials).filter((d) => d.a === arm && d.b === 'baseline');
  const candidate = duels.flatMap((d) => d.a_values);
  const baseline = duels.flatMap((d) => d.b_values);
  // Margin 0: only the change and its interval are used, not the verdict.
  const e = pairedNonInferiority(candidate, baseline, { direction: record.spec.objective.direction, margin: 0 });
  // The change is in the metric's units (changed / reference - 1); a gain is its good side.
  const better = record.spec.objective.direction === 'min' ? -1 : 1;
  const [low, high] = better === 1 ? [e.change_low, e.change_high] : [-e.change_high, -e.change_low];
  return {
    arm,
    gain: better * e.relative_change,
    gain_low: low,
    gain_high: high,
    pairs: e.pairs,
    regressions: verdicts.filter((v) => v.status === 'regressed').map((v) => v.summary),
    doubts: verdicts.filter((v) => v.status === 'inconclusive' || v.status === 'too_few_pairs').map((v) => v.summary),
  };
}

/**
 * Whether `top`'s gain is clearly larger than `other`'s: their 90% intervals do not overlap and the
 * gains differ by at least the practical threshold. Gains that are not clearly apart count as equal.
 */
export function clearlyLarger(top: ConfirmedOption, other: ConfirmedOption, threshold: number): boolean {
  return top.gain_low > other.gain_high && top.gain - other.gain >= threshold;
}

/**
 * The confirmed config to hand over: the top-ranked one, unless it regresses a guard (or cannot show
 * one holds) and another confirmed config with a lower guard cost (see costLevel) has a gain not
 * clearly smaller (see clearlyLarger); then the one with the lowest cost, the larger gain first
 * among equals. The reason says what the passed-over config costs, or, when the top one keeps its
 * place by a clearly larger gain, what the cleaner alternative would have given. Undefined when
 * nothing is confirmed.
 */
export function chooseWinner(record: ResolvedCampaignRecord, board: Leaderboard, trials: readonly TrialRecord[]): WinnerChoice | undefined {
  const confirmed = board.rows.filter((r) => r.beats_baseline);
  const top = confirmed[0];
  if (top === undefined) return undefined;
  const option = (r: LeaderboardRow): ConfirmedOption => confirmedOption(record, trials, r.arm, guardVerdicts(record, trials, r.arm, 'duel').verdicts);
  const topOption = option(top);
  const topCost = costLevel(topOption);
  if (topCost === 0 || confirmed.length === 1) return { row: top };
  const threshold = minRelativeEffect(record);
  const cleaner = confirmed
    .slice(1)
    .map((r) => ({ r, o: option(r) }))
    .filter(({ o }) => costLevel(o) < topCost)
    .sort((a, b) => costLevel(a.o) - costLevel(b.o) || b.o.gain - a.o.gain);
  const costs = (o: ConfirmedOption): string => (o.regressions.length > 0 ? o.regressions : o.doubts).join('; ');
  const alt = cleaner.find(({ o }) => !clearlyLarger(topOption, o, threshold));
  if (alt !== undefined) {
    const clean = costLevel(alt.o) === 0 ? 'every guard it was measured on holds' : `it regresses no guard (${costs(alt.o)})`;
    return {
      row: alt.r,
      reason:
        `${alt.r.arm} chosen over the top-ranked ${top.arm}: their gains are not clearly apart (${pct(alt.o.gain)} vs ${pct(topOption.gain)}, ` +
        `within the ${(100 * threshold).toFixed(1)}% practical threshold or overlapping intervals) and ${clean}, while ${top.arm} ${topCost === 2 ? 'regresses' : 'is not shown to hold'}: ${costs(topOption)}`,
    };
  }
  const best = cleaner[0];
  if (best === undefined) return { row: top };
  return {
    row: top,
    reason:
      `${top.arm} chosen despite its guard cost (${costs(topOption)}): its gain ${pct(topOption.gain)} (${pct(topOption.gain_low)}..${pct(topOption.gain_high)}) is clearly larger ` +
      `than that of ${best.r.arm}, the best confirmed config with a lower guard cost (${pct(best.o.gain)}, ${pct(best.o.gain_low)}..${pct(best.o.gain_high)})`,
  };
}
