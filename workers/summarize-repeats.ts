import type { MetricSummary, RepeatRecord } from '../src/core/trial-result.js';
import { meanSd } from '../src/stats/mean-interval.js';
import { medianOf } from '../src/stats/robust-center.js';

/**
 * Mean, sample standard deviation (n-1; 0 for a single value), count, min, max, median and the values
 * (for intervals that need them: log-t, median order statistics) of every metric over the kept repeats, keyed `<workload label>.<metric>`. Non-finite values are left out.
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
    summary[key] = { ...meanSd(list), min: Math.min(...list), max: Math.max(...list), median: medianOf(list), values: list };
  }
  return summary;
}
