import { normalCdf } from '../gp/normal.js';

/** Which way the test looks: `greater` = the differences tend to be positive. */
export type Alternative = 'greater' | 'less' | 'two-sided';

/** Result of a paired test. */
export interface PairedTestResult {
  /** Wilcoxon: W+ (sum of ranks of positive differences); sign test: number of positive differences. */
  statistic: number;
  p_value: number;
  /** Differences that were not zero (zeros are dropped). */
  n: number;
  exact: boolean;
}

/** Exact distribution up to this many non-zero differences; the normal approximation above. */
const EXACT_MAX_N = 30;

function midRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length).fill(0);
  for (let s = 0; s < order.length; ) {
    let e = s;
    while (e + 1 < order.length && (order[e + 1] as { v: number }).v === (order[s] as { v: number }).v) e++;
    const rank = (s + e + 2) / 2;
    for (let k = s; k <= e; k++) ranks[(order[k] as { i: number }).i] = rank;
    s = e + 1;
  }
  return ranks;
}

/**
 * Wilcoxon signed-rank test on paired differences (zeros dropped, ties get mid-ranks). For n <= 30
 * the p-value is exact: the null distribution of W+ is enumerated over the 2^n sign patterns by
 * dynamic programming on doubled ranks (mid-ranks are multiples of 1/2), so ties stay exact too.
 */
export function wilcoxonSignedRank(differences: readonly number[], alternative: Alternative): PairedTestResult {
  const nonZero = differences.filter((d) => d !== 0 && Number.isFinite(d));
  const n = nonZero.length;
  if (n === 0) return { statistic: 0, p_value: 1, n: 0, exact: true };
  const ranks = midRanks(nonZero.map(Math.abs));
  let wPlus = 0;
  nonZero.forEach((d, i) => {
    if (d > 0) wPlus += ranks[i] as number;
  });
  if (n <= EXACT_MAX_N) {
    const doubled = ranks.map((r) => Math.round(2 * r));
    const total = doubled.reduce((a, b) => a + b, 0);
    // counts[s] = number of sign patterns whose doubled W+ equals s.
    let counts = new Float64Array(total + 1);
    counts[0] = 1;
    for (const r of doubled) {
      const next = Float64Array.from(counts);
      for (let s = r; s <= total; s++) next[s] = (next[s] as number) + (counts[s - r] as number);
      counts = next;
    }
    const patterns = 2 ** n;
    const w2 = Math.round(2 * wPlus);
    let upper = 0;
    let lower = 0;
    for (let s = 0; s <= total; s++) {
      if (s >= w2) upper += counts[s] as number;
      if (s <= w2) lower += counts[s] as number;
    }
    const pGreater = upper / patterns;
    const pLess = lower / patterns;
    const p = alternative === 'greater' ? pGreater : alternative === 'less' ? pLess : Math.min(1, 2 * Math.min(pGreater, pLess));
    return { statistic: wPlus, p_value: p, n, exact: true };
  }
  const mean = (n * (n + 1)) / 4;
  let tieTerm = 0;
  const counts = new Map<number, number>();
  for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
  for (const t of counts.values()) tieTerm += t ** 3 - t;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48);
  const zGreater = (wPlus - mean - 0.5) / sd;
  const zLess = (wPlus - mean + 0.5) / sd;
  const pGreater = 1 - normalCdf(zGreater);
  const pLess = normalCdf(zLess);
  const p = alternative === 'greater' ? pGreater : alternative === 'less' ? pLess : Math.min(1, 2 * Math.min(pGreater, pLess));
  return { statistic: wPlus, p_value: p, n, exact: false };
}
