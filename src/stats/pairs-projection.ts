import { studentTQuantile } from './student-t.js';

/** Largest pair count {@link pairsToDecide} reports; beyond it a decision is out of reach in practice. */
export const PAIRS_PROJECTION_CAP = 10_000;

/**
 * One-sided half-width, on the log scale, of the mean of `pairs` per-pair log ratios whose sample
 * standard deviation is `sdLog`: t(1 - alpha, pairs - 1) * sd / sqrt(pairs). Infinite below 2 pairs.
 */
export function halfWidthAt(sdLog: number, pairs: number, alpha: number): number {
  if (pairs < 2 || !Number.isFinite(sdLog)) return Number.POSITIVE_INFINITY;
  return (studentTQuantile(1 - alpha, pairs - 1) * sdLog) / Math.sqrt(pairs);
}

/**
 * Pairs a paired comparison would need, if the measured mean and spread held, for its one-sided
 * interval to clear the margin on one side or the other: an n (within 5 % of the smallest) with
 * halfWidthAt(sdLog, n) < |meanLog - boundLog|. Projects what more pairs can buy: with ~10 %
 * per-pair noise and a loss near a 1 % margin the answer is in the hundreds, and adding pairs one
 * batch at a time would only spend trials. Infinity when the mean sits on the bound (or beyond
 * {@link PAIRS_PROJECTION_CAP}); 2 when there is no spread at all.
 */
export function pairsToDecide(meanLog: number, sdLog: number, boundLog: number, alpha: number): number {
  const needed = Math.abs(meanLog - boundLog);
  if (!Number.isFinite(sdLog) || !Number.isFinite(needed)) return Number.POSITIVE_INFINITY;
  if (sdLog === 0) return needed > 0 ? 2 : Number.POSITIVE_INFINITY;
  if (needed === 0) return Number.POSITIVE_INFINITY;
  // Normal approximation first, then up to the t quantile's exact answer (it only needs more).
  const z = studentTQuantile(1 - alpha, 1e6);
  let n = Math.max(2, Math.ceil(((z * sdLog) / needed) ** 2));
  if (n > PAIRS_PROJECTION_CAP) return Number.POSITIVE_INFINITY;
  while (halfWidthAt(sdLog, n, alpha) >= needed) {
    n = Math.max(n + 1, Math.ceil(n * 1.05));
    if (n > PAIRS_PROJECTION_CAP) return Number.POSITIVE_INFINITY;
  }
  return n;
}
