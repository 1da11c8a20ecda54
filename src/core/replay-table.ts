import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { AbsoluteConstraintSpecSchema, ObjectiveSpecSchema } from './optimizer-observation.js';
import { SpaceOverridesSchema } from './search-space.js';

/** Which search space a table's configs belong to: an allocator, optionally with campaign overrides. */
export const ReplaySpaceSchema = z.union([
  z.string().min(1),
  z.object({ allocator: z.string().min(1), overrides: SpaceOverridesSchema.optional() }).strict(),
]);
export type ReplaySpace = z.infer<typeof ReplaySpaceSchema>;

/**
 * A replay table: repeated real measurements of many configs of one space, so optimizers can be
 * compared offline. `baseline_row` is the row the placebo copies (default 0: the defaults).
 */
export const ReplayTableSchema = z.object({
  space: ReplaySpaceSchema,
  objective: ObjectiveSpecSchema,
  constraints: z.array(AbsoluteConstraintSpecSchema).default([]),
  baseline_row: z.number().int().nonnegative().default(0),
  /** How the measurements were taken (workload, parameters, machine, date). */
  provenance: z.record(z.string(), z.unknown()).optional(),
  rows: z
    .array(
      z.object({
        config: ConfigSchema,
        samples: z.array(z.record(z.string(), z.number())).min(1),
      }),
    )
    .min(2),
});
export type ReplayTable = z.infer<typeof ReplayTableSchema>;
/** A table as written to a file (defaults may be left out). */
export type ReplayTableInput = z.input<typeof ReplayTableSchema>;
