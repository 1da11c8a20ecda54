import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { EnvMapSchema, IdSchema } from './safe-text.js';
import { TournamentSpecSchema } from './tournament-spec.js';

/**
 * Where a tournament stands: `creating` from the moment it is stored, with its children planned
 * (their ids fixed), until every child campaign exists (a service killed meanwhile creates the
 * missing ones when it restarts); `running` until every child campaign and every final round is
 * done, `cancelling` while its children cancel; the others are final.
 */
export const TournamentStateSchema = z.enum(['creating', 'running', 'cancelling', 'finished', 'cancelled', 'failed']);
export type TournamentState = z.infer<typeof TournamentStateSchema>;

/**
 * One child campaign: the campaign owns its trials, search, confirmation and distillation. Its
 * spec is derived from the tournament's (childCampaignSpec), so the tournament keeps only this.
 */
export const TournamentChildSchema = z.object({
  allocator: z.string(),
  /** The thread count its harness workloads run with; null without a sweep. */
  threads: z.number().int().nullable(),
  /** Fixed when the tournament is stored, before the campaign exists (childCampaignId). */
  campaign_id: IdSchema,
  /** Its share of the tournament's explore trials. */
  budget_trials: z.number().int(),
});
export type TournamentChild = z.infer<typeof TournamentChildSchema>;

/** A config the final round measures: an allocator's defaults, or its child's confirmed best (distilled) config. */
export const FinalArmSchema = z.object({
  /** `glibc:defaults`, `jemalloc:tuned`, ...; `baseline` is the baseline allocator's defaults. */
  arm: z.string(),
  allocator: z.string(),
  kind: z.enum(['defaults', 'tuned']),
  config: ConfigSchema,
  env: EnvMapSchema,
  /** The child campaign it comes from. */
  campaign_id: IdSchema,
});
export type FinalArm = z.infer<typeof FinalArmSchema>;

/** One measurement of the final round: `block` i holds the baseline and each arm still undecided, run back to back on the block's worker (`FinalRound.block_workers[i]`). */
export const FinalTrialSchema = z.object({
  trial_id: IdSchema,
  arm: z.string(),
  block: z.number().int().min(0),
  state: z.enum(['queued', 'completed', 'failed', 'withdrawn']),
  /** The objective's value (the judged centre of its summary). */
  value: z.number().optional(),
  error: z.string().optional(),
});
export type FinalTrial = z.infer<typeof FinalTrialSchema>;

/**
 * The cross-allocator confirmation round of one thread count. `waiting`: children still running;
 * `running`: blocks in flight; `done`: every arm decided (or out of pairs); `skipped`: nothing to
 * duel (one allocator, whose child already confirmed its best against its defaults), with the reason.
 */
export const FinalRoundSchema = z.object({
  threads: z.number().int().nullable(),
  status: z.enum(['waiting', 'running', 'done', 'skipped', 'failed']),
  reason: z.string().optional(),
  /**
   * The worker of each block (index = block), its one owner: every trial of a block runs there, so
   * each pair compares like with like on one host; blocks are spread round-robin over the live
   * workers that load every allocator (assignBlockWorkers).
   */
  block_workers: z.array(z.string()).default([]),
  /** The baseline allocator's defaults, measured in every block. */
  baseline: FinalArmSchema.optional(),
  /** The arms dueled against the baseline. */
  arms: z.array(FinalArmSchema).default([]),
  /** Why an arm one might expect is not in the round (a child that failed, a tuned config that confirmed nothing). */
  notes: z.array(z.string()).default([]),
  /** Arms decided so far, with the block count their decision rests on. */
  decided: z.record(z.string(), z.number().int()).default({}),
  trials: z.array(FinalTrialSchema).default([]),
});
export type FinalRound = z.infer<typeof FinalRoundSchema>;

/** A tournament as stored: its spec, its children and its final rounds (the ranking is derived from them). */
export const TournamentRecordSchema = z.object({
  id: IdSchema,
  spec: TournamentSpecSchema,
  state: TournamentStateSchema,
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().optional(),
  stop_reason: z.string().optional(),
  baseline_allocator: z.string(),
  /** The summary key of the objective (`<workload label>.<metric>`), as the children resolved it. */
  objective_key: z.string(),
  children: z.array(TournamentChildSchema),
  rounds: z.array(FinalRoundSchema),
});
export type TournamentRecord = z.infer<typeof TournamentRecordSchema>;
