import { z } from 'zod';
import { CampaignSpecSchema } from './campaign-spec.js';
import { ConfigSchema } from './config.js';
import { EnvMapSchema, IdSchema } from './safe-text.js';
import { MetricSummarySchema, TrialErrorSchema } from './trial-result.js';

export const CampaignStateSchema = z.enum(['running', 'finished', 'cancelled', 'failed']);
export type CampaignState = z.infer<typeof CampaignStateSchema>;

/**
 * The summary keys (`<workload label>.<metric>`) of the objective and of each constraint (in spec
 * order), resolved from the spec's metric names once, when the campaign is created.
 */
export const ResolvedMetricsSchema = z.object({
  objective: z.string(),
  constraints: z.array(z.string()),
});
export type ResolvedMetrics = z.infer<typeof ResolvedMetricsSchema>;

/** A campaign as stored: its validated spec and where it stands. */
export const CampaignRecordSchema = z.object({
  id: IdSchema,
  spec: CampaignSpecSchema,
  state: CampaignStateSchema,
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().optional(),
  /** Why the campaign stopped (stopping rule, budget, cancel, error). */
  stop_reason: z.string().optional(),
  /** The baseline config after parsing and validation against the space. */
  baseline_config: ConfigSchema,
  /** Reference configs (spec `references`), parsed and validated, in spec order. */
  reference_configs: z.array(z.object({ name: z.string(), config: ConfigSchema })).default([]),
  /** Absent in records stored before metrics were resolved at creation: the service resolves them on load. */
  metrics: ResolvedMetricsSchema.optional(),
});
export type CampaignRecord = z.infer<typeof CampaignRecordSchema>;

/** Why a trial exists: the baseline and its placebo copy, user references, exploration proposals, duel pairs. */
export const TrialRoleSchema = z.enum(['baseline', 'placebo', 'reference', 'explore', 'duel']);
export type TrialRole = z.infer<typeof TrialRoleSchema>;

/**
 * One side of one pair of a paired comparison. `arm` names the config being compared: `baseline`,
 * `placebo`, or the label of an explored config (its first trial id).
 */
export const DuelSlotSchema = z.object({
  duel_id: z.string(),
  pair_index: z.number().int().min(0),
  side: z.enum(['a', 'b']),
  arm: z.string(),
});
export type DuelSlot = z.infer<typeof DuelSlotSchema>;

/** A trial as the campaign tracks it; the worker's full result is stored separately, once. */
export const TrialRecordSchema = z.object({
  trial_id: IdSchema,
  campaign_id: IdSchema,
  role: TrialRoleSchema,
  /** Canonical text of the config (its encoded environment): equal configs share it. */
  config_key: z.string(),
  config: ConfigSchema,
  env: EnvMapSchema,
  vector: z.array(z.number()).optional(),
  state: z.enum(['proposed', 'queued', 'completed', 'failed']),
  queue: z.string().optional(),
  /** Worker the trial must run on (duels) or ran on. */
  worker: z.string().optional(),
  duel: DuelSlotSchema.optional(),
  /** Name of the reference config a `reference` trial measures. */
  reference: z.string().optional(),
  proposed_at: z.string(),
  finished_at: z.string().optional(),
  summary: z.record(z.string(), MetricSummarySchema).optional(),
  steal_pct: z.number().optional(),
  error: TrialErrorSchema.optional(),
});
export type TrialRecord = z.infer<typeof TrialRecordSchema>;

/** The number in a trial id (`t12` -> 12; ids are allocated in planning order), 0 when there is none. */
export function trialIndex(trialId: string): number {
  return Number.parseInt(trialId.slice(1), 10) || 0;
}

/** Trials that are still to be measured (recorded, or waiting in a queue). */
export function isInFlight(trial: Pick<TrialRecord, 'state'>): boolean {
  return trial.state === 'proposed' || trial.state === 'queued';
}
