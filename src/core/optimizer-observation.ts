import { z } from 'zod';

/** A metric summarised over the repeats of one trial: sample mean, sample variance of one repeat, count. */
export const MetricEstimateSchema = z.object({
  mean: z.number(),
  variance: z.number().nonnegative(),
  n: z.number().int().positive(),
});
export type MetricEstimate = z.infer<typeof MetricEstimateSchema>;

/**
 * A metric as a campaign names it: `<workload label>.<name>` or a bare name (`p99_us`,
 * `harness:fragmentation.rss_bytes_at_300ms`). Which names exist is checked against the workloads later.
 */
export const MetricNameSchema = z.string().min(1).max(160).regex(/^[a-z][a-z0-9_:.-]*$/, 'a metric name: lower-case letters, digits and _ : . - (at most 160)');

/** What the campaign optimises: one metric and whether lower or higher is better. */
export const ObjectiveSpecSchema = z
  .object({
    metric: MetricNameSchema,
    direction: z.enum(['min', 'max']),
  })
  .strict();
export type ObjectiveSpec = z.infer<typeof ObjectiveSpecSchema>;

/** A target in the metric's own units: `metric <= max` or `metric >= min`. */
export const AbsoluteConstraintSpecSchema = z.union([
  z.object({ metric: MetricNameSchema, max: z.number() }).strict(),
  z.object({ metric: MetricNameSchema, min: z.number() }).strict(),
]);
export type AbsoluteConstraintSpec = z.infer<typeof AbsoluteConstraintSpecSchema>;

/**
 * A target a feasible config must meet: absolute (`max`, `min`) or relative to the baseline's
 * measured mean (`max_ratio_to_baseline: 1.03` = at most 3 % above the baseline). A relative target
 * becomes an absolute limit once the baseline has been measured; until then nothing meets it.
 */
export const ConstraintSpecSchema = z.union([
  ...AbsoluteConstraintSpecSchema.options,
  // The ratio's range is checked at campaign setup, so the 400 names the field (a union only says "no variant matched").
  z.object({ metric: MetricNameSchema, max_ratio_to_baseline: z.number() }).strict(),
  z.object({ metric: MetricNameSchema, min_ratio_to_baseline: z.number() }).strict(),
]);
export type ConstraintSpec = z.infer<typeof ConstraintSpecSchema>;

/** `max` / `max_ratio_to_baseline` bound a metric from above, the others from below. */
export function constraintBound(c: ConstraintSpec): 'max' | 'min' {
  return 'max' in c || 'max_ratio_to_baseline' in c ? 'max' : 'min';
}

/** The ratio to the baseline of a relative constraint, undefined for an absolute one. */
export function baselineRatio(c: ConstraintSpec): number | undefined {
  return 'max_ratio_to_baseline' in c ? c.max_ratio_to_baseline : 'min_ratio_to_baseline' in c ? c.min_ratio_to_baseline : undefined;
}

/**
 * One finished trial as the optimizer sees it: the config as a unit-hypercube vector, the objective
 * and each constrained metric. `objective` is absent when the trial failed (bad config, crash); such a
 * point is treated as infeasible. `feasible` overrides the judgement from the constraint means.
 */
export const ObservationSchema = z.object({
  vector: z.array(z.number().min(0).max(1)),
  objective: MetricEstimateSchema.optional(),
  constraints: z.record(z.string(), MetricEstimateSchema).default({}),
  feasible: z.boolean().optional(),
  /**
   * A warm-start observation from an earlier campaign: it teaches the model but does not make its
   * config "already measured", so the new campaign may measure it again as its own trial.
   */
  prior: z.boolean().optional(),
});
export type Observation = z.infer<typeof ObservationSchema>;
