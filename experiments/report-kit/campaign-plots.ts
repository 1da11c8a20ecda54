import type { TopLevelSpec } from 'vega-lite';
import type { ConvergencePoint, DuelRecord } from './campaign-figures.js';

/** How a metric is shown on an axis: a title with its unit and a conversion from the raw value. */
export interface AxisScale {
  title: string;
  convert: (raw: number) => number;
}

const WIDTH = 620;
const HEIGHT = 320;

/** Objective of every explored trial (feasible or not) and the best feasible one so far; the baseline as a rule. */
export function convergencePlot(points: readonly ConvergencePoint[], baseline: number | undefined, axis: AxisScale, title: string): TopLevelSpec {
  const trials = points.map((p) => ({ trial: p.index, value: axis.convert(p.objective), status: p.feasible ? 'feasible' : 'infeasible' }));
  const best = points.filter((p) => p.best !== undefined).map((p) => ({ trial: p.index, best: axis.convert(p.best as number) }));
  const layers: unknown[] = [
    {
      data: { values: trials },
      mark: { type: 'point', filled: true, size: 60 },
      encoding: {
        x: { field: 'trial', type: 'quantitative', title: 'explored trial', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: axis.title, scale: { zero: false } },
        color: { field: 'status', type: 'nominal', title: 'trial', scale: { domain: ['feasible', 'infeasible'], range: ['#4c78a8', '#e45756'] } },
      },
    },
    {
      data: { values: best },
      mark: { type: 'line', interpolate: 'step-after', color: '#222222', strokeWidth: 2 },
      encoding: { x: { field: 'trial', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' } },
    },
  ];
  if (baseline !== undefined) {
    const v = axis.convert(baseline);
    layers.push(
      { data: { values: [{ v }] }, mark: { type: 'rule', color: '#f58518', strokeDash: [6, 4], strokeWidth: 2 }, encoding: { y: { field: 'v', type: 'quantitative' } } },
      {
        data: { values: [{ v, label: 'baseline (Debian default)' }] },
        mark: { type: 'text', align: 'left', dx: 4, dy: -7, color: '#f58518' },
        encoding: { y: { field: 'v', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
      },
    );
  }
  return { title, width: WIDTH, height: HEIGHT, layer: layers } as TopLevelSpec;
}

/** One config on the trade-off plot. */
export interface TradeoffPoint {
  arm: string;
  kind: string;
  x: number;
  y: number;
  label?: string;
}

/** Configs on two metrics (e.g. latency vs memory) with the constraint limit on x as a shaded region. */
export function paretoPlot(points: readonly TradeoffPoint[], x: AxisScale, y: AxisScale, xLimit: number | undefined, title: string): TopLevelSpec {
  const values = points.map((p) => ({ arm: p.arm, kind: p.kind, x: x.convert(p.x), y: y.convert(p.y), label: p.label ?? '' }));
  const kinds = [...new Set(values.map((v) => v.kind))].sort();
  const layers: unknown[] = [];
  if (xLimit !== undefined) {
    const limit = x.convert(xLimit);
    const maxX = Math.max(limit, ...values.map((v) => v.x)) * 1.05;
    layers.push(
      { data: { values: [{ x0: limit, x1: maxX }] }, mark: { type: 'rect', color: '#e45756', opacity: 0.12 }, encoding: { x: { field: 'x0', type: 'quantitative' }, x2: { field: 'x1' } } },
      {
        data: { values: [{ xm: (limit + maxX) / 2, label: 'violates the constraint' }] },
        mark: { type: 'text', angle: 270, align: 'center', baseline: 'middle', color: '#b03030' },
        encoding: { x: { field: 'xm', type: 'quantitative' }, y: { value: HEIGHT / 2 }, text: { field: 'label' } },
      },
    );
  }
  layers.push(
    {
      data: { values },
      mark: { type: 'point', filled: true, size: 80, opacity: 0.85 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: x.title, scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: y.title, scale: { zero: false } },
        color: { field: 'kind', type: 'nominal', title: 'config', scale: { domain: kinds, scheme: 'category10' } },
        shape: { field: 'kind', type: 'nominal', scale: { domain: kinds } },
      },
    },
    // Labels sit right beside their point, alternating above and below its centre line, so that
    // neighbours (winner and seed) stay readable and no label drifts next to another point.
    ...[-7, 7].map((dy, k) => ({
      data: { values: values.filter((v) => v.label !== '').filter((_, i) => i % 2 === k) },
      mark: { type: 'text', align: 'left', baseline: 'middle', dx: 8, dy, fontSize: 11 },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
    })),
  );
  return { title, width: WIDTH, height: HEIGHT, layer: layers } as TopLevelSpec;
}

/** Paired relative differences of every duel, one row per duel, with the mean and its 95% CI and the verdict (keyed by duel id). */
export function duelPlot(duels: readonly DuelRecord[], verdicts: ReadonlyMap<string, string>, metricTitle: string, title: string): TopLevelSpec {
  const row = (d: DuelRecord): string => `${d.candidate} vs ${d.opponent}: ${verdicts.get(d.duel_id) ?? 'no verdict'}`;
  const order = duels.map(row);
  const pairs = duels.flatMap((d) => d.relative_diffs.map((v, i) => ({ duel: row(d), pair: i + 1, diff_pct: v * 100 })));
  const means = duels.map((d) => ({ duel: row(d), mean: d.mean_relative * 100, lo: d.ci_low * 100, hi: d.ci_high * 100 }));
  const y = { field: 'duel', type: 'nominal', title: null, sort: order, axis: { labelLimit: 520 } };
  return {
    title,
    width: WIDTH,
    height: { step: 50 },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#888888', strokeDash: [4, 3] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      { data: { values: means }, mark: { type: 'rule', strokeWidth: 3, color: '#222222' }, encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } } },
      { data: { values: means }, mark: { type: 'tick', thickness: 3, size: 26, color: '#222222' }, encoding: { y, x: { field: 'mean', type: 'quantitative' } } },
      {
        data: { values: pairs },
        mark: { type: 'point', filled: true, size: 55, opacity: 0.75, color: '#4c78a8' },
        encoding: { y, x: { field: 'diff_pct', type: 'quantitative', title: `paired difference of ${metricTitle}, % of the opponent (dots: pairs; bar: mean with 95% CI)` } },
      },
    ],
  } as TopLevelSpec;
}

/** One config on a knob plot: the knob's value, the objective, and a group for the colour. */
export interface KnobPoint {
  value: number;
  objective: number;
  group: string;
  label?: string;
}

/** Objective against one numeric knob (symlog axis: 0 and wide ranges both fit), coloured by a second knob's group. */
export function knobPlot(points: readonly KnobPoint[], knobTitle: string, y: AxisScale, groupTitle: string, groups: readonly string[], title: string): TopLevelSpec {
  const values = points.map((p) => ({ value: p.value, y: y.convert(p.objective), group: p.group, label: p.label ?? '' }));
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 80, opacity: 0.85 },
        encoding: {
          x: { field: 'value', type: 'quantitative', title: knobTitle, scale: { type: 'symlog', constant: 10 } },
          y: { field: 'y', type: 'quantitative', title: y.title, scale: { zero: false } },
          color: { field: 'group', type: 'nominal', title: groupTitle, scale: { domain: [...groups], scheme: 'category10' } },
        },
      },
      {
        data: { values: values.filter((v) => v.label !== '') },
        mark: { type: 'text', align: 'left', dx: 7, dy: -6, fontSize: 11 },
        encoding: { x: { field: 'value', type: 'quantitative', scale: { type: 'symlog', constant: 10 } }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}
