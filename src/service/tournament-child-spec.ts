import type { CampaignSpec } from '../core/campaign-spec.js';
import type { TournamentSpec } from '../core/tournament-spec.js';
import type { WorkloadSpec } from '../core/trial-job.js';

/** The workloads of one thread count: every harness workload with `threads` set (the others as given). */
export function workloadsAt(workloads: readonly WorkloadSpec[], threads: number | null): WorkloadSpec[] {
  if (threads === null) return [...workloads];
  return workloads.map((w) => (w.kind === 'harness' ? { ...w, args: { ...w.args, threads } } : w));
}

/**
 * The id of a tournament's child `index` (its place in the tournament's children): fixed with the
 * tournament, so that a service killed while creating the children finds which exist. `c` like
 * every campaign id, `_` keeps it apart from random ones (and from the `--` of job ids).
 */
export function childCampaignId(tournamentId: string, index: number): string {
  return `c${tournamentId.slice(1)}_${index + 1}`;
}

/** A child's name: the tournament's, with its allocator and thread count. */
export function childName(spec: Pick<TournamentSpec, 'name'>, allocator: string, threads: number | null): string {
  const suffix = threads === null ? ` [${allocator}]` : ` [${allocator}, ${threads} thread${threads === 1 ? '' : 's'}]`;
  // Campaign names are capped at 120 characters: the suffix is what tells children apart.
  return `${spec.name.slice(0, 120 - suffix.length)}${suffix}`;
}

/**
 * The ordinary campaign spec of one child: the tournament's shared settings, the allocator, its
 * space overrides, its share of the explore trials and the thread count's workloads. The baseline
 * is the allocator's defaults, except for the baseline allocator given a `baseline` (today's setting).
 */
export function childCampaignSpec(spec: TournamentSpec, allocator: string, threads: number | null, trials: number): CampaignSpec {
  const { allocators: _a, baseline_allocator: _b, threads: _t, budget_split: _s, spaces, budget, baseline, ...shared } = spec;
  const child: CampaignSpec = {
    ...shared,
    name: childName(spec, allocator, threads),
    allocator,
    references: [],
    workloads: workloadsAt(spec.workloads, threads),
    budget: { trials, minutes: budget.minutes },
  };
  const space = spaces?.[allocator];
  if (space !== undefined) child.space = space;
  // Today's setting belongs to the allocator run today; the others start from their defaults.
  if (baseline !== undefined && allocator === (spec.baseline_allocator ?? spec.allocators[0])) child.baseline = baseline;
  return child;
}
