import type { TrialRecord } from '../core/campaign-record.js';
import type { MetricSummary } from '../core/trial-result.js';
import { poolSummaries } from './stats/pool-summaries.js';

/** Every completed measurement of one config (by config key), pooled per metric. */
export interface ConfigMetrics {
  config_key: string;
  /** Trials of this config, in id order. */
  trials: TrialRecord[];
  completed: number;
  failed: number;
  metrics: Record<string, MetricSummary>;
}

/**
 * Group trials by config and pool their summaries. Duel trials count too: they are measurements of
 * the same config on the same kind of machine.
 */
export function groupByConfig(trials: Iterable<TrialRecord>): Map<string, ConfigMetrics> {
  const groups = new Map<string, ConfigMetrics>();
  for (const t of trials) {
    let g = groups.get(t.config_key);
    if (!g) {
      g = { config_key: t.config_key, trials: [], completed: 0, failed: 0, metrics: {} };
      groups.set(t.config_key, g);
    }
    g.trials.push(t);
    if (t.state === 'completed') g.completed++;
    if (t.state === 'failed') g.failed++;
  }
  for (const g of groups.values()) {
    const byMetric = new Map<string, MetricSummary[]>();
    for (const t of g.trials) {
      if (t.state !== 'completed' || !t.summary) continue;
      for (const [k, s] of Object.entries(t.summary)) {
        const list = byMetric.get(k) ?? [];
        list.push(s);
        byMetric.set(k, list);
      }
    }
    for (const [k, list] of byMetric) {
      const pooled = poolSummaries(list);
      if (pooled) g.metrics[k] = pooled;
    }
  }
  return groups;
}
