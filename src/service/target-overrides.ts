import type { CampaignSpec } from '../core/campaign-spec.js';
import type { WorkloadSpec } from '../core/trial-job.js';

type AllocatorName = CampaignSpec['allocator'];

/** A knob that a target program sets itself at run time, whatever the allocator's environment says. */
interface TargetOverride {
  kind: WorkloadSpec['kind'];
  allocator: AllocatorName;
  knob: string;
  why: string;
}

/**
 * Knobs a target overrides (workers/runners/redis/jemalloc-options.ts reports them as
 * `malloc_conf_check.overrides`): searching them measures nothing but noise.
 */
export const TARGET_OVERRIDES: readonly TargetOverride[] = [
  {
    kind: 'redis',
    allocator: 'jemalloc',
    knob: 'background_thread',
    why: "Redis sets jemalloc's background_thread from its own jemalloc-bg-thread config (default yes), overriding MALLOC_CONF",
  },
];

/** The knobs every workload of a campaign overrides (only when all of them do: one that does not still measures the knob). */
export function overriddenKnobs(allocator: AllocatorName, workloads: readonly WorkloadSpec[]): TargetOverride[] {
  return TARGET_OVERRIDES.filter((o) => o.allocator === allocator && workloads.length > 0 && workloads.every((w) => w.kind === o.kind));
}
