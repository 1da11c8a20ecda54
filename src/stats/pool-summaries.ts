import type { MetricSummary } from '../core/trial-result.js';

/** Combine per-trial summaries of one metric into one, as if all repeats had been one sample. */
export function poolSummaries(parts: readonly MetricSummary[]): MetricSummary | undefined {
  const n = parts.reduce((s, p) => s + p.n, 0);
  if (n === 0) return undefined;
  const mean = parts.reduce((s, p) => s + p.n * p.mean, 0) / n;
  const within = parts.reduce((s, p) => s + (p.n - 1) * p.sd ** 2, 0);
  const between = parts.reduce((s, p) => s + p.n * (p.mean - mean) ** 2, 0);
  const sd = n < 2 ? 0 : Math.sqrt((within + between) / (n - 1));
  return {
    mean,
    sd,
    n,
    min: Math.min(...parts.map((p) => p.min)),
    max: Math.max(...parts.map((p) => p.max)),
  };
}
