/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t quantile for a 95% two-sided interval with `df` degrees of freedom (normal beyond 30, conservative 2.0 up to 60). */
export function tCritical95(df: number): number {
  if (df < 1) return Number.POSITIVE_INFINITY;
  if (df <= 30) return T_975[df - 1] ?? 1.96;
  return df <= 60 ? 2.0 : 1.96;
}

/**
 * Mean with a plain t 95% interval from a mean, a sample standard deviation and a count (kept for the
 * experiments' reports of recorded data). The service's intervals are src/stats/metric-interval.ts:
 * this one can cross zero for a positive quantity and restates one sample as a range.
 */
export function meanInterval(mean: number, sd: number, n: number): { mean: number; ci_low: number; ci_high: number; n: number } {
  if (n < 2 || !Number.isFinite(sd)) return { mean, ci_low: mean, ci_high: mean, n };
  const half = (tCritical95(n - 1) * sd) / Math.sqrt(n);
  return { mean, ci_low: mean - half, ci_high: mean + half, n };
}

/** Mean and sample standard deviation (n-1; 0 for a single value) of a list of numbers. */
export function meanSd(values: readonly number[]): { mean: number; sd: number; n: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}
