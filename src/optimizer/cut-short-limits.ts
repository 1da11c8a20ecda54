import type { CutLimit } from '../core/cut-short.js';
import { studentTQuantile } from '../stats/student-t.js';

/**
 * The cut rule's limits (issue 19, cheaper exploration), as pure maths: the service derives them from
 * the campaign's trials (src/service/cut-short-rule.ts) and the replay from a table's samples
 * (experiments/optimizer-replay/cut-short.ts). Noise is the pooled sd of one repeat on the log scale
 * (allocator metrics are positive and their spread scales with their level).
 */

/** Pooled sd of one repeat of log(value) over groups of repeats of the same config, and its degrees of freedom. */
export interface LogNoise {
  log_sd: number;
  df: number;
}

/** Pooled within-group sd of log values; groups with fewer than 2 values or any value <= 0 are left out. */
export function pooledLogNoise(groups: readonly (readonly number[])[]): LogNoise | undefined {
  let ss = 0;
  let df = 0;
  for (const g of groups) {
    if (g.length < 2 || !g.every((v) => Number.isFinite(v) && v > 0)) continue;
    const logs = g.map(Math.log);
    const m = logs.reduce((a, b) => a + b, 0) / logs.length;
    ss += logs.reduce((a, v) => a + (v - m) ** 2, 0);
    df += logs.length - 1;
  }
  return df === 0 ? undefined : { log_sd: Math.sqrt(ss / df), df };
}

/**
 * How many log sds beyond the baseline's worst repeat the mean of the first `r` repeats must lie:
 * for a config whose true mean is no worse than the baseline's, (mean_r - one baseline repeat) has
 * sd sigma*sqrt(1 + 1/r), and the baseline's worst repeat is at least as bad as any one of them, so
 * P(cut) <= P(t_df > k / sqrt(1 + 1/r)) = rate.
 */
export function objectiveCutMultiplier(rate: number, df: number, r: number): number {
  return Math.sqrt(1 + 1 / r) * studentTQuantile(1 - rate, df);
}

/** Log sds beyond a constraint's limit: a config exactly at the limit is cut with probability `rate`. */
export function constraintCutMultiplier(rate: number, df: number, r: number): number {
  return studentTQuantile(1 - rate, df) / Math.sqrt(r);
}

/**
 * The objective's limit: worse than the worst of the reference repeats (`direction` min: above the
 * largest, max: below the smallest) by the multiplier; undefined when a reference value is not positive.
 */
export function objectiveCutLimit(metric: string, direction: 'min' | 'max', reference: readonly number[], noise: LogNoise, rate: number, r: number): CutLimit | undefined {
  if (reference.length === 0 || !reference.every((v) => Number.isFinite(v) && v > 0)) return undefined;
  const spread = objectiveCutMultiplier(rate, noise.df, r) * noise.log_sd;
  return direction === 'min'
    ? { metric, above: Math.max(...reference) * Math.exp(spread), log_sd: noise.log_sd }
    : { metric, below: Math.min(...reference) * Math.exp(-spread), log_sd: noise.log_sd };
}

/** A constraint's limit: beyond `limit` (bound max: above, min: below) by the multiplier; undefined for a non-positive limit. */
export function constraintCutLimit(metric: string, bound: 'max' | 'min', limit: number, noise: LogNoise, rate: number, r: number): CutLimit | undefined {
  if (!Number.isFinite(limit) || limit <= 0) return undefined;
  const spread = constraintCutMultiplier(rate, noise.df, r) * noise.log_sd;
  return bound === 'max' ? { metric, above: limit * Math.exp(spread), log_sd: noise.log_sd } : { metric, below: limit * Math.exp(-spread), log_sd: noise.log_sd };
}
