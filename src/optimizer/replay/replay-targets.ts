import type { ReplayTable } from '../../core/replay-table.js';
import type { Observation } from '../../core/optimizer-observation.js';
import { meanSd } from '../../stats/mean-interval.js';
import { isFeasible, minimisedObjective } from '../problem.js';

/** Per-row means of every metric, and the row as an observation judged on those means. */
export function rowMeans(table: ReplayTable): Record<string, number>[] {
  return table.rows.map((row) => {
    const sums: Record<string, { total: number; n: number }> = {};
    for (const s of row.samples) {
      for (const [k, v] of Object.entries(s)) {
        const e = (sums[k] ??= { total: 0, n: 0 });
        e.total += v;
        e.n += 1;
      }
    }
    return Object.fromEntries(Object.entries(sums).map(([k, e]) => [k, e.total / e.n]));
  });
}

function meanObservation(means: Record<string, number>, table: ReplayTable): Observation {
  const metric = (name: string): { mean: number; variance: number; n: number } | undefined =>
    means[name] === undefined ? undefined : { mean: means[name] as number, variance: 0, n: 1 };
  const objective = metric(table.objective.metric);
  const constraints: Observation['constraints'] = {};
  for (const c of table.constraints) {
    const m = metric(c.metric);
    if (m) constraints[c.metric] = m;
  }
  return objective ? { vector: [], objective, constraints } : { vector: [], constraints };
}

/** Which rows are feasible on their means, which are targets, and the best feasible mean. */
export interface ReplayTargets {
  feasible: boolean[];
  targets: Set<number>;
  best_feasible_mean: number | null;
  best_row: number | null;
}

/**
 * Targets: feasible rows (on table means) whose mean objective is within `tolerance` (relative) of
 * the best feasible mean, in the objective's own direction.
 */
export function findTargets(table: ReplayTable, tolerance: number): ReplayTargets {
  const means = rowMeans(table);
  const obs = means.map((m) => meanObservation(m, table));
  const feasible = obs.map((o) => isFeasible(o, table.constraints));
  let best: number | null = null;
  let bestRow: number | null = null;
  obs.forEach((o, i) => {
    const y = minimisedObjective(o, table.objective)?.mean;
    if (!feasible[i] || y === undefined) return;
    if (best === null || y < best) {
      best = y;
      bestRow = i;
    }
  });
  const targets = new Set<number>();
  if (best !== null) {
    const limit: number = best + tolerance * Math.abs(best);
    obs.forEach((o, i) => {
      const y = minimisedObjective(o, table.objective)?.mean;
      if (feasible[i] && y !== undefined && y <= limit) targets.add(i);
    });
  }
  const bestMean = best === null ? null : table.objective.direction === 'min' ? best : -(best as number);
  return { feasible, targets, best_feasible_mean: bestMean, best_row: bestRow };
}

/**
 * How firmly the table's repeats establish that its targets are feasible: for every target row and
 * constraint, the distance of the row mean inside the bound in standard errors of that mean
 * (sd / sqrt(n) over the row's samples); the smallest over all of them. Below ~2 a target is feasible
 * by the luck of its few repeats, and a replay on that table measures that luck more than the
 * search. Null when the table has no constraints or no targets.
 */
export function targetConstraintMarginSe(table: ReplayTable, targets: ReplayTargets): number | null {
  let worst: number | null = null;
  for (const row of targets.targets) {
    const samples = table.rows[row]?.samples ?? [];
    for (const c of table.constraints) {
      const values = samples.map((s) => s[c.metric]).filter((v): v is number => v !== undefined);
      if (values.length === 0) continue;
      const { mean, sd } = meanSd(values);
      const se = sd / Math.sqrt(values.length);
      const inside = 'max' in c ? c.max - mean : mean - c.min;
      const margin = se > 0 ? inside / se : inside >= 0 ? Infinity : -Infinity;
      worst = worst === null ? margin : Math.min(worst, margin);
    }
  }
  return worst;
}
