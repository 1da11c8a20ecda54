import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { EnvMapSchema } from './safe-text.js';
import { TournamentStateSchema } from './tournament-record.js';

const Num = z.number().nullable();

/** A paired effect against a reference: improvement as a fraction (positive = better), 95 % interval, verdict. */
export const PairedEffectSchema = z.object({
  pairs: z.number().int(),
  improvement: Num,
  improvement_low: Num,
  improvement_high: Num,
  verdict: z.enum(['better', 'worse', 'no_gain', 'inconclusive']),
  reason: z.string(),
});

/** One ranked entry of a thread count: an allocator and a config, judged against the baseline. */
export const TournamentRowSchema = PairedEffectSchema.extend({
  /** As a paired effect; `reference` for the baseline row itself. */
  verdict: z.enum(['better', 'worse', 'no_gain', 'inconclusive', 'reference']),
  rank: z.number().int(),
  arm: z.string(),
  allocator: z.string(),
  kind: z.enum(['defaults', 'tuned', 'baseline']),
  config: ConfigSchema,
  env: EnvMapSchema,
  campaign_id: z.string(),
  p_value: Num,
  p_adjusted: Num,
  /** Where the verdict comes from: the final round, or (one allocator) the child campaign's own confirmation. */
  source: z.enum(['final_round', 'child_campaign']),
});
export type TournamentRow = z.infer<typeof TournamentRowSchema>;

const WorthLineSchema = z.object({ arm: z.string().nullable(), allocator: z.string().nullable(), effect: PairedEffectSchema.nullable(), note: z.string() });

/** What switching allocator is worth against tuning the current one (src/service/tournament-verdict.ts). */
export const SwitchingWorthSchema = z.object({
  threads: z.number().int().nullable(),
  baseline_allocator: z.string(),
  switch: WorthLineSchema,
  tune: WorthLineSchema,
  best: WorthLineSchema,
  switch_vs_tune: WorthLineSchema,
  winner: z.object({ allocator: z.string(), arm: z.string(), kind: z.enum(['defaults', 'tuned', 'baseline']), beats_baseline: z.boolean() }),
  headline: z.string(),
});

/** A child campaign as the tournament sees it. */
export const TournamentChildViewSchema = z.object({
  allocator: z.string(),
  threads: z.number().int().nullable(),
  campaign_id: z.string(),
  /** The campaign's state; `not_created` for a child of a tournament still `creating` (or cancelled while it was). */
  state: z.string(),
  stop_reason: z.string().optional(),
  budget_trials: z.number().int(),
  explored: z.number().int(),
});

/** The result at one thread count (or the only one without a sweep). */
export const ThreadResultSchema = z.object({
  threads: z.number().int().nullable(),
  round: z.object({
    status: z.string(),
    reason: z.string().optional(),
    /** Which worker ran (or runs) which blocks (from the round's block_workers). */
    workers: z.array(z.object({ worker: z.string(), blocks: z.array(z.number().int()) })),
    blocks: z.number().int(),
    trials: z.number().int(),
    notes: z.array(z.string()),
  }),
  ranking: z.array(TournamentRowSchema),
  /** The winner: the top claimed row, else the baseline (what you run today stays). */
  winner: TournamentRowSchema.nullable(),
  worth: SwitchingWorthSchema.nullable(),
  children: z.array(TournamentChildViewSchema),
});
export type ThreadResult = z.infer<typeof ThreadResultSchema>;

/** `GET /v1/tournaments/:id/leaderboard` and the body of its JSON export: derived from the children and the final rounds. */
export const TournamentViewSchema = z.object({
  tournament_id: z.string(),
  name: z.string(),
  state: TournamentStateSchema,
  stop_reason: z.string().optional(),
  baseline_allocator: z.string(),
  objective: z.object({ metric: z.string(), direction: z.enum(['min', 'max']), key: z.string() }),
  per_threads: z.array(ThreadResultSchema),
  /** One sentence per thread count: who won, what switching and tuning are worth. */
  headline: z.array(z.string()),
});
export type TournamentView = z.infer<typeof TournamentViewSchema>;
