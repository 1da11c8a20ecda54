import { AlloctuneError } from '../core/alloctune-error.js';
import type { CampaignRecord, ResolvedMetrics } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import { metricProblem } from './metric-catalogue.js';

/**
 * The summary key (`<workload label>.<metric>`, as workers/summarize-repeats.ts writes it) that a
 * spec's metric name refers to: `<label>.<name>` as given, or a bare `<name>` prefixed with the label
 * of the one workload that reports it. Throws a 400 naming `field` when it refers to none or to several.
 */
export function resolveMetric(metric: string, workloads: readonly WorkloadSpec[], field: string): string {
  const problem = metricProblem(metric, workloads);
  if (problem) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: problem });
  if (metric.lastIndexOf('.') > 0) return metric;
  const reporter = workloads.find((w) => metricProblem(metric, [w]) === undefined);
  if (!reporter) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `no workload of this campaign reports '${metric}'` });
  return `${workloadLabel(reporter)}.${metric}`;
}

/** Resolve the objective and every constraint of a spec (see {@link resolveMetric}); done once, at creation. */
export function resolveCampaignMetrics(spec: CampaignSpec): ResolvedMetrics {
  const metrics: ResolvedMetrics = {
    objective: resolveMetric(spec.objective.metric, spec.workloads, 'objective.metric'),
    constraints: spec.constraints.map((c, i) => resolveMetric(c.metric, spec.workloads, `constraints.${i}.metric`)),
  };
  const explore = spec.explore_with?.objective;
  if (explore !== undefined && spec.explore_with) metrics.explore_objective = resolveMetric(explore, spec.explore_with.workloads, 'explore_with.objective');
  return metrics;
}

/** A campaign record whose metrics are resolved. */
export type ResolvedCampaignRecord = CampaignRecord & { metrics: ResolvedMetrics };

/**
 * A record with its resolved metrics: as stored, or (records stored before they were kept) resolved
 * now. Throws like {@link resolveCampaignMetrics} when an old record's metric no longer resolves.
 */
export function withResolvedMetrics(record: CampaignRecord): ResolvedCampaignRecord {
  const { metrics } = record;
  if (metrics) return { ...record, metrics };
  return { ...record, metrics: resolveCampaignMetrics(record.spec) };
}
