import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { ConstraintSpecSchema, ObjectiveSpecSchema } from './optimizer-observation.js';
import { EnvMapSchema, IdSchema, printableText } from './safe-text.js';
import { SpaceFileSchema, SpaceOverridesSchema } from './search-space.js';
import { AllocatorNameSchema, WorkloadSpecSchema } from './trial-job.js';
import { WorkerSelectorSchema } from './worker-labels.js';

/**
 * The configuration every candidate is compared with: today's production setting as a MALLOC_CONF
 * string or an environment map, an explicit config, or (absent) the allocator's defaults.
 */
export const BaselineSpecSchema = z.union([
  z.object({ malloc_conf: z.string().max(4096) }).strict(),
  z.object({ env: EnvMapSchema }).strict(),
  z.object({ config: ConfigSchema }).strict(),
]);
export type BaselineSpec = z.infer<typeof BaselineSpecSchema>;

const ReferenceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a lower-case name')
  .refine((n) => n !== 'baseline' && n !== 'placebo' && !/^t\d+$/.test(n), 'baseline, placebo and t<number> are taken');

/**
 * A configuration the user wants compared besides the baseline (e.g. a setting from a tuning guide):
 * measured like the baseline and dueled against it in the confirmation round.
 */
export const ReferenceSpecSchema = z.union([
  z.object({ name: ReferenceNameSchema, malloc_conf: z.string().max(4096) }).strict(),
  z.object({ name: ReferenceNameSchema, env: EnvMapSchema }).strict(),
  z.object({ name: ReferenceNameSchema, config: ConfigSchema }).strict(),
]);
export type ReferenceSpec = z.infer<typeof ReferenceSpecSchema>;

/**
 * How a confirmation duel decides. `sequential` (default): after `min_pairs` pairs and after each
 * further pair, claim / stop for futility / continue at the family-wise alpha (repeated p-values with
 * an alpha-spending function over the looks, Holm over the claims), up to `max_pairs`; a paired t
 * test on log ratios where the pairs show no outlier, the exact Wilcoxon test otherwise
 * (src/optimizer/duel/sequential-confirmation.ts). `fixed`: `duel.pairs` pairs, then the exact
 * Wilcoxon test with Holm.
 */
export const ConfirmSettingsSchema = z
  .object({
    rule: z.enum(['sequential', 'fixed']).default('sequential'),
    min_pairs: z.number().int().min(3).max(100).default(3),
    max_pairs: z.number().int().min(3).max(100).default(12),
    spending: z.enum(['obrien-fleming', 'pocock']).default('obrien-fleming'),
    test: z.enum(['auto', 'wilcoxon', 't']).default('auto'),
  })
  .strict()
  .refine((c) => c.min_pairs <= c.max_pairs, { message: 'min_pairs must not exceed max_pairs', path: ['min_pairs'] });
export type ConfirmSettings = z.infer<typeof ConfirmSettingsSchema>;

/** Paired comparisons that rank noisy candidates and confirm a winner against the baseline. */
export const DuelSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How many leading feasible candidates are dueled against the baseline. */
    candidates: z.number().int().min(1).max(10).default(3),
    /** A/B pairs per duel, run interleaved on one worker. */
    pairs: z.number().int().min(3).max(100).default(8),
    /** Family-wise significance level of the confirmatory tests (Holm-corrected). */
    alpha: z.number().gt(0).lt(0.5).default(0.05),
    /**
     * Smallest relative improvement worth claiming, in percent. Absent: chosen from the objective
     * metric's measured noise (memory 1%, throughput 3%, latency 10%).
     */
    min_effect_pct: z.number().min(0).max(100).optional(),
    /** The decision rule of the confirmation duels (sequential by default). */
    confirm: ConfirmSettingsSchema.prefault({}),
  })
  .strict();

/** `distill.untested`: see {@link DistillSettingsSchema}. */
export const DistillUntestedSchema = z.enum(['revert_traps', 'keep']);
export type DistillUntested = z.infer<typeof DistillUntestedSchema>;

/**
 * The distillation round after confirmation: the confirmed winner's changed knobs are reverted to
 * the baseline's effective value (the least important ones together first, then one at a time,
 * least important first), each revert checked in interleaved pairs against the config it came
 * from; reverts that cost nothing are kept, and the smallest config is then confirmed against the
 * baseline.
 */
export const DistillSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** A/B pairs each revert step starts with (the non-inferiority t test needs at least 2). */
    pairs: z.number().int().min(2).max(50).default(4),
    /**
     * Most pairs a step may grow to while it cannot tell (2 more at a time; it stops early when the
     * measured spread says even this many would not decide). Below `pairs`: `pairs`.
     */
    max_pairs: z.number().int().min(2).max(100).default(12),
    /**
     * Largest loss on the objective, in percent, a revert may cost and still be taken (e.g. 3:
     * "keep reverts that cost under 3 %"). Absent: the practical threshold (`duel.min_effect_pct`
     * or the metric's default).
     */
    margin_pct: z.number().gt(0).max(50).optional(),
    /**
     * Before the single steps, the least important changed knobs whose importance shares sum to
     * under this percent of the total (at least 2 knobs) are reverted together in one step; 0: never.
     */
    group_share_pct: z.number().min(0).max(50).default(10),
    /** Most revert steps the round takes (knobs beyond are untested, with that reason; see `untested`). */
    max_steps: z.number().int().min(1).max(64).default(12),
    /**
     * What becomes of a winner's knob that `max_steps` left untested when it carries a risk (its
     * value is a trap of the space file, or it may drive a guard not shown to hold): `revert_traps`
     * sets it back to the baseline's value in the minimal config, which the final duel then confirms
     * against the baseline; `keep` ships it as found. Either way the export names it and why.
     */
    untested: DistillUntestedSchema.default('revert_traps'),
  })
  .strict();
export type DistillSettings = z.infer<typeof DistillSettingsSchema>;

/**
 * A metric a recommended change must not hurt: the paired change against the baseline may cost at
 * most `margin_pct` percent (e.g. 3 for throughput, 10 for tail latency).
 */
export const GuardSpecSchema = z
  .object({
    metric: z.string().min(1),
    direction: z.enum(['min', 'max']),
    margin_pct: z.number().gt(0).max(100),
  })
  .strict();
export type GuardSpecInput = z.infer<typeof GuardSpecSchema>;

/** What a campaign may spend. */
export const BudgetSchema = z
  .object({
    trials: z.number().int().min(1).max(10_000).default(40),
    minutes: z.number().gt(0).max(7 * 24 * 60).default(60),
  })
  .strict();

/** Re-run a measurement taken under more CPU steal than this. */
export const NoiseSettingsSchema = z
  .object({
    steal_max_pct: z.number().min(0).max(100).default(2),
    steal_max_reruns: z.number().int().min(0).max(10).default(3),
    /**
     * Interference gate: re-run a measurement when the worker's spin probe, timed on the target CPUs
     * before and after it, ran more than this many percent slower than the worker's calibrated
     * reference (same re-run budget as steal). Absent: off (on a shared VM the probe itself varies
     * 2x under co-tenant load; set it on dedicated benchmark hosts, e.g. 30).
     */
    interference_max_slowdown_pct: z.number().min(1).max(1000).optional(),
  })
  .strict();

/**
 * Cutting clearly bad exploration trials short (worker side, src/core/cut-short.ts; limits from
 * src/service/cut-short-rule.ts). After `after_repeats` repeats an exploration trial stops when the
 * mean of those repeats is worse than the baseline's worst repeat by more than
 * `sqrt(1 + 1/after_repeats) * t(df, 1 - false_cut_rate)` pooled per-repeat sds (log scale), or beyond a
 * constraint's limit by `t(df, 1 - false_cut_rate) / sqrt(after_repeats)` sds: a config at least as
 * good as the baseline (or just feasible) is cut with probability at most `false_cut_rate` under
 * log-normal noise. Needs `repeats` above `after_repeats` and a pooled noise estimate with at least
 * `min_noise_df` degrees of freedom; tail-latency metrics never cut (one repeat of a p99 can be 8x
 * the others). Off by default (see experiments/optimizer-replay/results/cut-short.md).
 */
export const CutShortSettingsSchema = z
  .object({
    enabled: z.boolean().default(false),
    after_repeats: z.number().int().min(1).max(49).default(1),
    false_cut_rate: z.number().gt(0).max(0.05).default(0.001),
    min_noise_df: z.number().int().min(2).max(1000).default(4),
  })
  .strict();
export type CutShortSettings = z.infer<typeof CutShortSettingsSchema>;

/**
 * A cheaper variant of the workloads for exploration (low fidelity): the baseline, placebo,
 * reference and exploration trials run these, so the sampler sees low-fidelity observations only;
 * confirmation duels and distillation pairs always run `workloads` (full fidelity). Each entry must
 * be the same kind with the same label as the workload at its index (only its size differs), so the
 * objective and constraint keys mean the same on both (checked at setup: src/service/explore-with-check.ts).
 */
export const ExploreWithSchema = z
  .object({
    workloads: z.array(WorkloadSpecSchema).min(1).max(8),
    /** A short description for the export, e.g. "100k ops instead of 1M". */
    note: printableText(200).optional(),
    /**
     * The metric the low-fidelity trials are ranked on when it differs from the campaign's objective
     * (e.g. a replay's `rss_minus_replayer_bytes_at_1000ms`, net of exactly the replayer's own tables), with
     * the objective's direction; duels and distillation stay on the campaign's objective.
     */
    objective: z.string().min(1).max(200).optional(),
  })
  .strict();
export type ExploreWith = z.infer<typeof ExploreWithSchema>;

/** `warm_start`: campaign ids, or `auto` (see src/service/warm-start.ts). */
export const WarmStartSpecSchema = z.union([z.array(IdSchema).min(1).max(8), z.literal('auto')]);
export type WarmStartSpec = z.infer<typeof WarmStartSpecSchema>;

/**
 * A campaign as submitted (`POST /v1/campaigns`, `alloctune campaign start FILE`). It names an
 * allocator, never a library file: each worker preloads the one its own configuration declares.
 */
export const CampaignSpecSchema = z
  .object({
    name: printableText(120),
    allocator: AllocatorNameSchema,
    /**
     * The allocator's definition, sent with the campaign (same schema as a space file, `allocator`
     * equal to the spec's): a view over a definition the service loads, under a name of its own
     * (src/spaces/definition-view.ts). Absent: the registered definition of `allocator`. Either way the
     * definition is snapshotted into the campaign record (`definition`) at creation.
     */
    definition: SpaceFileSchema.optional(),
    space: SpaceOverridesSchema.optional(),
    baseline: BaselineSpecSchema.optional(),
    references: z
      .array(ReferenceSpecSchema)
      .max(4)
      .default([])
      .refine((refs) => new Set(refs.map((r) => r.name)).size === refs.length, 'reference names must differ'),
    workloads: z.array(WorkloadSpecSchema).min(1).max(8),
    objective: ObjectiveSpecSchema,
    constraints: z.array(ConstraintSpecSchema).max(8).default([]),
    budget: BudgetSchema.prefault({}),
    repeats: z.number().int().min(1).max(50).default(2),
    duel: DuelSettingsSchema.prefault({}),
    distill: DistillSettingsSchema.prefault({}),
    /** Metrics a change must not hurt; absent: each workload kind's own (src/service/guard-catalogue.ts); `[]`: none. */
    guards: z.array(GuardSpecSchema).max(16).optional(),
    noise: NoiseSettingsSchema.prefault({}),
    sampler: z.enum(['random', 'gp', 'ensemble']).default('gp'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /** Only workers carrying all these labels take the campaign's trials. */
    worker_labels: WorkerSelectorSchema.default({}),
    /**
     * Earlier campaigns whose measured configs seed the sampler (same allocator, workloads, objective
     * and search space; checked at creation), or `auto`: the most recent finished campaigns that match.
     */
    warm_start: WarmStartSpecSchema.optional(),
    /** Cut clearly bad exploration trials short after their first repeat(s) (off by default). */
    cut_short: CutShortSettingsSchema.prefault({}),
    /** Low-fidelity workloads for exploration; confirmation always runs `workloads`. */
    explore_with: ExploreWithSchema.optional(),
  })
  .strict();
export type CampaignSpec = z.infer<typeof CampaignSpecSchema>;
export type CampaignSpecInput = z.input<typeof CampaignSpecSchema>;
