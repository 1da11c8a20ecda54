import type { Interval } from '../core/export-evidence.js';

/**
 * An interval as one short phrase, its method named: `34..335.9 median-order 75%` (the coverage
 * is shown when it falls short of 95 %), `n=1, no interval` for a single sample, `no interval` when
 * the values were not recorded. `format` renders one number with its unit.
 */
export function intervalText(interval: Interval, format: (x: number) => string, separator = '..'): string {
  if (interval.method === 'none' || interval.low === null || interval.high === null) return interval.n === 1 ? 'n=1, no interval' : 'no interval';
  const level = interval.level !== null && interval.level < 0.95 - 1e-9 ? ` ${Math.floor(100 * interval.level)}%` : '';
  return `${format(interval.low)}${separator}${format(interval.high)} ${interval.method}${level}`;
}
