import type { SearchSpace } from '../core/search-space.js';
import type { WorkloadSpec } from '../core/trial-job.js';

/** A knob that a target program sets itself at run time (a definition's `target_overrides` entry). */
export type TargetOverride = SearchSpace['target_overrides'][number];

/**
 * The knobs every workload of a campaign overrides (only when all of them do: one that does not
 * still measures the knob), from the allocator's definition. workers/runners/redis/jemalloc-options.ts
 * reports them as `malloc_conf_check.overrides`: searching them measures nothing but noise.
 */
export function overriddenKnobs(space: Pick<SearchSpace, 'target_overrides'>, workloads: readonly WorkloadSpec[]): TargetOverride[] {
  return space.target_overrides.filter((o) => workloads.length > 0 && workloads.every((w) => w.kind === o.workload));
}
