import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TrialRecord } from '../core/campaign-record.js';
import type { MetricEstimate, Observation } from '../core/optimizer-observation.js';
import type { SearchSpace } from '../core/search-space.js';
import { createSampler, restoreSampler } from '../optimizer/create-sampler.js';
import type { PosteriorSummary, Sampler, SamplerDomain, SamplerState } from '../optimizer/sampler.js';
import { createEmbedding, type Embedding } from '../spaces/index.js';
import { campaignSpace } from './campaign-space.js';
import type { MetricSummary } from '../core/trial-result.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { absoluteConstraints, evaluateSummary, metricsAtFidelity } from './trial-evaluation.js';

/** What the controller persists next to the trials, so a restarted service proposes as before. */
const OptimizerSnapshotSchema = z.object({
  sampler: z.custom<SamplerState>((v) => typeof v === 'object' && v !== null),
  /** Trials already fed to the sampler: the ones finished after the snapshot are fed on restore. */
  observed_trial_ids: z.array(z.string()),
  /** Expected improvement of each exploration proposal, oldest first (the stopping rule reads it). */
  ei_history: z.array(z.number().nullable()),
  /** The sampler's posterior summary behind each proposal, aligned with `ei_history` (absent in older snapshots). */
  posterior_history: z.array(z.custom<PosteriorSummary>((v) => typeof v === 'object').nullable()).optional(),
  /** Digest of the search space the sampler's vectors were embedded in (see {@link spaceDigest}). */
  space_digest: z.string().optional(),
});
export type OptimizerSnapshot = z.infer<typeof OptimizerSnapshotSchema>;

/** A running campaign held in memory by the controller; Redis holds everything needed to rebuild it. */
export interface CampaignRuntime {
  record: ResolvedCampaignRecord;
  space: SearchSpace;
  embedding: Embedding;
  sampler: Sampler;
  trials: Map<string, TrialRecord>;
  observed: Set<string>;
  eiHistory: (number | null)[];
  posteriorHistory: (PosteriorSummary | null)[];
  /** Bumped on every change; caches (leaderboard) compare it. */
  version: number;
}

/** The sampler's view of the campaign's goal. */
export function samplerDomain(runtime: Pick<CampaignRuntime, 'record' | 'embedding'>): SamplerDomain {
  const { record } = runtime;
  return {
    dimension: runtime.embedding.dimension,
    snap: (v) => runtime.embedding.snap(v),
    objective: record.spec.objective,
    // Read at each use: a constraint relative to the baseline joins the models once its limit is known.
    get constraints() {
      return absoluteConstraints(record.spec, record.metrics);
    },
  };
}

/**
 * A metric of a trial for the sampler: its mean, the variance of one repeat and the count. For a trial
 * cut short, the variance of one repeat is the campaign's pooled one that the cut rule was derived from
 * (log sd `logSd`, by the delta method): its one or two repeats say little about their own spread, and
 * the sampler's noise for the point (variance / n) must grow as the repeats shrink, not vanish.
 */
function estimate(s: MetricSummary, logSd?: number): MetricEstimate {
  const own = s.n > 1 ? s.sd ** 2 : 0;
  const pooled = logSd === undefined ? 0 : (s.mean * logSd) ** 2;
  return { mean: s.mean, variance: Math.max(own, pooled), n: s.n };
}

/**
 * A finished trial as an optimizer observation. Failed trials (rejected config, crash) and trials
 * missing the objective become infeasible points without an objective.
 */
export function toObservation(runtime: Pick<CampaignRuntime, 'record' | 'embedding'>, trial: TrialRecord): Observation {
  // Embedded from the config, not the stored proposal vector: equal under one embedding, and right
  // after an upgrade changed the embedding (a proposal's vector is kept in the record for the record).
  const vector = runtime.embedding.toVector(trial.config);
  const { spec } = runtime.record;
  const metrics = metricsAtFidelity(runtime.record.metrics, trial.fidelity);
  const evaluation = trial.state === 'completed' ? evaluateSummary(spec, metrics, trial.summary) : undefined;
  if (!evaluation?.objective) return { vector, constraints: {}, feasible: false };
  const noise = trial.cut_short?.log_sds ?? {};
  const constraints: Record<string, MetricEstimate> = {};
  for (const c of evaluation.constraints) if (c.value) constraints[c.metric] = estimate(c.value, noise[c.key]);
  return { vector, objective: estimate(evaluation.objective, noise[metrics.objective]), constraints };
}

/** Trials whose measurements teach the sampler: everything but paired runs (one repeat each, of known configs or their reverts). */
export function teachesSampler(trial: TrialRecord): boolean {
  return trial.role !== 'duel' && trial.role !== 'distill' && (trial.state === 'completed' || trial.state === 'failed');
}

/**
 * Identifies a space's embedding: the parameters as loaded (file and overrides). When a newer
 * version of alloctune embeds the same campaign differently, persisted sampler vectors are stale.
 */
export function spaceDigest(space: SearchSpace): string {
  return createHash('sha256').update(JSON.stringify(space.parameters)).digest('hex').slice(0, 16);
}

/**
 * Build the runtime of a campaign: a fresh sampler, or the persisted one brought up to date. A
 * snapshot taken under a different embedding is not restored: a fresh sampler with the campaign's
 * seed relearns every finished trial, embedded anew from its config. A fresh sampler first learns
 * `priors` (the warm-start sources' trials, see warm-start.ts), judged by this campaign's spec; they
 * are observations only, never this campaign's trials.
 */
export async function loadRuntime(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], persisted: unknown, priors: readonly TrialRecord[] = []): Promise<CampaignRuntime> {
  const space = campaignSpace(record);
  const embedding = createEmbedding(space);
  const base = { record, embedding };
  const digest = spaceDigest(space);
  const parsed = OptimizerSnapshotSchema.safeParse(persisted);
  const snapshot = parsed.success && parsed.data.space_digest === digest ? parsed.data : undefined;
  const sampler = snapshot
    ? await restoreSampler(samplerDomain(base), snapshot.sampler)
    : await createSampler(record.spec.sampler, samplerDomain(base), record.spec.seed);
  const observed = new Set(snapshot ? snapshot.observed_trial_ids : []);
  const runtime: CampaignRuntime = {
    record,
    space,
    embedding,
    sampler,
    trials: new Map(trials.map((t) => [t.trial_id, t])),
    observed,
    eiHistory: parsed.success ? [...parsed.data.ei_history] : [],
    // Older snapshots have none: pad with nulls so both histories stay aligned.
    posteriorHistory: parsed.success ? alignedPosteriors(parsed.data) : [],
    version: 0,
  };
  if (!snapshot && priors.length > 0) sampler.observe(priors.map((t) => ({ ...toObservation(runtime, t), prior: true })));
  const missing = trials.filter((t) => teachesSampler(t) && !observed.has(t.trial_id));
  if (missing.length > 0) {
    sampler.observe(missing.map((t) => toObservation(runtime, t)));
    for (const t of missing) observed.add(t.trial_id);
  }
  return runtime;
}

/** The persisted form of the runtime's optimizer state. */
export function snapshotOf(runtime: CampaignRuntime): OptimizerSnapshot {
  return {
    sampler: runtime.sampler.toJSON(),
    observed_trial_ids: [...runtime.observed],
    ei_history: runtime.eiHistory,
    posterior_history: runtime.posteriorHistory,
    space_digest: spaceDigest(runtime.space),
  };
}

function alignedPosteriors(snapshot: OptimizerSnapshot): (PosteriorSummary | null)[] {
  const stored = snapshot.posterior_history ?? [];
  return snapshot.ei_history.map((_, i) => stored[i] ?? null);
}
