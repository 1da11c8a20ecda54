import type { MetricSummary } from '../core/trial-result.js';

/**
 * Tail-latency quantiles and maxima in nanoseconds or microseconds (`redis.p99_us`,
 * `harness:fragmentation.malloc_p999_ns`, `max_us`): one co-tenant burst moves such a value 5-10x
 * within a repeat (a placebo's p99 repeats [335.9, 42.0, 34.0] us with CPU steal 0, issue 19),
 * so they are judged on the median of the repeats rather than the mean.
 */
export function isTailLatencyKey(key: string): boolean {
  return /(^|[._:])(?:[a-z]+_)?(p99\d*|max)_(ns|us)$/.test(key);
}

/** Median of a non-empty list of numbers. */
export function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The location a metric is judged on: the median of the repeats for tail latency (when recorded), the mean otherwise. */
export function centralValue(key: string, s: MetricSummary): number {
  return isTailLatencyKey(key) && s.median !== undefined && Number.isFinite(s.median) ? s.median : s.mean;
}

/**
 * The summary as the judgement sees it: for tail latency its `mean` is the median of the repeats
 * (feasibility, duel values, the sampler's observation), the rest unchanged.
 */
export function judgedSummary(key: string, s: MetricSummary): MetricSummary {
  const center = centralValue(key, s);
  return center === s.mean ? s : { ...s, mean: center };
}
