import type { MetricSummary, RepeatRecord } from '../src/core/trial-result.js';

/**
 * Mean, sample standard deviation (n-1; 0 for a single value), count, min and max of every metric
 * over the kept repeats, keyed `<workload label>.<metric>`. Non-finite values are left out.
 */
export function summarizeRepeats(repeats: readonly RepeatRecord[]): Record<string, MetricSummary> {
  const values = new Map<string, number[]>();
  for (const repeat of repeats) {
    for (const workload of repeat.workloads) {
      for (const [metric, value] of Object.entries(workload.metrics)) {
        if (!Number.isFinite(value)) continue;
        const key = `${workload.label}.${metric}`;
        let list = values.get(key);
        if (!list) values.set(key, (list = []));
        list.push(value);
      }
    }
  }
  const summary: Record<string, MetricSummary> = {};
  for (const key of [...values.keys()].sort()) {
    const list = values.get(key) ?? [];
    const n = list.length;
    const mean = list.reduce((a, b) => a + b, 0) / n;
    const sd = n > 1 ? Math.sqrt(list.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
    summary[key] = { mean, sd, n, min: Math.min(...list), max: Math.max(...list) };
  }
  return summary;
}
