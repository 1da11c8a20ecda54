import type { IntervalMethod } from '../core/export-evidence.js';

/**
 * Latency metrics: names end in their time unit, nanoseconds for the harness's malloc/free
 * percentiles (`malloc_p99_ns`) and microseconds for Redis's (`p99_us`, `mean_us`). Their tails are
 * heavy (one slow repeat: [335.9, 42.0, 34.0]), so a mean +- t*sd interval is dominated by it.
 */
const LATENCY = /_(ns|us)$/;

/**
 * The interval each metric gets, in one place. Every metric of the catalogue
 * (src/service/metric-catalogue.ts) is non-negative, so none gets a plain t interval that can
 * cross zero: latencies get the median's distribution-free order-statistic interval, everything
 * else (bytes, ratios, throughput, durations, counts) a t interval on the logs, which stays positive.
 * `metricKey` is a summary key (`<workload label>.<metric>`) or a bare metric name.
 */
export function intervalMethodFor(metricKey: string): Exclude<IntervalMethod, 'none'> {
  const name = metricKey.slice(metricKey.lastIndexOf('.') + 1);
  return LATENCY.test(name) ? 'median-order' : 'log-t';
}
