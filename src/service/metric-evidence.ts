import type { MetricEvidence } from '../core/export-evidence.js';
import type { MetricSummary } from '../core/trial-result.js';
import { intervalOf, noValuesInterval } from '../stats/metric-interval.js';
import { intervalMethodFor } from './metric-interval-method.js';

/** A pooled metric as evidence: its mean, count and the interval its kind calls for, method named. */
export function metricEvidence(metricKey: string, summary: MetricSummary): MetricEvidence {
  const values = summary.values;
  const interval = values !== undefined && values.length === summary.n ? intervalOf(values, intervalMethodFor(metricKey)) : noValuesInterval(summary.n);
  const evidence: MetricEvidence = { mean: summary.mean, n: summary.n, interval };
  if (interval.low !== null && interval.high !== null) {
    evidence.ci_low = interval.low;
    evidence.ci_high = interval.high;
  }
  return evidence;
}
