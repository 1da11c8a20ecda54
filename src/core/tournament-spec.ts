import { z } from 'zod';
import { BaselineSpecSchema, BudgetSchema, CampaignSpecSchema } from './campaign-spec.js';
import { printableText } from './safe-text.js';
import { SpaceOverridesSchema } from './search-space.js';
import { AllocatorNameSchema } from './trial-job.js';

const ThreadCountSchema = z.number().int().min(1).max(256);

/**
 * What every child campaign of a tournament shares: the campaign spec without the allocator-bound
 * fields (allocator, space overrides, baseline, references, warm start), which a tournament sets per child.
 */
const SharedCampaignShape = CampaignSpecSchema.omit({ name: true, allocator: true, space: true, baseline: true, references: true, warm_start: true, budget: true }).shape;

/**
 * An allocator tournament (`POST /v1/tournaments`, `alloctune tournament start FILE`): one ordinary
 * child campaign per allocator (and per thread count with `threads`), each tuned with its share of
 * the trial budget, then per thread count a final round that duels, each block on one worker, each
 * allocator's defaults and each allocator's confirmed best config against the baseline (the
 * baseline allocator's defaults: what you run today).
 */
export const TournamentSpecSchema = z
  .object({
    name: printableText(120),
    allocators: z
      .array(AllocatorNameSchema)
      .min(1)
      .max(8)
      .refine((names) => new Set(names).size === names.length, 'allocators must differ'),
    /** The allocator run today. Absent: the first listed. */
    baseline_allocator: AllocatorNameSchema.optional(),
    /**
     * How the baseline allocator is configured today (MALLOC_CONF text, an environment map or a
     * config, read against its space): the baseline of its child and of the final rounds, where its
     * defaults then become one more arm. Absent: its defaults.
     */
    baseline: BaselineSpecSchema.optional(),
    /**
     * Thread counts to sweep: every harness workload runs with `threads` set to each (one child per
     * allocator and count, one final round per count). Absent: the workloads as given.
     */
    threads: z
      .array(ThreadCountSchema)
      .min(1)
      .max(8)
      .refine((t) => new Set(t).size === t.length, 'thread counts must differ')
      .optional(),
    /**
     * Relative share of the trial budget per allocator (e.g. `{ "jemalloc": 2, "glibc": 1 }`);
     * allocators not named get 1. Absent: equal shares.
     */
    budget_split: z.record(z.string(), z.number().gt(0).max(1000)).optional(),
    /**
     * `trials`: explore trials of the whole tournament, split over its children (each at least 1);
     * `minutes`: the wall-time cap of each child (children run side by side on the shared workers).
     */
    budget: BudgetSchema.prefault({}),
    /** Search-space overrides per allocator (the other allocators search their whole space). */
    spaces: z.record(z.string(), SpaceOverridesSchema).optional(),
    ...SharedCampaignShape,
  })
  .strict();
export type TournamentSpec = z.infer<typeof TournamentSpecSchema>;
export type TournamentSpecInput = z.input<typeof TournamentSpecSchema>;
