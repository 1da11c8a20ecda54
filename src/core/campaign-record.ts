import { z } from 'zod';
import { CampaignSpecSchema } from './campaign-spec.js';
import { ConfigSchema, ConfigValueSchema } from './config.js';
import { DefinitionSnapshotSchema } from './definition-snapshot.js';
import { EnvMapSchema, IdSchema } from './safe-text.js';
import { CutShortRecordSchema } from './cut-short.js';
import { MetricSummarySchema, TrialErrorSchema } from './trial-result.js';

/**
 * Where a campaign stands. `running`, `waiting_for_workers` (no live worker matches its needs: see
 * `waiting_for`) and `cancelling` (a cancel waits for trials already running) are live; the others
 * are final.
 */
export const CampaignStateSchema = z.enum(['running', 'waiting_for_workers', 'cancelling', 'finished', 'cancelled', 'failed']);
export type CampaignState = z.infer<typeof CampaignStateSchema>;

/** The states a campaign never leaves. */
export type FinalCampaignState = Extract<CampaignState, 'finished' | 'cancelled' | 'failed'>;

/**
 * True once a campaign has stopped for good (finished, cancelled, failed): its record never changes
 * again. Tournaments share these final states (their live ones differ).
 */
export function isFinalState<S extends string>(state: S): state is Extract<S, FinalCampaignState> {
  return state === 'finished' || state === 'cancelled' || state === 'failed';
}

/** What a campaign in `waiting_for_workers` waits for: a live worker with all of these. */
export const WorkerNeedsSchema = z.object({
  /** Labels the worker must carry (the spec's `worker_labels`). */
  worker_labels: z.record(z.string(), z.string()),
  /** Allow-listed command names the worker must advertise. */
  commands: z.array(z.string()),
  /** Trace names the worker's trace directory must hold (trace workloads); absent when none. */
  traces: z.array(z.string()).optional(),
  /** Allocator the worker must be able to preload. */
  allocator: z.string(),
  /** Why no live worker fits, e.g. "no live worker" or "worker w1 lacks label zone=b". */
  reason: z.string(),
});
export type WorkerNeeds = z.infer<typeof WorkerNeedsSchema>;

/**
 * The summary keys (`<workload label>.<metric>`) of the objective and of each constraint (in spec
 * order), resolved from the spec's metric names once, when the campaign is created.
 */
export const ResolvedMetricsSchema = z.object({
  objective: z.string(),
  constraints: z.array(z.string()),
  /** The summary key low-fidelity trials are ranked on (`explore_with.objective`); absent: `objective` (see metricsAtFidelity). */
  explore_objective: z.string().optional(),
  /**
   * Absolute limit of each constraint (spec order) for constraints relative to the baseline
   * (`max_ratio_to_baseline`...): the ratio times the baseline's measured mean, set once the
   * baseline has finished; null until then. Absent entries (and absolute constraints) use the spec.
   */
  limits: z.array(z.number().nullable()).optional(),
});
export type ResolvedMetrics = z.infer<typeof ResolvedMetricsSchema>;

/** A number that may have been non-finite (stored as null by JSON). */
const LooseNumber = z.number().nullable();

/** The paired non-inferiority evidence of one measured comparison, as stored. */
export const PairedEvidenceSchema = z.object({
  pairs: z.number().int(),
  relative_change: LooseNumber,
  change_low: LooseNumber,
  change_high: LooseNumber,
  loss: LooseNumber,
  loss_upper: LooseNumber,
  p_value: LooseNumber,
  non_inferior: z.boolean(),
  method: z.string(),
  /** One-sided lower bound of the loss: above the margin, the change is shown worse than it allows. */
  loss_lower: LooseNumber.optional(),
  /** Standard deviation of the per-pair log ratios: the per-pair noise the verdict rests on. */
  log_sd: LooseNumber.optional(),
  /** The margin judged at (relative loss). */
  margin: z.number().optional(),
});
export type PairedEvidence = z.infer<typeof PairedEvidenceSchema>;

/**
 * What a revert step showed: `reverted` (non-inferior within the margin, constraints met: taken),
 * `carries_gain` (shown worse than the margin allows, or breaks a constraint), `inconclusive`
 * (neither could be shown with the pairs spent: kept, because the noise was too large).
 */
export const RevertOutcomeSchema = z.enum(['reverted', 'carries_gain', 'inconclusive']);
export type RevertOutcome = z.infer<typeof RevertOutcomeSchema>;

/** One revert step of the distillation round: what was tried, on which duel, what was decided. */
export const DistillStepSchema = z.object({
  /** Duel id of the step's pairs (`s1`, `s2`, ...). */
  duel_id: z.string(),
  /** The knob reverted, or for a group step its knobs joined by `+` (see `knobs`). */
  knob: z.string(),
  /** Every knob the step reverts: one, or the group of least important knobs tried together. Absent in older records: `[knob]`. */
  knobs: z.array(z.string()).optional(),
  /** The (first) knob's value in `current`; a group's others are read from `current` and `candidate`. */
  from: ConfigValueSchema,
  /** The baseline's value of the (first) knob; absent when the revert removes it. */
  to: ConfigValueSchema.optional(),
  /** The config measured (current with the knobs reverted) against `current`. */
  candidate: ConfigSchema,
  current: ConfigSchema,
  /** Pairs scheduled so far: `distill.pairs`, more while inconclusive (up to `distill.max_pairs`). */
  pairs_planned: z.number().int().optional(),
  /** Set once decided (see RevertOutcomeSchema). */
  outcome: RevertOutcomeSchema.optional(),
  /** Set once decided: true when the knobs stay at the winner's values (outcome carries_gain or inconclusive). */
  kept: z.boolean().optional(),
  constraints_met: z.boolean().optional(),
  objective: PairedEvidenceSchema.optional(),
  reason: z.string().optional(),
  /** Why the step was tried at this point of the order (guard driver, or least important first). */
  order_reason: z.string().optional(),
});
export type DistillStep = z.infer<typeof DistillStepSchema>;

/** Progress of one distilled config (the winner, or a confirmed reference): shared by both. */
const DistillProgressSchema = z.object({
  status: z.enum(['stepping', 'confirming', 'done', 'skipped']),
  /** Why it was skipped, or how it ended. */
  reason: z.string().optional(),
  /** What the baseline really runs with, for the changed knobs: read back by its trials, else its config. */
  baseline_effective: ConfigSchema.optional(),
  /** The distilled config with every accepted revert applied. */
  current: ConfigSchema.optional(),
  /** Knobs still to try, in order (guard drivers first, then least important first). */
  remaining: z.array(z.string()).default([]),
  /** Total-effect importance share of each changed knob on the objective, used for the order. */
  importance: z.record(z.string(), z.number()).default({}),
  /** Why each changed knob was queued where it is (guard driver, or least important first). */
  order_reasons: z.record(z.string(), z.string()).optional(),
  /** The least important knobs, to be reverted together before the single steps (cleared once tried). */
  group: z.array(z.string()).optional(),
  /**
   * Changed knobs with a cost the objective does not show, and why: a trap value of the space file,
   * or a guard not shown to hold that they may drive. Queued early; left untested, reverted (`distill.untested`).
   */
  risks: z.record(z.string(), z.string()).optional(),
  steps: z.array(DistillStepSchema).default([]),
  /** The minimal config: only the knobs that differ from the baseline's effective values. */
  minimal: ConfigSchema.optional(),
});

/**
 * A confirmed reference distilled after the winner, with the same revert steps (duel ids
 * `r<i>s<n>`) but no final duel: the steps say which of its knobs carry its gain.
 */
export const ReferenceDistillationSchema = DistillProgressSchema.extend({
  /** The reference's name (its leaderboard arm) and config. */
  arm: z.string(),
  config: ConfigSchema,
  /** Knobs whose revert cost more than the margin: they carry the reference's gain. */
  carries: z.array(z.string()).default([]),
  /** Knobs whose revert was non-inferior: they contribute nothing measurable. */
  contributes_nothing: z.array(z.string()).default([]),
  /** Knobs kept because neither could be shown (the per-pair noise too large for the margin). */
  inconclusive: z.array(z.string()).default([]),
});
export type ReferenceDistillation = z.infer<typeof ReferenceDistillationSchema>;

/** The distillation round's state and record, kept on the campaign record. */
export const DistillationRecordSchema = DistillProgressSchema.extend({
  /** The confirmed winner's arm and config (what the round starts from). */
  winner_arm: z.string().optional(),
  winner_config: ConfigSchema.optional(),
  worker: z.string().optional(),
  /** The final duel of the minimal config against the baseline (duel id `m1`). */
  confirmation: z
    .object({
      duel_id: z.string(),
      pairs: z.number().int().optional(),
      relative_effect: z.number().optional(),
      p_value: z.number().optional(),
      confirmed: z.boolean().optional(),
      reason: z.string().optional(),
    })
    .optional(),
  /** Other references confirmed better than the baseline, distilled once the winner is done (same budget). */
  references: z.array(ReferenceDistillationSchema).optional(),
  /** Knobs with a risk that max_steps left untested and `distill.untested: revert_traps` set back to the baseline, with why. */
  reverted_untested: z.array(z.object({ knob: z.string(), from: ConfigValueSchema, why: z.string() })).optional(),
});
export type DistillationRecord = z.infer<typeof DistillationRecordSchema>;

/**
 * The earlier campaigns whose explore and reference trials seeded this campaign's sampler as prior
 * observations (never its trials or leaderboard entries).
 */
export const WarmStartRecordSchema = z.object({
  mode: z.enum(['explicit', 'auto']),
  /** Digest of the resolved search space every source shares with this campaign. */
  space_digest: z.string(),
  sources: z.array(z.object({ campaign_id: IdSchema, name: z.string(), observations: z.number().int().nonnegative() })),
});
export type WarmStartRecord = z.infer<typeof WarmStartRecordSchema>;

/**
 * A known trap found at creation (src/service/campaign-warnings.ts): the campaign runs, and the
 * user is told before the first trial what it may cost or distort.
 */
export const CampaignWarningSchema = z.object({
  code: z.enum(['knob_trap', 'cpu_overlap']),
  /** The request field it is about, when there is one. */
  path: z.string().optional(),
  message: z.string(),
});
export type CampaignWarning = z.infer<typeof CampaignWarningSchema>;

/** A campaign as stored: its validated spec and where it stands. */
export const CampaignRecordSchema = z.object({
  id: IdSchema,
  /** The spec as submitted, without its `definition` (that lives, snapshotted, in `definition`). */
  spec: CampaignSpecSchema,
  /**
   * The allocator definition the campaign runs with, copied at creation (posted or from its file)
   * with its sha256: every later step reads it, never the file. Absent in records stored before
   * snapshots: those read the file.
   */
  definition: DefinitionSnapshotSchema.optional(),
  state: CampaignStateSchema,
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().optional(),
  /** Why the campaign stopped (stopping rule, budget, cancel, error). */
  stop_reason: z.string().optional(),
  /** Set while the state is `waiting_for_workers`: the worker it waits for. */
  waiting_for: WorkerNeedsSchema.optional(),
  /** When a cancel was asked for (state `cancelling`, then `cancelled`). */
  cancel_requested_at: z.string().optional(),
  /** The baseline config after parsing and validation against the space. */
  baseline_config: ConfigSchema,
  /** Reference configs (spec `references`), parsed and validated, in spec order. */
  reference_configs: z.array(z.object({ name: z.string(), config: ConfigSchema })).default([]),
  /** Absent in records stored before metrics were resolved at creation: the service resolves them on load. */
  metrics: ResolvedMetricsSchema.optional(),
  /** What setup changed and why (e.g. knobs the target overrides, dropped from the search). */
  notes: z.array(z.string()).optional(),
  /** Known traps found at creation (THP under a memory goal, tcache off under a throughput goal, workers sharing CPUs). */
  warnings: z.array(CampaignWarningSchema).optional(),
  /** The distillation round (see src/service/distill-round.ts), once it has started or was skipped. */
  distillation: DistillationRecordSchema.optional(),
  /** Where the sampler's prior observations came from (spec `warm_start`). */
  warm_start: WarmStartRecordSchema.optional(),
});
export type CampaignRecord = z.infer<typeof CampaignRecordSchema>;

/** Why a trial exists: the baseline and its placebo copy, user references, exploration proposals, duel pairs, distillation pairs. */
export const TrialRoleSchema = z.enum(['baseline', 'placebo', 'reference', 'explore', 'duel', 'distill']);
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
  /** `withdrawn`: taken back before any worker ran it (campaign stopped, or cancelled while it waited). */
  state: z.enum(['proposed', 'queued', 'completed', 'failed', 'withdrawn']),
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
  /** The worker cut the trial short after its first repeats (clearly worse than the baseline or a limit): its summary holds only those. */
  cut_short: CutShortRecordSchema.optional(),
  /** `low`: measured on the spec's `explore_with` workloads (low fidelity); absent: on `workloads`. */
  fidelity: z.literal('low').optional(),
  /** Options the allocator read back (baseline trials only: what the baseline really runs with). */
  effective_options: z.record(z.string(), ConfigValueSchema).optional(),
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
