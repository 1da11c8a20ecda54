import { z } from 'zod';
import type { AbsoluteConstraintSpec } from '../../core/optimizer-observation.js';
import { toUpperBound } from '../problem.js';

/** One measured config: metric key -> mean over its repeats (keys as the campaign resolved them). */
export interface MeasuredConfig {
  trial_id: string;
  role: string;
  metrics: Readonly<Record<string, number>>;
}

/** A floor that no allocator setting can get under, and why. */
export const ReachabilityFloorSchema = z.object({ value: z.number(), explanation: z.string() });
export type ReachabilityFloor = z.infer<typeof ReachabilityFloorSchema>;

/** Whether a constraint was met by anything measured, and if not by how much it was missed. */
export const ConstraintReachSchema = z.object({
  metric: z.string(),
  /** The constraint as the user wrote it: `<= limit` or `>= limit`. */
  relation: z.enum(['<=', '>=']),
  limit: z.number(),
  /** Configs (baseline, references and explored ones) that met it. */
  met_by: z.number().int(),
  measured: z.number().int(),
  /** The measured config closest to the limit. */
  best: z.object({ trial_id: z.string(), role: z.string(), value: z.number() }).optional(),
  baseline_value: z.number().optional(),
  /** How far the best config is from the limit, relative to the limit (0 when met). */
  shortfall: z.number(),
  floor: ReachabilityFloorSchema.optional(),
  message: z.string(),
});
export type ConstraintReach = z.infer<typeof ConstraintReachSchema>;

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(4)).toString();
}

/** The key of another metric of the same workload at the same snapshot, e.g. rss_file_bytes beside mem_fragmentation_ratio. */
function sibling(metric: string, name: string): string {
  const dot = metric.lastIndexOf('.');
  return dot < 0 ? name : `${metric.slice(0, dot + 1)}${name}`;
}

/**
 * For Redis, RSS = anonymous + file-backed pages, and only the anonymous part is the allocator's:
 * the executable and libraries (~9.5 MB RssFile for an empty Debian redis-server) stay whatever the
 * allocator does. Even a perfect allocator (resident == allocated ~= used_memory) leaves
 * mem_fragmentation_ratio >= 1 + RssFile / used_memory, so a limit under that cannot be met.
 */
function redisFragmentationFloor(metric: string, configs: readonly MeasuredConfig[]): ReachabilityFloor | undefined {
  const m = /(^|\.)mem_fragmentation_ratio_(at_\d+ms|after_load)$/.exec(metric);
  if (!m) return undefined;
  const at = m[2] as string;
  const floors: number[] = [];
  const allocatorFrag: number[] = [];
  for (const c of configs) {
    const file = c.metrics[sibling(metric, `rss_file_bytes_${at}`)];
    const used = c.metrics[sibling(metric, `used_memory_bytes_${at}`)];
    if (file !== undefined && used !== undefined && used > 0) floors.push(1 + file / used);
    const af = c.metrics[sibling(metric, `allocator_frag_ratio_${at}`)];
    if (af !== undefined) allocatorFrag.push(af);
  }
  if (floors.length === 0) return undefined;
  const floor = Math.min(...floors);
  const fileMb = Math.min(...configs.flatMap((c) => c.metrics[sibling(metric, `rss_file_bytes_${at}`)] ?? [])) / 2 ** 20;
  const af = allocatorFrag.length > 0 ? `; allocator_frag_ratio (what the allocator controls) measured ${fmt(Math.min(...allocatorFrag))}..${fmt(Math.max(...allocatorFrag))}` : '';
  return {
    value: floor,
    explanation: `file-backed RSS (RssFile, ${fileMb.toFixed(1)} MB of executable and libraries) alone keeps mem_fragmentation_ratio >= ${fmt(floor)} at this dataset size, whatever the allocator does${af}`,
  };
}

/**
 * Checks every constraint against everything the campaign measured. A constraint that no config,
 * the baseline included, meets is said to be out of reach with the closest value and the gap; for
 * Redis fragmentation ratios the part no allocator setting can change is stated as a floor.
 */
export function assessReachability(constraints: readonly AbsoluteConstraintSpec[], configs: readonly MeasuredConfig[]): ConstraintReach[] {
  return constraints.map((c): ConstraintReach => {
    const bound = toUpperBound(c);
    const relation = bound.sign === 1 ? '<=' : '>=';
    const limit = bound.sign * bound.limit;
    const values = configs.flatMap((t) => {
      const v = t.metrics[c.metric];
      return v === undefined || !Number.isFinite(v) ? [] : [{ trial_id: t.trial_id, role: t.role, value: v }];
    });
    const metBy = values.filter((v) => bound.sign * v.value <= bound.limit).length;
    const best = values.length === 0 ? undefined : values.reduce((a, b) => (bound.sign * b.value < bound.sign * a.value ? b : a));
    const baseline = values.find((v) => v.role === 'baseline')?.value;
    const shortfall = best === undefined || metBy > 0 ? 0 : Math.abs(best.value - limit) / Math.max(Math.abs(limit), Number.MIN_VALUE);
    const floor = bound.sign === 1 ? redisFragmentationFloor(c.metric, configs) : undefined;
    const reach: ConstraintReach = { metric: c.metric, relation, limit, met_by: metBy, measured: values.length, shortfall, message: '' };
    if (best) reach.best = best;
    if (baseline !== undefined) reach.baseline_value = baseline;
    if (floor) reach.floor = floor;
    const target = `${c.metric} ${relation} ${fmt(limit)}`;
    if (values.length === 0) reach.message = `${target}: not measured by any trial`;
    else if (metBy > 0) reach.message = `${target}: met by ${metBy} of ${values.length} measured configs`;
    else {
      const base = baseline === undefined ? '' : ` (baseline ${fmt(baseline)})`;
      const unreachable = floor && floor.value > limit ? `; cannot be reached by any allocator setting: ${floor.explanation}` : floor ? `; ${floor.explanation}` : '';
      reach.message = `${target} is not reached by any measured config, the baseline included: the closest was ${fmt((best as { value: number }).value)} (${(best as { trial_id: string }).trial_id})${base}, ${(shortfall * 100).toFixed(1)}% short${unreachable}`;
    }
    return reach;
  });
}
