/** A distribution-free interval for the median between two order statistics, with its exact coverage. */
export interface MedianOrderInterval {
  /** Sample median. */
  center: number;
  low: number;
  high: number;
  /** Exact coverage of [x_(k), x_(n+1-k)] for any continuous distribution: below the asked level when n is too small. */
  level: number;
  /** 1-based rank of the lower end (the upper end is rank n+1-k). */
  rank: number;
}

/** P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so that large n does not underflow. */
function binomialHalfCdf(k: number, n: number): number {
  let logPmf = -n * Math.LN2; // P(X = 0)
  let total = 0;
  for (let i = 0; i <= k; i++) {
    total += Math.exp(logPmf);
    logPmf += Math.log((n - i) / (i + 1));
  }
  return Math.min(1, total);
}

/**
 * Interval for the median of `values` from order statistics: the narrowest symmetric pair
 * [x_(k), x_(n+1-k)] whose coverage 1 - 2 P(Bin(n, 1/2) <= k-1) reaches `level`. It assumes
 * nothing about the distribution, so one slow outlier ([335.9, 42.0, 34.0]) widens it but cannot
 * drag it below the data; when n is too small for `level` it is [min, max] with the lower coverage
 * it really has (n = 3: 75 %). Undefined for n < 2.
 */
export function medianOrderInterval(values: readonly number[], level = 0.95): MedianOrderInterval | undefined {
  const n = values.length;
  if (n < 2) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (rank: number): number => sorted[rank - 1] as number;
  const center = n % 2 === 1 ? at((n + 1) / 2) : (at(n / 2) + at(n / 2 + 1)) / 2;
  let rank = 1;
  for (let k = 2; k <= Math.floor(n / 2); k++) {
    if (1 - 2 * binomialHalfCdf(k - 1, n) < level) break;
    rank = k;
  }
  return { center, low: at(rank), high: at(n + 1 - rank), level: 1 - 2 * binomialHalfCdf(rank - 1, n), rank };
}
