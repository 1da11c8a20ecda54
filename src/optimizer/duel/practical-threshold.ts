/**
 * Smallest relative improvement worth claiming for a metric, from the measured noise on this VM
 * (/work/shared/reference/redis-measurement.md): memory read at fixed times has CV 0.1-0.3% and
 * deltas below ~1% are noise; P99 has CV 12-20% even with steal filtered; throughput sits between.
 */
export function defaultMinRelativeEffect(metric: string): number {
  const m = metric.toLowerCase();
  if (/p9|p50|_us$|_ns$|_ms$|latency/.test(m)) return 0.1;
  if (/ops|throughput|per_s/.test(m)) return 0.03;
  if (/rss|bytes|frag|memory|ratio/.test(m)) return 0.01;
  return 0.05;
}
