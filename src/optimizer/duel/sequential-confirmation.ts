import { studentTCdf, studentTQuantile } from '../../stats/student-t.js';
import { lookWeights, type SpendingShape } from './alpha-spending.js';
import { holmAdjust } from './holm.js';
import { wilcoxonSignedRank } from './wilcoxon-signed-rank.js';

/** The design of a sequential duel: when it may look, how it spends its error rate, what it calls a win. */
export interface SequentialDesign {
  /** 'min': lower is better (RSS, latency); 'max': higher is better (ops/s). */
  direction: 'min' | 'max';
  /** Family-wise error rate over the claims judged together (Holm over their repeated p-values). */
  alpha: number;
  /** Practical-significance floor: the median paired relative improvement must reach it. */
  min_relative_effect: number;
  /** First look after this many pairs (at least 3: a t test needs 2 degrees of freedom to mean anything). */
  min_pairs: number;
  /** Last look; a duel still undecided here stops without a claim. */
  max_pairs: number;
  spending: SpendingShape;
  /**
   * 'auto': paired t test on log ratios when every value is positive and no pair is an outlier
   * (see {@link isOutlierFree}), the exact Wilcoxon signed-rank test otherwise; 'wilcoxon' or 't'
   * to force one.
   */
  test: 'auto' | 'wilcoxon' | 't';
  /**
   * Futility: stop once the one-sided (1 - futility_beta) upper confidence bound of the mean log
   * improvement is below the practical floor. Non-binding (it only ever ends a duel without a
   * claim), so it costs power, never error rate.
   */
  futility_beta: number;
}

/** The defaults of a sequential duel (the campaign spec's `duel.confirm`). */
export const DEFAULT_SEQUENTIAL_DESIGN: Omit<SequentialDesign, 'direction' | 'alpha' | 'min_relative_effect'> = {
  min_pairs: 3,
  max_pairs: 12,
  spending: 'obrien-fleming',
  test: 'auto',
  futility_beta: 0.05,
};

/** What the rule says after the pairs so far. */
export type DuelAction = 'claim' | 'futile' | 'continue';

/** One duel's state under the sequential rule. */
export interface SequentialDecision {
  action: DuelAction;
  /**
   * Repeated p-value: the smallest error rate at which some look so far would have rejected
   * "no improvement" (min over looks of p / share of that look); Holm-adjusted in a family.
   */
  p: number;
  /** The repeated p-value of this duel alone. */
  p_unadjusted: number;
  /** Pairs the decision rests on (the look: 1 = after `min_pairs` pairs). */
  pairs: number;
  look: number;
  /** The test used at the last look. */
  test: 't' | 'wilcoxon';
  /** Median over pairs of the relative improvement over the baseline (positive = better). */
  relative_effect: number;
  /** One-sided (1 - futility_beta) upper bound of the relative improvement (t on log ratios); NaN when not computable. */
  effect_upper: number;
  reason: string;
}

/** Paired values of one duel: `candidate[i]` and `baseline[i]` ran back to back. */
export interface SequentialPairs {
  candidate: readonly number[];
  baseline: readonly number[];
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1));
  return { mean, sd };
}

/** Dixon's Q critical values at 99 % for 3..10 values (Rorabacher 1991, table 1). */
const DIXON_Q_99 = [0.994, 0.926, 0.821, 0.74, 0.68, 0.634, 0.598, 0.568];
/** Beyond 10 values: a value this many robust standard deviations (1.4826 MAD) from the median is an outlier. */
const OUTLIER_ROBUST_Z = 5;

/**
 * True when the values are not all tied and none is an outlier: Dixon's Q test at 99 % for up to
 * 10 values (the gap of the lowest or highest value over the range; a MAD rule is useless there,
 * with 3 values the MAD is the smaller of two gaps), 5 robust standard deviations beyond. Memory
 * read at fixed times gives log ratios within 0.1-0.3 % of each other, close to normal; one
 * co-tenant burst in latency gives a pair 5-10x off, which the t test would take as an effect or
 * drown the real one in, and the rank test is immune to both.
 */
export function isOutlierFree(values: readonly number[]): boolean {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const range = (s[n - 1] as number) - (s[0] as number);
  if (n < 3 || !(range > 0)) return false;
  const critical = DIXON_Q_99[n - 3];
  if (critical !== undefined) {
    const gap = Math.max((s[1] as number) - (s[0] as number), (s[n - 1] as number) - (s[n - 2] as number));
    return gap / range <= critical;
  }
  const m = median(s);
  const mad = 1.4826 * median(s.map((v) => Math.abs(v - m)));
  return mad > 0 && s.every((v) => Math.abs(v - m) <= OUTLIER_ROBUST_Z * mad);
}

interface Evidence {
  p_unadjusted: number;
  pairs: number;
  test: 't' | 'wilcoxon';
  relative_effect: number;
  effect_upper: number;
  /** The upper bound of the improvement is below the practical floor. */
  futile: boolean;
}

function oneLook(logs: readonly number[] | undefined, diffs: readonly number[], test: SequentialDesign['test']): { p: number; test: 't' | 'wilcoxon' } {
  const useT = logs !== undefined && logs.length >= 3 && (test === 't' || (test === 'auto' && isOutlierFree(logs)));
  if (useT) {
    const { mean, sd } = meanSd(logs);
    if (sd > 0) return { p: 1 - studentTCdf(mean / (sd / Math.sqrt(logs.length)), logs.length - 1), test: 't' };
  }
  return { p: wilcoxonSignedRank(diffs, 'greater').p_value, test: 'wilcoxon' };
}

function evidenceOf(pairs: SequentialPairs, design: SequentialDesign): Evidence {
  const sign = design.direction === 'min' ? 1 : -1;
  const n = Math.min(pairs.candidate.length, pairs.baseline.length, design.max_pairs);
  const diffs: number[] = [];
  const relative: number[] = [];
  const logs: number[] = [];
  let positive = true;
  for (let i = 0; i < n; i++) {
    const b = pairs.baseline[i] as number;
    const c = pairs.candidate[i] as number;
    const diff = sign * (b - c);
    diffs.push(diff);
    relative.push(b !== 0 ? diff / Math.abs(b) : 0);
    if (b > 0 && c > 0) logs.push(sign * Math.log(b / c));
    else positive = false;
  }
  const weights = lookWeights(design.min_pairs, design.max_pairs, design.spending);
  let repeated = 1;
  let test: 't' | 'wilcoxon' = 'wilcoxon';
  for (let k = design.min_pairs; k <= n; k++) {
    const look = oneLook(positive ? logs.slice(0, k) : undefined, diffs.slice(0, k), design.test);
    test = look.test;
    repeated = Math.min(repeated, look.p / (weights[k - design.min_pairs] as number));
  }
  // The practical floor on the log scale: candidate/baseline <= 1 - m ('min') or >= 1 + m ('max').
  const floor = design.direction === 'min' ? -Math.log1p(-Math.min(design.min_relative_effect, 0.999999)) : Math.log1p(design.min_relative_effect);
  let effectUpper = Number.NaN;
  let futile = false;
  if (positive && n >= 2) {
    const { mean, sd } = meanSd(logs);
    const upperLog = mean + studentTQuantile(1 - design.futility_beta, n - 1) * (sd / Math.sqrt(n));
    effectUpper = design.direction === 'min' ? -Math.expm1(-upperLog) : Math.expm1(upperLog);
    futile = n >= design.min_pairs && upperLog < floor;
  }
  return { p_unadjusted: Math.min(1, repeated), pairs: n, test, relative_effect: median(relative), effect_upper: effectUpper, futile };
}

function decide(e: Evidence, pAdjusted: number, design: SequentialDesign): SequentialDecision {
  const look = Math.max(0, e.pairs - design.min_pairs + 1);
  const base = { p: pAdjusted, p_unadjusted: e.p_unadjusted, pairs: e.pairs, look, test: e.test, relative_effect: e.relative_effect, effect_upper: e.effect_upper };
  const effect = `median improvement ${(100 * e.relative_effect).toFixed(2)}%`;
  const floor = `${(100 * design.min_relative_effect).toFixed(2)}%`;
  if (e.pairs < design.min_pairs) return { ...base, action: 'continue', reason: `${e.pairs} of the ${design.min_pairs} pairs before the first look` };
  const where = `at look ${look} (${e.pairs} pairs, ${e.test === 't' ? 'paired t on log ratios' : 'Wilcoxon signed-rank'})`;
  const significant = pAdjusted < design.alpha;
  if (significant && e.relative_effect >= design.min_relative_effect) {
    return { ...base, action: 'claim', reason: `sequential p ${pAdjusted.toPrecision(3)} < ${design.alpha} ${where} and ${effect} >= ${floor}` };
  }
  if (e.futile) {
    const upper = `${(100 * e.effect_upper).toFixed(2)}%`;
    return { ...base, action: 'futile', reason: `futile ${where}: the improvement's ${100 * (1 - design.futility_beta)}% upper bound ${upper} is below ${floor}` };
  }
  const state = significant ? `${effect} < ${floor}` : `sequential p ${pAdjusted.toPrecision(3)} >= ${design.alpha}`;
  if (e.pairs >= design.max_pairs) return { ...base, action: 'futile', reason: `no claim after the last look (${e.pairs} pairs): ${state}` };
  return { ...base, action: 'continue', reason: `undecided ${where}: ${state}` };
}

/**
 * The sequential rule for one duel: after each pair from `min_pairs` on, claim (the repeated
 * p-value is below `alpha` and the median improvement reaches the practical floor), stop for
 * futility (the improvement's upper bound is below the floor, or `max_pairs` are in), or continue.
 * Pairs beyond `max_pairs` are ignored.
 */
export function nextDuelAction(pairs: SequentialPairs, design: SequentialDesign): SequentialDecision {
  const e = evidenceOf(pairs, design);
  return decide(e, e.p_unadjusted, design);
}

/**
 * The rule over a family of claims (every "better than baseline" claim of a round, the placebo
 * included): Holm's step-down over the duels' repeated p-values at the family's `alpha`. Valid
 * because each repeated p-value is a valid p-value at every level (the union bound over looks) and
 * never rises with more pairs, so a claim once made stays made, and a duel stopped early keeps its
 * value. Decisions come back in the order of `claims`.
 */
export function decideDuelFamily<T extends SequentialPairs & { id: string }>(claims: readonly T[], design: SequentialDesign): (SequentialDecision & { id: string })[] {
  const evidence = claims.map((c) => evidenceOf(c, design));
  const adjusted = holmAdjust(evidence.map((e) => e.p_unadjusted));
  return evidence.map((e, i) => ({ id: (claims[i] as T).id, ...decide(e, adjusted[i] as number, design) }));
}
