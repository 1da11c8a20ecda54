import type { Alternative, PairedTestResult } from './wilcoxon-signed-rank.js';

function binomialTail(n: number, k: number): number {
  // P(X >= k) for X ~ Bin(n, 1/2), summed in log space so n in the hundreds stays accurate.
  let logC = 0;
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    if (i >= k) total += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, total);
}

/** Exact sign test on paired differences (zeros dropped): robust when the spread is heavy-tailed. */
export function signTest(differences: readonly number[], alternative: Alternative): PairedTestResult {
  const nonZero = differences.filter((d) => d !== 0 && Number.isFinite(d));
  const n = nonZero.length;
  const positives = nonZero.filter((d) => d > 0).length;
  if (n === 0) return { statistic: 0, p_value: 1, n: 0, exact: true };
  const pGreater = binomialTail(n, positives);
  const pLess = binomialTail(n, n - positives);
  const p = alternative === 'greater' ? pGreater : alternative === 'less' ? pLess : Math.min(1, 2 * Math.min(pGreater, pLess));
  return { statistic: positives, p_value: p, n, exact: true };
}
