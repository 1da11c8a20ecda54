import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { MetricEvidenceSchema } from './export-evidence.js';
import { EnvMapSchema } from './safe-text.js';

/**
 * A number that JSON may carry as null: a non-finite value (a relative constraint's limit before
 * the baseline is measured is NaN in memory) is serialised as null.
 */
const JsonNumber = z.number().nullable();

/** One config's rating on the Elo scale (400 points = 10:1 odds), with its standard error. */
export const RatingSchema = z.object({
  id: z.string(),
  rating: z.number(),
  rating_sd: z.number(),
  /** Duel outcomes involving this config (ties count as one). */
  games: z.number(),
});
export type Rating = z.infer<typeof RatingSchema>;

/** The confirmatory verdict on one "better than baseline" claim. */
export const ClaimVerdictSchema = z.object({
  id: z.string(),
  pairs: z.number().int(),
  /** Median over pairs of the relative improvement over the baseline (positive = better). */
  relative_effect: z.number(),
  p_value: z.number(),
  /** Holm-adjusted over every claim judged together. */
  p_adjusted: z.number(),
  better_than_baseline: z.boolean(),
  reason: z.string(),
  /** The test, named for the record. */
  test: z.string(),
  /** Which rule decided: a fixed number of pairs (paired-verdict.ts) or the sequential rule (sequential-confirmation.ts). */
  rule: z.enum(['fixed', 'sequential']),
  /** Sequential rule only: claim / futile / continue, and the look it stands at (1 = after min_pairs pairs). */
  action: z.enum(['claim', 'futile', 'continue']).optional(),
  look: z.number().int().optional(),
});
export type ClaimVerdict = z.infer<typeof ClaimVerdictSchema>;

/** The two arms of a duel and the objective values of its completed pairs, in pair order. */
export const DuelMeasurementsSchema = z.object({
  duel_id: z.string(),
  a: z.string(),
  b: z.string(),
  a_values: z.array(z.number()),
  b_values: z.array(z.number()),
  /** Pairs planned (completed or not). */
  planned: z.number().int(),
});
export type DuelMeasurements = z.infer<typeof DuelMeasurementsSchema>;

/** A constraint of the campaign as met (or not) by one config. */
export const ConstraintStatusSchema = z.object({
  metric: z.string(),
  bound: z.enum(['max', 'min']),
  /** The absolute limit; null in JSON for a relative constraint whose baseline is not measured yet. */
  limit: JsonNumber,
  value: MetricEvidenceSchema.optional(),
  met: z.boolean(),
});

/** One config on the leaderboard. `arm` is `baseline`, `placebo`, a reference's name or the label of an explored config. */
export const LeaderboardRowSchema = z.object({
  rank: z.number().int(),
  arm: z.string(),
  role: z.enum(['baseline', 'placebo', 'reference', 'explore']),
  config: ConfigSchema,
  env: EnvMapSchema,
  config_key: z.string(),
  trials: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  /** Distinct failure reasons (allocator messages, crashes), at most three. */
  errors: z.array(z.string()),
  objective: MetricEvidenceSchema.optional(),
  constraints: z.array(ConstraintStatusSchema),
  feasible: z.boolean(),
  rating: RatingSchema.optional(),
  verdict: ClaimVerdictSchema.optional(),
  beats_baseline: z.boolean(),
  /**
   * Set when a trial of this config was cut short by the worker (clearly worse than the baseline or a
   * limit after its first repeats), e.g. "cut after 1 of 3 repeats: ...": its metrics hold only those
   * repeats, and it is never taken into the confirmation round.
   */
  cut_short: z.array(z.string()).optional(),
  /**
   * `low`: the row's metrics come from exploration trials run on the spec's `explore_with` workloads
   * (e.g. a trace replay standing in for the program), never pooled with full-fidelity ones; absent:
   * measured on `workloads`. A low row's RSS is the replay's, not the program's.
   */
  fidelity: z.literal('low').optional(),
  /** Every pooled metric, for the trial table and the Pareto view. */
  metrics: z.record(z.string(), MetricEvidenceSchema),
});

/** The ranked configs of a campaign with the duel record (`GET /v1/campaigns/:id/leaderboard`). */
export const LeaderboardSchema = z.object({
  campaign_id: z.string(),
  state: z.string(),
  objective: z.object({ metric: z.string(), direction: z.enum(['min', 'max']) }),
  min_effect_pct: z.number(),
  rows: z.array(LeaderboardRowSchema),
  duels: z.array(DuelMeasurementsSchema.extend({ pairs_done: z.number().int() })),
  /** The placebo (a copy of the baseline) won its duel: the measurements cannot be trusted and no claim is made. */
  placebo_alarm: z.boolean(),
});

export type ConstraintStatus = z.infer<typeof ConstraintStatusSchema>;
export type LeaderboardRow = z.infer<typeof LeaderboardRowSchema>;
export type Leaderboard = z.infer<typeof LeaderboardSchema>;
