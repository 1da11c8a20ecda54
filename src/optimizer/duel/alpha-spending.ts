import { normalCdf } from '../gp/normal.js';

/** How a sequential duel spends its error rate over its looks. */
export type SpendingShape = 'obrien-fleming' | 'pocock';

/** Phi^-1(0.975): the Lan-DeMets O'Brien-Fleming-type function is shaped at the two-sided 5 % level. */
const Z_975 = 1.959963984540054;

/**
 * Fraction of a duel's error rate spent once a fraction `t` (0..1) of its maximum pairs is in.
 * `obrien-fleming`: the Lan-DeMets O'Brien-Fleming-type shape 2 - 2 Phi(z / sqrt(t)) (at z = 1.96),
 * divided by its value at t = 1, so it spends almost nothing early (a quarter of the way in, 0.18 %
 * of the rate) and keeps nearly the whole rate for the last looks; `pocock`: ln(1 + (e - 1) t),
 * which spends evenly. Scaled to 1 at t = 1 so that the rate is a plain multiplier, which keeps the
 * repeated p-values of {@link lookWeights} linear in alpha and therefore fit for Holm's step-down.
 */
export function spentFraction(t: number, shape: SpendingShape): number {
  if (t <= 0) return 0;
  if (t >= 1) return 1;
  if (shape === 'pocock') return Math.log1p((Math.E - 1) * t);
  return (2 - 2 * normalCdf(Z_975 / Math.sqrt(t))) / (2 - 2 * normalCdf(Z_975));
}

/**
 * The share of the error rate each look may use: looks after `minPairs`, `minPairs + 1`, ...,
 * `maxPairs` pairs; the first look gets everything spent up to it. The shares sum to 1, so a test
 * that rejects at look k when its p-value is below alpha x share[k] has a family-wise error rate of
 * at most alpha over all looks by the union bound, whatever the correlation between the looks and
 * whichever valid test each look uses (conservative against exact group-sequential boundaries, but
 * it needs no numerical integration and holds for rank tests as well as t tests).
 */
export function lookWeights(minPairs: number, maxPairs: number, shape: SpendingShape): number[] {
  if (!Number.isInteger(minPairs) || !Number.isInteger(maxPairs) || minPairs < 1 || maxPairs < minPairs) {
    throw new RangeError(`need integers 1 <= min_pairs <= max_pairs, got ${minPairs} and ${maxPairs}`);
  }
  const weights: number[] = [];
  let spent = 0;
  for (let n = minPairs; n <= maxPairs; n++) {
    const next = spentFraction(n / maxPairs, shape);
    weights.push(next - spent);
    spent = next;
  }
  return weights;
}
