import { studentTQuantile } from './student-t.js';

/** Two-sided Student t interval on the logs of positive values, mapped back: for the geometric mean. */
export interface LogTInterval {
  /** Geometric mean (exp of the mean log). */
  center: number;
  low: number;
  high: number;
  level: number;
}

/**
 * Student t interval for the geometric mean of `values` (all > 0, at least two), computed on their
 * logarithms and exponentiated back, so both ends stay positive however spread the data is (a
 * plain t interval on [1, 1000] reaches -6000). Undefined when a value is not positive or n < 2.
 */
export function logTInterval(values: readonly number[], level = 0.95): LogTInterval | undefined {
  const n = values.length;
  if (n < 2 || values.some((v) => !(v > 0) || !Number.isFinite(v))) return undefined;
  const logs = values.map(Math.log);
  const mean = logs.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(1 - (1 - level) / 2, n - 1) * sd) / Math.sqrt(n);
  return { center: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half), level };
}
