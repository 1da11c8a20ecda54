import type { FinalArm, FinalRound } from '../core/tournament-record.js';
import { logTInterval } from '../stats/log-t-interval.js';
import type { SequentialDesign } from '../optimizer/duel/sequential-confirmation.js';
import { BASELINE_ARM, decideRound, pairsOf, type ArmDecision } from './final-round.js';

/**
 * What one paired comparison showed. `better`: claimed under the family's Holm control; `worse`:
 * the 95 % interval of the change lies wholly on the bad side; `no_gain`: stopped for futility
 * (the improvement's upper bound is below the practical floor) without being shown worse;
 * `inconclusive`: the noise cannot tell with the pairs spent.
 */
export type PairedVerdict = 'better' | 'worse' | 'no_gain' | 'inconclusive';

/** A paired effect with its interval: relative improvement over the reference (positive = better, whatever the direction). */
export interface PairedEffect {
  pairs: number;
  /** Geometric-mean improvement, as a fraction (0.05: 5 % better). */
  improvement: number | null;
  /** Two-sided 95 % t interval on the log ratios, mapped back. */
  improvement_low: number | null;
  improvement_high: number | null;
  verdict: PairedVerdict;
  reason: string;
}

/** One arm of the final round, judged against the baseline. */
export interface ArmOutcome extends PairedEffect {
  arm: string;
  allocator: string;
  kind: FinalArm['kind'];
  campaign_id: string;
  p_value: number | null;
  p_adjusted: number | null;
}

/** Improvement fractions from candidate/reference ratios: lower is better under 'min'. */
function improvementOf(ratio: number, direction: 'min' | 'max'): number {
  return direction === 'min' ? 1 - ratio : ratio - 1;
}

/** The paired effect of `candidate` over `reference` from their paired values, with a descriptive verdict (no claim test). */
export function pairedEffect(candidate: readonly number[], reference: readonly number[], direction: 'min' | 'max'): PairedEffect {
  const n = Math.min(candidate.length, reference.length);
  const ratios = Array.from({ length: n }, (_, i) => (candidate[i] as number) / (reference[i] as number));
  const interval = logTInterval(ratios);
  if (!interval) return { pairs: n, improvement: null, improvement_low: null, improvement_high: null, verdict: 'inconclusive', reason: `${n} usable pairs: too few (or non-positive values) for an interval` };
  const a = improvementOf(interval.low, direction);
  const b = improvementOf(interval.high, direction);
  const low = Math.min(a, b);
  const high = Math.max(a, b);
  const verdict: PairedVerdict = low > 0 ? 'better' : high < 0 ? 'worse' : 'inconclusive';
  const text = `${pct(improvementOf(interval.center, direction))} (95% ${pct(low)}..${pct(high)}) over ${n} pairs`;
  return { pairs: n, improvement: improvementOf(interval.center, direction), improvement_low: low, improvement_high: high, verdict, reason: verdict === 'inconclusive' ? `${text}: the interval holds 0` : text };
}

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`;
}

/** The arm's verdict: the family's claim decides `better`; the interval decides `worse`; futility `no_gain`. */
function armVerdict(effect: PairedEffect, decision: ArmDecision | undefined): Pick<PairedEffect, 'verdict' | 'reason'> {
  if (decision?.action === 'claim') return { verdict: 'better', reason: `${effect.reason}; ${decision.reason}` };
  if (effect.verdict === 'worse') return { verdict: 'worse', reason: `${effect.reason}: worse than the baseline` };
  if (decision?.action === 'futile') return { verdict: 'no_gain', reason: `${effect.reason}; ${decision.reason}` };
  return { verdict: 'inconclusive', reason: `${effect.reason}; ${decision?.reason ?? 'not judged'}` };
}

/** Every arm of a round judged against the baseline, ranked: claimed arms first, then by estimated improvement. */
export function judgeRound(round: FinalRound, design: SequentialDesign): ArmOutcome[] {
  const decisions = decideRound(round, design);
  const outcomes = round.arms.map((a): ArmOutcome => {
    const p = pairsOf(round, a.arm);
    const upTo = round.decided[a.arm] ?? p.candidate.length;
    const effect = pairedEffect(p.candidate.slice(0, upTo), p.baseline.slice(0, upTo), design.direction);
    const decision = decisions.find((d) => d.id === a.arm);
    return {
      ...effect,
      ...armVerdict(effect, decision),
      arm: a.arm,
      allocator: a.allocator,
      kind: a.kind,
      campaign_id: a.campaign_id,
      p_value: decision ? decision.p_unadjusted : null,
      p_adjusted: decision ? decision.p : null,
    };
  });
  return rankOutcomes(outcomes);
}

/** Claimed arms first, then the rest; each group by estimated improvement (unknown last). */
export function rankOutcomes<T extends Pick<ArmOutcome, 'verdict' | 'improvement'>>(outcomes: readonly T[]): T[] {
  const est = (o: T): number => o.improvement ?? Number.NEGATIVE_INFINITY;
  return [...outcomes].sort((x, y) => Number(y.verdict === 'better') - Number(x.verdict === 'better') || est(y) - est(x));
}

/** One line of "what is it worth": a chosen arm against the baseline (or why there is none). */
export interface WorthLine {
  arm: string | null;
  allocator: string | null;
  effect: PairedEffect | null;
  note: string;
}

/**
 * What switching allocator is worth against tuning the current one, at one thread count, from the
 * final round's paired measurements (every arm ran in the same blocks as the baseline):
 * - `switch`: the best (by estimate) other allocator at its defaults, against the baseline;
 * - `tune`: the baseline allocator's confirmed tuned config, against the baseline;
 * - `best`: the best arm overall (claimed first), against the baseline;
 * - `switch_vs_tune`: the switch arm against the tune arm head on, in the blocks both ran in.
 * Picking the best arm by its estimate is covered by the family's Holm control for `better`; the
 * intervals are per comparison (95 %), not simultaneous.
 */
export interface SwitchingWorth {
  threads: number | null;
  baseline_allocator: string;
  switch: WorthLine;
  tune: WorthLine;
  best: WorthLine;
  switch_vs_tune: WorthLine;
  winner: { allocator: string; arm: string; kind: FinalArm['kind'] | 'baseline'; beats_baseline: boolean };
  headline: string;
}

/** A line of the worth table: the arm's effect against the baseline and what it is, or why there is none. */
function line(o: ArmOutcome | undefined, absent: string, present: (o: ArmOutcome) => string): WorthLine {
  if (!o) return { arm: null, allocator: null, effect: null, note: absent };
  const { arm, allocator, kind: _k, campaign_id: _c, p_value: _p, p_adjusted: _q, ...effect } = o;
  return { arm, allocator, effect, note: present(o) };
}

function verdictText(w: WorthLine): string {
  if (!w.effect) return w.note;
  return `${w.arm}: ${w.effect.verdict} (${w.effect.reason.split(';')[0]})`;
}

/** The switching-vs-tuning summary of one judged round (see {@link SwitchingWorth}). */
export function switchingWorth(round: FinalRound, ranked: readonly ArmOutcome[], baselineAllocator: string, direction: 'min' | 'max'): SwitchingWorth {
  const switchArm = ranked.find((o) => o.kind === 'defaults' && o.allocator !== baselineAllocator);
  const tuneArm = ranked.find((o) => o.kind === 'tuned' && o.allocator === baselineAllocator);
  const bestArm = ranked[0];
  const beats = bestArm?.verdict === 'better';
  let head: WorthLine = { arm: null, allocator: null, effect: null, note: 'no other allocator in the round' };
  if (switchArm) {
    // Without a confirmed tuned config, the best the current allocator showed is its defaults: the baseline.
    const tuned = tuneArm?.arm ?? BASELINE_ARM;
    const p = pairsOf(round, switchArm.arm, tuned);
    const against = tuneArm ? tuneArm.arm : `the baseline (${baselineAllocator}: its campaign confirmed no better config)`;
    head = { arm: switchArm.arm, allocator: switchArm.allocator, effect: pairedEffect(p.candidate, p.baseline, direction), note: `${switchArm.arm} against ${against} in the same blocks` };
  }
  const worth: SwitchingWorth = {
    threads: round.threads,
    baseline_allocator: baselineAllocator,
    switch: line(switchArm, 'no other allocator in the round', (o) => `${o.allocator} at its defaults, the best other allocator, against the baseline`),
    tune: line(tuneArm, `the ${baselineAllocator} campaign confirmed no config better than its defaults: tuning it is worth nothing shown`, (o) => `${baselineAllocator} tuned (${o.arm}) against the baseline`),
    best: line(bestArm, 'no arm measured', (o) => `${o.arm}, the best arm of the round, against the baseline`),
    switch_vs_tune: head,
    winner: beats && bestArm ? { allocator: bestArm.allocator, arm: bestArm.arm, kind: bestArm.kind, beats_baseline: true } : { allocator: baselineAllocator, arm: BASELINE_ARM, kind: 'baseline', beats_baseline: false },
    headline: '',
  };
  const where = round.threads === null ? '' : ` at ${round.threads} thread${round.threads === 1 ? '' : 's'}`;
  const today = Object.keys(round.baseline?.env ?? {}).length === 0 ? `${baselineAllocator} defaults` : `${baselineAllocator} as configured today`;
  const win = beats && bestArm ? `${bestArm.arm} wins${where}` : `nothing beat ${today}${where}`;
  worth.headline = `${win}; switching: ${verdictText(worth.switch)}; tuning ${baselineAllocator}: ${verdictText(worth.tune)}; switching vs tuning: ${verdictText(head)}`;
  return worth;
}
