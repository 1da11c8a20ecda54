import type { TrialRecord } from '../core/campaign-record.js';
import { estimateKnobImportance, type ImportanceEstimate } from '../optimizer/importance/knob-importance.js';
import type { Embedding } from '../spaces/index.js';
import { campaignGuards } from './guard-catalogue.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';

/** The importance of every knob for one metric the campaign judges. */
export interface MetricImportance extends ImportanceEstimate {
  /** Summary key of the metric. */
  metric: string;
  role: 'objective' | 'constraint' | 'guard';
}

/** Knob importance of a campaign, per judged metric, from its own trials. */
export interface CampaignImportance {
  campaign_id: string;
  /** Knobs searched (one coordinate each), in embedding order. */
  knobs: string[];
  metrics: MetricImportance[];
  computed_at: string;
}

/** Trials that say what a config measures on its own: every measured config but the paired re-runs. */
function observedTrials(trials: readonly TrialRecord[]): TrialRecord[] {
  return trials.filter((t) => t.state === 'completed' && t.role !== 'duel' && t.role !== 'distill');
}

/** Importance of the knobs for one summary key (see estimateKnobImportance). */
export function metricImportance(trials: readonly TrialRecord[], embedding: Embedding, key: string, seed: number): ImportanceEstimate {
  const points = observedTrials(trials).flatMap((t) => {
    const s = t.summary?.[key];
    if (!s || s.n < 1 || !Number.isFinite(s.mean)) return [];
    return [{ vector: embedding.toVector(t.config), value: s.mean, noise: s.n > 1 ? s.sd ** 2 / s.n : 0 }];
  });
  return estimateKnobImportance(points, { names: embedding.names, snap: (v) => embedding.snap(v), seed });
}

/**
 * Knob importance for the objective, each constraint and each guard of a campaign: Sobol shares of
 * a GP surrogate fitted to the campaign's explored, baseline and reference trials (duel and
 * distillation pairs repeat known configs with one repeat and are left out).
 */
export function campaignImportance(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], embedding: Embedding, now = new Date()): CampaignImportance {
  const targets: { metric: string; role: MetricImportance['role'] }[] = [
    { metric: record.metrics.objective, role: 'objective' },
    ...record.metrics.constraints.map((metric) => ({ metric, role: 'constraint' as const })),
    ...campaignGuards(record.spec, record.metrics.objective).map((g) => ({ metric: g.key, role: 'guard' as const })),
  ];
  const seen = new Set<string>();
  const metrics = targets
    .filter((t) => !seen.has(t.metric) && seen.add(t.metric))
    .map((t): MetricImportance => ({ ...t, ...metricImportance(trials, embedding, t.metric, record.spec.seed) }));
  return { campaign_id: record.id, knobs: embedding.names, metrics, computed_at: now.toISOString() };
}
