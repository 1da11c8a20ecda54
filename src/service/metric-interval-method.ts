import type { IntervalMethod } from '../core/export-evidence.js';
import { metricUnit } from './metric-catalogue.js';

/**
 * Units of latency metrics in the metric catalogue: the harness's malloc/free percentiles in ns,
 * Redis's round-trip percentiles in us. Their tails are heavy (one slow repeat: [335.9, 42.0,
 * 34.0]), so a mean +- t sd interval is dominated by it.
 */
const LATENCY_UNITS: ReadonlySet<string> = new Set(['ns', 'us']);

/**
 * The interval each metric gets, in one place, from its unit in the metric catalogue
 * (src/service/metric-catalogue.ts). Every catalogued metric is non-negative, so none gets a plain
 * t interval that can cross zero: latencies get the median's distribution-free order-statistic
 * interval, everything else (bytes, ratios, throughput, durations in ms, counts) a t interval on the
 * logs, which stays positive. `metricKey` is a summary key (`<workload label>.<metric>`) or a name.
 */
export function intervalMethodFor(metricKey: string): Exclude<IntervalMethod, 'none'> {
  const unit = metricUnit(metricKey);
  return unit !== undefined && LATENCY_UNITS.has(unit) ? 'median-order' : 'log-t';
}
