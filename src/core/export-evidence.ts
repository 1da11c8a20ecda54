import { z } from 'zod';
import { ConfigSchema, ConfigValueSchema } from './config.js';
import { EnvMapSchema } from './safe-text.js';

/** A metric of one config: mean with a confidence interval over its measurements. */
export const MetricEvidenceSchema = z.object({
  mean: z.number(),
  ci_low: z.number(),
  ci_high: z.number(),
  n: z.number().int().min(0),
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

/** Everything an export carries besides the setting itself. */
export const ExportEvidenceSchema = z.object({
  campaign_id: z.string(),
  campaign_name: z.string(),
  allocator: z.string(),
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
  generated_at: z.string(),
});
export type ExportEvidence = z.infer<typeof ExportEvidenceSchema>;
