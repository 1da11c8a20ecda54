/* global document */
// Parallel coordinates of every measured trial: one vertical axis for the objective and one per
// knob, one polyline per trial, coloured by its objective (feasible) or drawn dashed red
// (infeasible). Plain SVG: presentation attributes only, so the page's strict CSP holds.
import { metricUnit, metricValue, num } from './dom.js';
import { byValue } from './series.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 340;
const TOP = 58;
const BOTTOM = 40;
const AXIS_GAP = 124;
const SIDE = 70;
// Where a knob the trial does not set (inactive under its condition) sits: just below its axis.
const UNSET = -0.09;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An axis over the values seen: numeric (log when positive and wide) or one slot per category. */
function axisFor(name, values, format = num) {
  const present = values.filter((v) => v !== undefined);
  const hasUnset = present.length < values.length;
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number');
  if (numeric) {
    const lo = Math.min(...present);
    const hi = Math.max(...present);
    // Decay times and sizes span decades and include 0: log(1 + v) keeps 0 on the axis; a negative
    // value ("never", -1) keeps the axis linear.
    const smallest = Math.min(...present.filter((v) => v > 0));
    const log = lo >= 0 && Number.isFinite(smallest) && hi / smallest > 100;
    const f = (v) => (log ? Math.log10(1 + v) : v);
    const span = f(hi) - f(lo) || 1;
    const pos = (v) => (v === undefined ? UNSET : hi === lo ? 0.5 : (f(v) - f(lo)) / span);
    const mid = log ? 10 ** ((f(lo) + f(hi)) / 2) - 1 : (lo + hi) / 2;
    const ticks = hi === lo ? [lo] : [lo, Number(mid.toPrecision(2)), hi];
    return { name, pos, hasUnset, ticks: ticks.map((v) => ({ at: pos(v), label: format(v) })), scale: log ? 'log' : 'linear' };
  }
  const categories = [...new Set(present.map(String))].sort(byValue);
  const pos = (v) => (v === undefined ? UNSET : categories.length === 1 ? 0.5 : categories.indexOf(String(v)) / (categories.length - 1));
  return { name, pos, hasUnset, ticks: categories.map((c) => ({ at: pos(c), label: c })), scale: 'categories' };
}

function shortName(metric) {
  return metric.slice(metric.lastIndexOf('.') + 1);
}

/** Blue (best) to amber (worst) by rank of the objective. */
function colourFor(rank) {
  const t = Math.max(0, Math.min(1, rank));
  const hue = 220 - 180 * t;
  return `hsl(${hue.toFixed(0)}, 75%, 45%)`;
}

/**
 * Draw `trials` (completed, with a score) into the `<svg>` `root` over the axes `knobs` + the
 * objective. Each polyline carries `data-trial`, so a reader's hover (its `<title>`) and the tests find it.
 */
export function drawParallelCoordinates(root, trials, knobs, objective) {
  const rows = trials.filter((t) => t.state === 'completed' && t.score?.objective !== undefined);
  const metric = objective.metric;
  // The objective comes first, so it stays in view when the knobs scroll sideways.
  const axes = [
    { ...axisFor(shortName(metric), rows.map((t) => t.score.objective), (v) => metricValue(metric, v)), objective: true, note: `${metricUnit(metric)}, ${objective.direction === 'min' ? 'lower' : 'higher'} is better` },
    ...knobs.map((k) => axisFor(k, rows.map((t) => t.config?.[k]))),
  ];
  const width = SIDE * 2 + AXIS_GAP * Math.max(1, axes.length - 1);
  root.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  root.setAttribute('width', String(width));
  root.setAttribute('height', String(HEIGHT));
  const y = (t) => TOP + (1 - t) * (HEIGHT - TOP - BOTTOM);
  const x = (i) => SIDE + i * AXIS_GAP;
  const sign = objective.direction === 'min' ? 1 : -1;
  const ordered = [...rows].sort((a, b) => sign * (a.score.objective - b.score.objective));
  const rankOf = new Map(ordered.map((t, i) => [t.trial_id, ordered.length > 1 ? i / (ordered.length - 1) : 0]));

  const lines = svg('g', { class: 'pc-lines' });
  // Infeasible first, so the feasible lines a reader looks for are drawn on top.
  for (const t of [...rows].sort((a, b) => Number(a.score.feasible) - Number(b.score.feasible))) {
    const points = axes.map((a, i) => `${x(i).toFixed(1)},${y(a.pos(a.objective ? t.score.objective : t.config?.[a.name])).toFixed(1)}`);
    const line = svg('polyline', {
      points: points.join(' '),
      fill: 'none',
      stroke: t.score.feasible ? colourFor(rankOf.get(t.trial_id)) : 'rgb(220, 38, 38)',
      'stroke-width': t.score.feasible ? 1.6 : 1.2,
      'stroke-opacity': t.score.feasible ? 0.8 : 0.55,
      ...(t.score.feasible ? {} : { 'stroke-dasharray': '5 3' }),
      'data-trial': t.trial_id,
      'data-feasible': String(t.score.feasible),
    });
    line.append(svg('title', {}, `${t.trial_id} (${t.role}${t.duel ? ` ${t.duel.arm}` : ''}): ${metricValue(metric, t.score.objective)}${t.score.feasible ? '' : ', infeasible'}`));
    lines.append(line);
  }

  const frame = svg('g', { class: 'pc-axes' });
  axes.forEach((a, i) => {
    frame.append(svg('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: '#374151', 'stroke-width': 1 }));
    // Names alternate between two rows, so long neighbouring names do not overlap.
    frame.append(svg('text', { x: x(i), y: TOP - (i % 2 === 0 ? 40 : 26), 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 600, fill: a.objective ? '#1d4ed8' : '#111827' }, a.name));
    frame.append(svg('text', { x: x(i), y: TOP - 12, 'text-anchor': 'middle', 'font-size': 9, fill: '#6b7280' }, a.note ?? (a.scale === 'categories' ? 'categories' : `${a.scale} scale`)));
    const shown = a.ticks.length > 8 ? a.ticks.filter((_, k) => k % Math.ceil(a.ticks.length / 8) === 0) : a.ticks;
    for (const tick of shown) {
      frame.append(svg('line', { x1: x(i) - 3, x2: x(i) + 3, y1: y(tick.at), y2: y(tick.at), stroke: '#374151' }));
      frame.append(svg('text', { x: x(i) + 5, y: y(tick.at) + 3.5, 'font-size': 10, fill: '#1f2937', class: 'pc-tick' }, tick.label));
    }
    if (a.hasUnset) frame.append(svg('text', { x: x(i) + 5, y: y(UNSET) + 3.5, 'font-size': 10, fill: '#6b7280', 'font-style': 'italic' }, 'unset'));
  });
  root.replaceChildren(lines, frame);
  return { lines: rows.length, axes: axes.length };
}
