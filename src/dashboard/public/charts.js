/* global window */
// Chart.js (the UMD bundle served from node_modules, global `Chart`) views of the campaign. Charts are
// created once per canvas and updated in place, so live refreshes do not flicker.
import { axisLabel, metricValue } from './dom.js';

const COLORS = {
  feasible: 'rgba(37, 99, 235, 0.85)',
  infeasible: 'rgba(220, 38, 38, 0.75)',
  best: 'rgba(22, 163, 74, 1)',
  baseline: 'rgba(75, 85, 99, 1)',
  front: 'rgba(217, 119, 6, 1)',
  region: 'rgba(22, 163, 74, 0.10)',
};

function ChartLib() {
  if (!window.Chart) throw new Error('chart.js did not load');
  return window.Chart;
}

/**
 * Shades the part of the plot where the constraints on its axes hold (`options.plugins.constraintRegion`:
 * `{ x: {bound, limit} | null, y: ... }`); the drawn rectangle (pixels) is kept on `chart.$constraintRegion`.
 */
const constraintRegion = {
  id: 'constraintRegion',
  beforeDatasetsDraw(chart, _args, opts) {
    chart.$constraintRegion = null;
    const { chartArea: area, scales } = chart;
    if (!opts || (!opts.x && !opts.y) || !area) return;
    let { left, right, top, bottom } = area;
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    if (opts.x) {
      const px = clamp(scales.x.getPixelForValue(opts.x.limit), area.left, area.right);
      if (opts.x.bound === 'max') right = px;
      else left = px;
    }
    if (opts.y) {
      const py = clamp(scales.y.getPixelForValue(opts.y.limit), area.top, area.bottom);
      if (opts.y.bound === 'max') top = py;
      else bottom = py;
    }
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = COLORS.region;
    ctx.fillRect(left, top, right - left, bottom - top);
    ctx.restore();
    chart.$constraintRegion = { left, right, top, bottom };
  },
};

let defaultsSet = false;
function setDefaults() {
  if (defaultsSet) return;
  const Chart = ChartLib();
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  Chart.register(constraintRegion);
  defaultsSet = true;
}

/** Create the chart on `canvas` or update the one already there with new data and options. */
function upsert(canvas, config) {
  setDefaults();
  const Chart = ChartLib();
  const existing = Chart.getChart(canvas);
  if (!existing) return new Chart(canvas, config);
  existing.data = config.data;
  existing.options = config.options;
  existing.update('none');
  return existing;
}

function tooltipLabel(metric) {
  return (item) => {
    const raw = item.raw ?? {};
    const head = raw.trial ?? raw.arm ?? item.dataset.label;
    const value = raw.value !== undefined ? ` (${raw.value})` : '';
    return `${head}${value}: ${metricValue(metric, item.parsed.y)}`;
  };
}

/** Best feasible objective so far against the explore trial number, with the baseline as a line. */
export function drawConvergence(canvas, series, objective) {
  const metric = objective.metric;
  return upsert(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'feasible trial', data: series.feasible, backgroundColor: COLORS.feasible, pointRadius: 4 },
        { label: 'infeasible trial', data: series.infeasible, backgroundColor: COLORS.infeasible, pointStyle: 'crossRot', pointRadius: 5, borderColor: COLORS.infeasible },
        { label: 'best feasible so far', data: series.best, type: 'line', stepped: 'before', borderColor: COLORS.best, backgroundColor: COLORS.best, pointRadius: 0, borderWidth: 2 },
        { label: 'baseline mean', data: series.baseline, type: 'line', borderColor: COLORS.baseline, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5 },
      ],
    },
    options: {
      scales: {
        x: { type: 'linear', title: { display: true, text: 'explore trial #' }, ticks: { precision: 0 } },
        y: { title: { display: true, text: axisLabel(metric) }, ticks: { callback: (v) => metricValue(metric, v) } },
      },
      plugins: { tooltip: { callbacks: { label: tooltipLabel(metric) } } },
    },
  });
}

function wideRange(values) {
  const positive = values.filter((v) => v > 0);
  return positive.length === values.length && positive.length > 1 && Math.max(...positive) / Math.min(...positive) > 100;
}

function axisTitle(axis) {
  const limit = axis.limit === undefined ? '' : ` · limit ${axis.bound === 'max' ? '≤' : '≥'} ${metricValue(axis.metric, axis.limit)}`;
  return `${axisLabel(axis.metric)}${limit}`;
}

/** Configs in the latency/memory plane: the feasible Pareto front highlighted, the constraint region shaded. */
export function drawPareto(canvas, view) {
  const pts = view.points.map((p) => ({ x: p.x, y: p.y, arm: p.arm }));
  const pick = (pred) => view.points.filter(pred).map((p) => ({ x: p.x, y: p.y, arm: p.arm }));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const limits = (axis, values) => {
    if (axis?.limit === undefined || values.length === 0) return {};
    // Keep a nearby limit in view so the shaded boundary shows; a far one would squash the points.
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const span = Math.max(hi - lo, Math.abs(hi) * 0.1);
    if (axis.limit > hi + span || axis.limit < lo - span) return {};
    return axis.bound === 'max' ? { suggestedMax: Math.max(...values, axis.limit) } : { suggestedMin: Math.min(...values, axis.limit) };
  };
  return upsert(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'baseline / placebo', data: pick((p) => p.arm === 'baseline' || p.arm === 'placebo'), backgroundColor: COLORS.baseline, pointStyle: 'rectRot', pointRadius: 6 },
        { label: 'on the feasible front', data: pick((p) => p.on_front && p.arm !== 'baseline' && p.arm !== 'placebo'), backgroundColor: COLORS.front, pointRadius: 6 },
        { label: 'feasible', data: pick((p) => p.feasible && !p.on_front && p.arm !== 'baseline' && p.arm !== 'placebo'), backgroundColor: COLORS.feasible, pointRadius: 4 },
        { label: 'infeasible', data: pick((p) => !p.feasible && p.arm !== 'baseline' && p.arm !== 'placebo'), backgroundColor: COLORS.infeasible, pointStyle: 'crossRot', borderColor: COLORS.infeasible, pointRadius: 5 },
      ],
    },
    options: {
      scales: {
        x: { type: wideRange(xs) ? 'logarithmic' : 'linear', title: { display: true, text: view.x ? axisTitle(view.x) : '' }, ...limits(view.x, xs), ticks: { callback: (v) => metricValue(view.x?.metric ?? '', v) } },
        y: { type: wideRange(ys) ? 'logarithmic' : 'linear', title: { display: true, text: view.y ? axisTitle(view.y) : '' }, ...limits(view.y, ys), ticks: { callback: (v) => metricValue(view.y?.metric ?? '', v) } },
      },
      plugins: {
        constraintRegion: {
          x: view.x?.limit === undefined ? null : { bound: view.x.bound, limit: view.x.limit },
          y: view.y?.limit === undefined ? null : { bound: view.y.bound, limit: view.y.limit },
        },
        tooltip: { callbacks: { label: (item) => `${item.raw.arm}: ${metricValue(view.x?.metric ?? '', item.parsed.x)}, ${metricValue(view.y?.metric ?? '', item.parsed.y)}` } },
      },
    },
  });
}

/**
 * Axis over the optimizer's search scale (0..1): no arithmetic on values here, ticks sit at observed
 * points (at most 6, spread out) and show those points' values.
 */
function scaledAxis(series, parameter) {
  const labels = new Map([...series.feasible, ...series.infeasible].map((p) => [p.x, p.value]));
  const positions = [...labels.keys()].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(positions.length / 6));
  const shown = positions.filter((_, i) => i % step === 0 || i === positions.length - 1);
  return {
    type: 'linear',
    min: 0,
    max: 1,
    title: { display: true, text: `${parameter} (search scale)` },
    afterBuildTicks: (axis) => {
      axis.ticks = shown.map((value) => ({ value }));
    },
    ticks: { autoSkip: false, callback: (v) => labels.get(v) ?? '' },
  };
}

/** Booleans and choices: one tick per category, at its index, labelled with the value. */
function categoryAxis(series, parameter) {
  return {
    type: 'linear',
    min: -0.5,
    max: Math.max(0.5, series.categories.length - 0.5),
    title: { display: true, text: `${parameter} (${series.categories.length} values)` },
    afterBuildTicks: (axis) => {
      axis.ticks = series.categories.map((_, value) => ({ value }));
    },
    ticks: { autoSkip: false, callback: (v) => series.categories[v] ?? '' },
  };
}

/** The objective against one parameter's value over the completed explore trials (a slice plot). */
export function drawEffect(canvas, series, parameter, objective) {
  const metric = objective.metric;
  const x = series.scaled ? scaledAxis(series, parameter) : series.numeric ? { type: 'linear', title: { display: true, text: parameter } } : categoryAxis(series, parameter);
  return upsert(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'feasible trial', data: series.feasible, backgroundColor: COLORS.feasible, pointRadius: 4 },
        { label: 'infeasible trial', data: series.infeasible, backgroundColor: COLORS.infeasible, pointStyle: 'crossRot', borderColor: COLORS.infeasible, pointRadius: 5 },
      ],
    },
    options: {
      scales: { x, y: { title: { display: true, text: axisLabel(metric) }, ticks: { callback: (v) => metricValue(metric, v) } } },
      plugins: { tooltip: { callbacks: { label: tooltipLabel(metric) } } },
    },
  });
}
