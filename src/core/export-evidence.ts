import { z } from 'zod';
import { DefinitionSnapshotSchema } from './definition-snapshot.js';
import { ConfigSchema, ConfigValueSchema } from './config.js';
import { RevertOutcomeSchema } from './campaign-record.js';
import { EnvMapSchema } from './safe-text.js';

/** How an interval was computed: see src/service/metric-interval-method.ts for which metric gets which. */
export const IntervalMethodSchema = z.enum(['log-t', 'median-order', 'none']);
export type IntervalMethod = z.infer<typeof IntervalMethodSchema>;

/**
 * A 95 % interval as computed, with its method named: `log-t` is a Student t interval on the logs,
 * for the geometric mean (both ends stay positive); `median-order` is the distribution-free
 * order-statistic interval for the median (robust for heavy-tailed latencies); `none` means there is
 * no interval (one sample, or the per-repeat values were not recorded) and says why.
 */
export const IntervalSchema = z.object({
  method: IntervalMethodSchema,
  /** The estimate the interval is for: the geometric mean (log-t), the median (median-order); null for none. */
  center: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** Coverage: 0.95, or less when n is too small for an order-statistic interval to reach it (n=3: 0.75). */
  level: z.number().nullable(),
  n: z.number().int().min(0),
  /** Why there is no interval (method none), or why the method differs from the metric's usual one. */
  note: z.string().optional(),
});
export type Interval = z.infer<typeof IntervalSchema>;

/** A metric of one config: mean, count and the interval computed for it. */
export const MetricEvidenceSchema = z.object({
  mean: z.number(),
  n: z.number().int().min(0),
  interval: IntervalSchema,
  /** `interval.low`/`interval.high`, kept for older clients; absent when there is no interval. */
  ci_low: z.number().optional(),
  ci_high: z.number().optional(),
});
export type MetricEvidence = z.infer<typeof MetricEvidenceSchema>;

/** One configuration as exported: what to set, what it measured, what the allocator read back. */
export const ConfigEvidenceSchema = z.object({
  label: z.string(),
  config: ConfigSchema,
  env: EnvMapSchema,
  metrics: z.record(z.string(), MetricEvidenceSchema),
  effective_options: z.record(z.string(), ConfigValueSchema).default({}),
});
export type ConfigEvidence = z.infer<typeof ConfigEvidenceSchema>;

/** The confirmatory paired test behind a "better than baseline" claim. */
export const ClaimSchema = z.object({
  metric: z.string(),
  direction: z.enum(['min', 'max']),
  improvement_pct: z.number(),
  test: z.string(),
  pairs: z.number().int(),
  wins: z.number().int(),
  p_value: z.number(),
  /** After correction for the number of claims (Holm). */
  p_adjusted: z.number(),
});
export type Claim = z.infer<typeof ClaimSchema>;

/** A bound that JSON may have turned into null (an interval end that is unbounded). */
const Bound = z.number().nullable();

/** One knob of the exported config: its value, the baseline's, and its measured share of the gain. */
export const KnobEvidenceSchema = z.object({
  knob: z.string(),
  value: ConfigValueSchema,
  /** What the baseline runs with (read back); absent when the baseline does not set it. */
  baseline_value: ConfigValueSchema.optional(),
  /** Share of the gain lost when this knob alone was reverted (distillation), with its interval. */
  share: z.number().optional(),
  share_low: Bound.optional(),
  share_high: Bound.optional(),
  /**
   * Why the distillation kept it: `carries_gain` (reverting it was shown to cost more than the
   * margin), `inconclusive` (the noise was too large to tell), `untested` (the step budget ran out).
   */
  distill_outcome: z.enum(['carries_gain', 'inconclusive', 'untested']).optional(),
  distill_summary: z.string().optional(),
});
export type KnobEvidence = z.infer<typeof KnobEvidenceSchema>;

/** A guard metric's paired change against the baseline and its verdict. */
export const GuardEvidenceSchema = z.object({
  metric: z.string(),
  direction: z.enum(['min', 'max']),
  margin_pct: z.number(),
  status: z.enum(['ok', 'regressed', 'inconclusive', 'too_few_pairs', 'not_measured']),
  /** Relative change (candidate / baseline - 1) with its interval, over `pairs` pairs. */
  change_pct: Bound.optional(),
  change_low_pct: Bound.optional(),
  change_high_pct: Bound.optional(),
  pairs: z.number().int().optional(),
  summary: z.string(),
});
export type GuardEvidence = z.infer<typeof GuardEvidenceSchema>;

/** Whether any measured config met a constraint, and if not by how much it was missed. */
export const ReachEvidenceSchema = z.object({
  metric: z.string(),
  relation: z.enum(['<=', '>=']),
  limit: z.number(),
  met_by: z.number().int(),
  measured: z.number().int(),
  baseline_value: z.number().optional(),
  shortfall: z.number(),
  floor: z.number().optional(),
  message: z.string(),
});
export type ReachEvidence = z.infer<typeof ReachEvidenceSchema>;

/** The distillation round behind a minimal export: each revert tried, and the minimal config's confirmation. */
/** One decided revert step, as the export states it. */
const DistillStepEvidenceSchema = z.object({
  /** The knob, or a group's knobs joined by `+`. */
  knob: z.string(),
  /** Every knob the step reverted together (one for a single step). */
  knobs: z.array(z.string()),
  outcome: RevertOutcomeSchema,
  from: ConfigValueSchema,
  to: ConfigValueSchema.optional(),
  kept: z.boolean(),
  /** Loss of reverting it (relative, positive = worse whatever the objective's direction). */
  loss_pct: Bound,
  /** Relative change of the objective when reverted (signed as the objective moves) and its interval. */
  change_pct: Bound,
  change_low_pct: Bound,
  change_high_pct: Bound,
  pairs: z.number().int(),
  /** One standard deviation of the per-pair ratio, in percent (the noise the step had to see through), and the margin. */
  spread_pct: Bound.optional(),
  margin_pct: z.number().optional(),
  reason: z.string(),
  /** Why it was tried at that point (regressed guard driver, or least important first). */
  order_reason: z.string().optional(),
});

export const DistillEvidenceSchema = z.object({
  status: z.string(),
  reason: z.string(),
  /** Trials the round spent (winner and references). */
  trials: z.number().int(),
  steps: z.array(DistillStepEvidenceSchema),
  /** What the round concluded for each changed knob of the winner (reverted, carries_gain, inconclusive, untested, reverted_untested). */
  knobs: z
    .array(z.object({ knob: z.string(), outcome: z.enum(['reverted', 'carries_gain', 'inconclusive', 'untested', 'reverted_untested']), step: z.string().optional(), summary: z.string() }))
    .default([]),
  /** Set when some kept knobs were never shown to carry gain: "not fully distilled: 2 knobs kept inconclusive (a, b)". */
  not_fully_distilled: z.string().optional(),
  /**
   * Set when the step budget left knobs with a known or unmeasured cost untested: those reverted
   * (`distill.untested: revert_traps`) or kept, each with why ("tcache=false is a known throughput trap: ...").
   */
  untested_risks: z.string().optional(),
  confirmed: z.boolean().optional(),
  /** Each other confirmed reference, distilled: the knobs that carry its gain and those that contribute nothing. */
  references: z
    .array(
      z.object({
        arm: z.string(),
        status: z.string(),
        reason: z.string(),
        carries: z.array(z.string()),
        contributes_nothing: z.array(z.string()),
        inconclusive: z.array(z.string()).default([]),
        steps: z.array(DistillStepEvidenceSchema),
      }),
    )
    .default([]),
});
export type DistillEvidence = z.infer<typeof DistillEvidenceSchema>;

/** Total-effect importance of the searched knobs for one metric. */
export const ImportanceEvidenceSchema = z.object({
  metric: z.string(),
  method: z.string(),
  trials: z.number().int(),
  knobs: z.array(z.object({ name: z.string(), total: z.number(), total_low: z.number(), total_high: z.number() })),
});

/** A trace workload's fidelity as exported (src/service/trace-fidelity-evidence.ts). */
export const TraceFidelityEvidenceSchema = z.object({
  workload: z.string(),
  trace: z.string(),
  /** Replayed op count and peak live bytes equal the recording's. */
  match: z.boolean(),
  recorded_ops: z.number().int(),
  replayed_ops: z.number().int(),
  recorded_peak_live_bytes: z.number().int(),
  replayed_peak_live_bytes: z.number().int(),
  /** The recorded program's peak RSS (its sidecar); null when unknown. */
  original_peak_rss_bytes: z.number().nullable(),
  replay_peak_rss_bytes: z.number(),
  peak_rss_ratio: z.number().nullable(),
  summary: z.string(),
});
export type TraceFidelityEvidence = z.infer<typeof TraceFidelityEvidenceSchema>;

/** Everything an export carries besides the setting itself. */
export const ExportEvidenceSchema = z.object({
  campaign_id: z.string(),
  campaign_name: z.string(),
  allocator: z.string(),
  /** The allocator definition the campaign ran with: its snapshot and sha256 (absent for campaigns stored before snapshots). */
  definition: DefinitionSnapshotSchema.optional(),
  /** True only when the winner won a confirmatory paired test against the baseline. */
  beats_baseline: z.boolean(),
  /** Plain-language verdict, e.g. "nothing beat the baseline; exporting the baseline". */
  verdict: z.string(),
  chosen: ConfigEvidenceSchema,
  baseline: ConfigEvidenceSchema,
  claims: z.array(ClaimSchema).default([]),
  /** Duel record: pairs run and won per challenger against the baseline. */
  duels: z
    .array(z.object({ challenger: z.string(), opponent: z.string(), pairs: z.number().int(), wins: z.number().int(), metric: z.string() }))
    .default([]),
  preload: z.string().optional(),
  /** Metric keys the campaign judged (objective, constraints): text formats show these; JSON has all. */
  focus_metrics: z.array(z.string()).default([]),
  /** `minimal`: only the knobs that differ from what the baseline runs with (distilled when confirmed); `full`: the winner as found. */
  variant: z.enum(['minimal', 'full']).default('full'),
  /** How the recommendation reads once its guards are judged: an improvement, a trade-off, or nothing to recommend. */
  recommendation: z.object({ kind: z.enum(['improvement', 'trade_off', 'none']), headline: z.string() }).optional(),
  knobs: z.array(KnobEvidenceSchema).default([]),
  guards: z.array(GuardEvidenceSchema).default([]),
  reachability: z.array(ReachEvidenceSchema).default([]),
  distillation: DistillEvidenceSchema.optional(),
  importance: z.array(ImportanceEvidenceSchema).default([]),
  /** Setup notes (e.g. knobs the target overrides, not searched). */
  notes: z.array(z.string()).default([]),
  /** Per trace workload: how faithfully the chosen config's replay reproduced the recording. */
  trace_fidelity: z.array(TraceFidelityEvidenceSchema).default([]),
  /**
   * On what the winner was found and on what it was confirmed: exploration ran the spec's `explore_with`
   * workloads (`found_on: low`) or the full ones; duels and distillation always the full ones.
   */
  fidelity: z.object({ found_on: z.enum(['low', 'full']), confirmed_on: z.literal('full'), explore_workloads: z.string(), confirm_workloads: z.string() }).optional(),
  /** Exploration trials the worker cut short after their first repeats (clearly worse than the baseline or a limit). */
  cut_short_trials: z.number().int().min(0).optional(),
  generated_at: z.string(),
});
export type ExportEvidence = z.infer<typeof ExportEvidenceSchema>;
