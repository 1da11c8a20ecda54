import type { MetricSummary } from '../core/trial-result.js';
import { medianOf } from './robust-center.js';

/**
 * Combine per-trial summaries of one metric into one, as if all repeats had been one sample. The
 * pooled median is the median of the trials' medians, weighted by their repeats;
 * absent when a part has none. The values are concatenated when every part kept them.
 */
export function poolSummaries(parts: readonly MetricSummary[]): MetricSummary | undefined {
  const n = parts.reduce((s, p) => s + p.n, 0);
  if (n === 0) return undefined;
  const mean = parts.reduce((s, p) => s + p.n * p.mean, 0) / n;
  const within = parts.reduce((s, p) => s + (p.n - 1) * p.sd ** 2, 0);
  const between = parts.reduce((s, p) => s + p.n * (p.mean - mean) ** 2, 0);
  const sd = n < 2 ? 0 : Math.sqrt((within + between) / (n - 1));
  const pooled: MetricSummary = {
    mean,
    sd,
    n,
    min: Math.min(...parts.map((p) => p.min)),
    max: Math.max(...parts.map((p) => p.max)),
    // The values only when every part kept them: a partial list would misstate the sample.
    ...(parts.every((p) => p.values !== undefined) ? { values: parts.flatMap((p) => p.values ?? []) } : {}),
  };
  if (parts.every((p) => p.median !== undefined)) pooled.median = medianOf(parts.flatMap((p) => new Array<number>(p.n).fill(p.median as number)));
  return pooled;
}
