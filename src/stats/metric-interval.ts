import type { Interval, IntervalMethod } from '../core/export-evidence.js';
import { logTInterval } from './log-t-interval.js';
import { medianOrderInterval } from './median-order-interval.js';

const LEVEL = 0.95;

function none(n: number, note: string): Interval {
  return { method: 'none', center: null, low: null, high: null, level: null, n, note };
}

function medianOrder(values: readonly number[], note?: string): Interval {
  const m = medianOrderInterval(values, LEVEL);
  if (!m) return none(values.length, 'fewer than two values');
  return { method: 'median-order', center: m.center, low: m.low, high: m.high, level: m.level, n: values.length, ...(note === undefined ? {} : { note }) };
}

/**
 * The 95 % interval of `values` by `method` (what the metric catalogue asks for). One value gives
 * no interval: a range from one sample would only restate it. A `log-t` metric with a value <= 0
 * (a counter that read 0) falls back to the median's order-statistic interval, which also stays
 * inside the data, and says so in `note`.
 */
export function intervalOf(values: readonly number[], method: Exclude<IntervalMethod, 'none'>): Interval {
  const n = values.length;
  if (n < 2) return none(n, n === 1 ? 'n=1, no interval' : 'no values');
  if (method === 'median-order') return medianOrder(values);
  const t = logTInterval(values, LEVEL);
  if (!t) return medianOrder(values, 'a value <= 0 has no logarithm: median order-statistic interval instead of log-t');
  return { method: 'log-t', center: t.center, low: t.low, high: t.high, level: t.level, n };
}

/** An interval that cannot be computed because only the summary (not the values) was stored. */
export function noValuesInterval(n: number): Interval {
  return none(n, n === 1 ? 'n=1, no interval' : 'per-repeat values were not recorded for this metric');
}
