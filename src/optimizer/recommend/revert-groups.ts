/** How the knobs reverted together before the one-at-a-time steps are chosen. */
export interface GroupPolicy {
  /** The group's importance shares must sum to less than this fraction of all changed knobs' (e.g. 0.1). */
  max_share: number;
  /** Fewer knobs than this are not worth a joint step (one single step costs the same). */
  min_knobs: number;
}

/** The default: the least important knobs that together hold under 10 % of the importance, at least 2. */
export const DEFAULT_GROUP_POLICY: GroupPolicy = { max_share: 0.1, min_knobs: 2 };

/**
 * The knobs to revert together first: the longest prefix of `ordered` (candidates, least important
 * first) whose importance shares sum to less than `max_share` of the total over `all` changed
 * knobs, or [] when that is fewer than `min_knobs`. One joint step that holds drops them all for
 * the price of one (on Redis, 10 changed knobs of which only the decay knob matters cost 80 trials
 * one at a time). At least one changed knob always stays out: reverting all of them is the
 * baseline, which the winner was confirmed to beat. No importance measured (a total of 0): no
 * group, since nothing says which knobs are small.
 */
export function smallKnobGroup(ordered: readonly string[], all: readonly string[], importance: ReadonlyMap<string, number>, policy: GroupPolicy = DEFAULT_GROUP_POLICY): string[] {
  const share = (k: string): number => Math.max(0, importance.get(k) ?? 0);
  const total = all.reduce((s, k) => s + share(k), 0);
  if (!(total > 0)) return [];
  const group: string[] = [];
  let sum = 0;
  for (const k of ordered) {
    if (sum + share(k) >= policy.max_share * total) break;
    sum += share(k);
    group.push(k);
  }
  if (group.length >= all.length) group.length = all.length - 1;
  return group.length >= policy.min_knobs ? group : [];
}
