import { z } from 'zod';
import { constraintBound } from '../core/optimizer-observation.js';
import { constraintLimit } from './trial-evaluation.js';
import { paretoFront } from '../optimizer/pareto.js';
import type { Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';

/** One config in the latency/memory plane. */
export const ParetoPointSchema = z.object({
  arm: z.string(),
  x: z.number(),
  y: z.number(),
  feasible: z.boolean(),
  on_front: z.boolean(),
  beats_baseline: z.boolean(),
});
export type ParetoPoint = z.infer<typeof ParetoPointSchema>;

const AxisSchema = z.object({ metric: z.string(), direction: z.enum(['min', 'max']), limit: z.number().optional(), bound: z.enum(['max', 'min']).optional() }).nullable();

/** The Pareto view (`GET /v1/campaigns/:id/pareto`): which metrics the axes show, the constraint limits on them, and the points. */
export const ParetoViewSchema = z.object({ x: AxisSchema, y: AxisSchema, points: z.array(ParetoPointSchema) });
export type ParetoView = z.infer<typeof ParetoViewSchema>;

const LATENCY = /(_us|_ns|_ms)$|ops_per_s$/;
const MEMORY = /(bytes|ratio)(_at_\d+ms|_after_load)?$/;

/** The campaign's latency-like and memory-like metrics: objective and constraints first, then any measured. */
function pickAxes(record: ResolvedCampaignRecord, keys: readonly string[]): { x?: string; y?: string } {
  const named = [record.metrics.objective, ...record.metrics.constraints].filter((k) => keys.includes(k));
  const candidates = [...named, ...keys];
  const x = candidates.find((k) => LATENCY.test(k));
  const y = candidates.find((k) => MEMORY.test(k) && k !== x);
  return { ...(x ? { x } : {}), ...(y ? { y } : {}) };
}

function direction(metric: string, record: ResolvedCampaignRecord): 'min' | 'max' {
  if (metric === record.metrics.objective) return record.spec.objective.direction;
  return /ops_per_s$/.test(metric) ? 'max' : 'min';
}

/** Configs of the leaderboard over latency and memory, with the feasible front marked. */
export function buildParetoView(record: ResolvedCampaignRecord, board: Leaderboard): ParetoView {
  const { spec } = record;
  const keys = [...new Set(board.rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  const { x, y } = pickAxes(record, keys);
  const axis = (metric: string | undefined): ParetoView['x'] => {
    if (!metric) return null;
    const index = spec.constraints.findIndex((_, i) => record.metrics.constraints[i] === metric);
    const constraint = spec.constraints[index];
    const out: NonNullable<ParetoView['x']> = { metric, direction: direction(metric, record) };
    const limit = constraint && constraintLimit(constraint, index, record.metrics);
    if (constraint && limit !== undefined) {
      out.bound = constraintBound(constraint);
      out.limit = limit;
    }
    return out;
  };
  const xAxis = axis(x);
  const yAxis = axis(y);
  if (!xAxis || !yAxis) return { x: xAxis, y: yAxis, points: [] };
  const items = board.rows
    .filter((r) => r.metrics[xAxis.metric] && r.metrics[yAxis.metric])
    .map((r) => ({
      id: r.arm,
      feasible: r.feasible,
      beats: r.beats_baseline,
      metrics: { x: r.metrics[xAxis.metric]?.mean ?? Number.NaN, y: r.metrics[yAxis.metric]?.mean ?? Number.NaN },
    }));
  const front = new Set(
    paretoFront(
      items.filter((i) => i.feasible),
      [
        { metric: 'x', direction: xAxis.direction },
        { metric: 'y', direction: yAxis.direction },
      ],
    ).map((i) => i.id),
  );
  return {
    x: xAxis,
    y: yAxis,
    points: items.map((i) => ({ arm: i.id, x: i.metrics.x, y: i.metrics.y, feasible: i.feasible, on_front: front.has(i.id), beats_baseline: i.beats })),
  };
}
