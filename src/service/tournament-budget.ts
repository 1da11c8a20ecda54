/** One child's share of a tournament's explore trials. */
export interface TrialShare {
  allocator: string;
  /** Null without a thread sweep. */
  threads: number | null;
  trials: number;
}

/**
 * Splits `totalTrials` explore trials over allocators x thread counts: each allocator gets the
 * share `weight / sum of weights` (weight 1 unless `weights` names it), divided equally over the
 * thread counts; shares are rounded by largest remainder (ties to the earlier listed) so they sum
 * to the total, and every child gets at least 1 (a total below the child count is raised to it,
 * since a campaign cannot search with no trial).
 */
export function splitTrials(allocators: readonly string[], threads: readonly (number | null)[], totalTrials: number, weights: Readonly<Record<string, number>> = {}): TrialShare[] {
  const cells = allocators.flatMap((allocator) => threads.map((t) => ({ allocator, threads: t, weight: (weights[allocator] ?? 1) / threads.length })));
  if (cells.length === 0) return [];
  const total = Math.max(totalTrials, cells.length);
  const sum = cells.reduce((s, c) => s + c.weight, 0);
  // Everyone gets 1 first; the rest is shared by weight.
  const rest = total - cells.length;
  const exact = cells.map((c) => (rest * c.weight) / sum);
  const floors = exact.map(Math.floor);
  let left = rest - floors.reduce((s, v) => s + v, 0);
  const order = exact.map((v, i) => ({ frac: v - Math.floor(v), i })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i] = (floors[i] as number) + 1;
    left--;
  }
  return cells.map((c, i) => ({ allocator: c.allocator, threads: c.threads, trials: 1 + (floors[i] as number) }));
}
