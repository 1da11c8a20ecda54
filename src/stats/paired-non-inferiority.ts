import { studentTCdf, studentTQuantile } from './student-t.js';
import { meanSd } from './mean-interval.js';

/** How a paired comparison of a changed arm against a reference arm is judged. */
export interface NonInferiorityOptions {
  /** 'min': lower is better (RSS, latency); 'max': higher is better (ops/s). */
  direction: 'min' | 'max';
  /** Largest relative loss still accepted, e.g. 0.01 for memory, 0.03 for throughput. */
  margin: number;
  /** One-sided error rate (default 0.05). */
  alpha?: number;
}

/** The verdict with the relative change it rests on. */
export interface NonInferiorityVerdict {
  pairs: number;
  /** Relative change of the metric, changed / reference - 1 (geometric mean over pairs), in the metric's own direction. */
  relative_change: number;
  /** Two-sided (1 - 2 alpha) interval of that change. */
  change_low: number;
  change_high: number;
  /** Relative loss (changed/reference - 1 for 'min', 1 - changed/reference for 'max'; positive = worse) and its one-sided bounds at 1 - alpha. */
  loss: number;
  loss_upper: number;
  /** Above the margin: the change is shown worse than the margin allows (the mirror test of non-inferiority). */
  loss_lower: number;
  /** Mean per-pair log ratio signed so that positive is a loss, and the margin on that scale. */
  loss_log: number;
  margin_log: number;
  /** Sample standard deviation of the per-pair log ratios (the per-pair noise; NaN below 2 pairs). */
  log_sd: number;
  /** p of H0 "the loss is at least the margin". */
  p_value: number;
  non_inferior: boolean;
  /** The margin the verdict was judged at (relative loss) and its one-sided error rate. */
  margin: number;
  alpha: number;
  /** The test, named for the record. */
  method: string;
}

/**
 * One-sided paired non-inferiority on log ratios: with d_i = log(changed_i / reference_i) signed so
 * that d > 0 is a loss, H0 mean(d) >= log(1 + margin) is rejected by a one-sided t test. Log ratios
 * make a 3 % loss the same whether the metric is bytes or ops/s, and memory read at fixed times
 * (CV 0.1-0.3 %) is close enough to log-normal that the t test's resolution is set by the noise, not
 * by the number of pairs (an exact signed-rank test cannot go below 2^-n). Needs at least 2 pairs
 * and positive values; otherwise the verdict is "not shown".
 */
export function pairedNonInferiority(changed: readonly number[], reference: readonly number[], opts: NonInferiorityOptions): NonInferiorityVerdict {
  const alpha = opts.alpha ?? 0.05;
  const sign = opts.direction === 'min' ? 1 : -1;
  const n = Math.min(changed.length, reference.length);
  const logs: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = changed[i] as number;
    const r = reference[i] as number;
    if (!(c > 0 && r > 0)) continue;
    logs.push(Math.log(c / r));
  }
  const method = `one-sided paired t test on log ratios, margin ${(opts.margin * 100).toFixed(1)}%, alpha ${alpha}`;
  // A loss is changed/reference - 1 for 'min' and 1 - changed/reference for 'max' (a 10 % drop in
  // ops/s is a 10 % loss); on the log scale its bound is log(1 + m) or -log(1 - m).
  const bound = sign === 1 ? Math.log1p(opts.margin) : -Math.log1p(-opts.margin);
  const lossOf = (signedLog: number): number => (sign === 1 ? Math.expm1(signedLog) : -Math.expm1(-signedLog));
  if (logs.length < 2) {
    const m = logs[0] ?? 0;
    return { pairs: logs.length, relative_change: Math.expm1(m), change_low: Number.NaN, change_high: Number.NaN, loss: lossOf(sign * m), loss_upper: Number.POSITIVE_INFINITY, loss_lower: Number.NEGATIVE_INFINITY, loss_log: sign * m, margin_log: bound, log_sd: Number.NaN, p_value: 1, non_inferior: false, margin: opts.margin, alpha, method };
  }
  const { mean, sd } = meanSd(logs);
  const df = logs.length - 1;
  const se = sd / Math.sqrt(logs.length);
  const lossLog = sign * mean;
  let upper: number;
  let p: number;
  if (se === 0) {
    upper = lossLog;
    p = lossLog < bound ? 0 : 1;
  } else {
    const q = studentTQuantile(1 - alpha, df);
    upper = lossLog + q * se;
    p = studentTCdf((lossLog - bound) / se, df);
  }
  const half = se === 0 ? 0 : studentTQuantile(1 - alpha, df) * se;
  return {
    pairs: logs.length,
    relative_change: Math.expm1(mean),
    change_low: Math.expm1(mean - half),
    change_high: Math.expm1(mean + half),
    loss: lossOf(lossLog),
    loss_upper: lossOf(upper),
    loss_lower: lossOf(lossLog - half),
    loss_log: lossLog,
    margin_log: bound,
    log_sd: sd,
    p_value: p,
    non_inferior: p < alpha,
    margin: opts.margin,
    alpha,
    method,
  };
}
