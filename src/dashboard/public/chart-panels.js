/* global document */
// The campaign's charts: convergence, the Pareto plane (axes chosen by the reader), slice plots,
// knob importance and parallel coordinates. Each shows a note instead of empty axes until it has data.
import { drawConvergence, drawEffect, drawPareto } from './charts.js';
import { axisLabel, el } from './dom.js';
import { drawImportance } from './importance-chart.js';
import { drawParallelCoordinates } from './parallel-coords.js';
import { paretoAxes, paretoSeries } from './pareto-series.js';
import { convergenceSeries, effectSeries, parameterNames } from './series.js';

/** A chart box with the note shown instead of it while there is nothing to plot (no empty axes). */
function chartBox(id, emptyText) {
  const note = el('p', { class: 'note empty-note', id: `${id}-empty`, text: emptyText });
  const box = el('div', { class: 'chart-box' }, el('canvas', { id }));
  const show = (hasData) => ((box.hidden = !hasData), (note.hidden = hasData));
  show(false);
  return { node: el('div', {}, note, box), show };
}

function labelled(id, label, node) {
  return [el('label', { for: id, text: `${label} ` }), node];
}

/** Replace a select's options when they changed, keeping the reader's choice (else `fallback`). */
function setOptions(select, options, fallback) {
  if ([...select.options].map((o) => o.value).join() === options.map(([v]) => v).join()) return;
  const keep = select.value || fallback;
  select.replaceChildren(...options.map(([value, text]) => el('option', { value, text })));
  select.value = options.some(([v]) => v === keep) ? keep : (fallback ?? options[0]?.[0] ?? '');
}

/** The chart panels (`nodes`) and `render(state)` / `renderImportance(state)` for the view's state. */
export function chartPanels() {
  const paramSelect = el('select', { id: 'effect-parameter' });
  const paretoX = el('select', { id: 'pareto-x' });
  const paretoY = el('select', { id: 'pareto-y' });
  const importanceSelect = el('select', { id: 'importance-metric' });
  const titles = Object.fromEntries(['convergence', 'pareto', 'effect', 'importance', 'parallel'].map((k) => [k, el('h3', { id: `${k}-title` })]));
  const notes = Object.fromEntries(['pareto', 'importance', 'parallel'].map((k) => [k, el('p', { class: 'note', id: `${k}-note` })]));
  const boxes = {
    convergence: chartBox('convergence-chart', 'no explore trial measured yet'),
    pareto: chartBox('pareto-chart', 'no config measured on both metrics yet'),
    effect: chartBox('effect-chart', 'no explore trial measured yet'),
    importance: chartBox('importance-chart', 'importance needs at least 4 measured trials'),
  };
  const pcSvg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  pcSvg.id = 'parallel-chart';
  let state;

  const renderEffect = () => {
    const { campaign } = state;
    if (!paramSelect.value) return boxes.effect.show(false);
    const series = effectSeries(state.trials, paramSelect.value, state.coordinates);
    titles.effect.textContent = `Slice: ${axisLabel(campaign.spec.objective.metric)} against ${paramSelect.value}`;
    boxes.effect.show(series.feasible.length + series.infeasible.length > 0);
    drawEffect(document.getElementById('effect-chart'), series, paramSelect.value, campaign.spec.objective);
  };

  const renderPareto = () => {
    const axes = paretoAxes(state.campaign, state.board, state.evidence?.guards ?? []);
    const options = axes.map((a) => [a.metric, `${axisLabel(a.metric)} · ${a.role}`]);
    // Default: the objective up, the first constraint or guard across.
    setOptions(paretoX, options, (axes.find((a) => a.role !== 'objective') ?? axes[0])?.metric);
    setOptions(paretoY, options, axes[0]?.metric);
    const [x, y] = [axes.find((a) => a.metric === paretoX.value), axes.find((a) => a.metric === paretoY.value)];
    if (!x || !y) return boxes.pareto.show(false);
    const view = paretoSeries(state.board, x, y);
    titles.pareto.textContent = `Pareto: ${axisLabel(y.metric)} against ${axisLabel(x.metric)}`;
    notes.pareto.textContent = `${view.points.length} configs; orange: the feasible front; shaded: where the constraints on these axes hold`;
    boxes.pareto.show(view.points.length > 0);
    if (view.points.length > 0) drawPareto(document.getElementById('pareto-chart'), view);
  };

  const renderImportance = () => {
    const metrics = (state?.importance?.metrics ?? []).filter((m) => m.knobs.length > 0);
    setOptions(importanceSelect, metrics.map((m) => [m.metric, `${axisLabel(m.metric)} · ${m.role}`]), metrics.find((m) => m.role === 'objective')?.metric);
    const entry = metrics.find((m) => m.metric === importanceSelect.value);
    boxes.importance.show(entry !== undefined);
    titles.importance.textContent = entry ? `Knob importance for ${axisLabel(entry.metric)}` : 'Knob importance';
    if (!entry) return;
    notes.importance.textContent = `${entry.method}; ${entry.trials} trials${state.importance.version === -1 ? ', final' : ', live estimate'}`;
    drawImportance(document.getElementById('importance-chart'), entry);
  };

  paramSelect.addEventListener('change', () => state && renderEffect());
  paretoX.addEventListener('change', () => state && renderPareto());
  paretoY.addEventListener('change', () => state && renderPareto());
  importanceSelect.addEventListener('change', renderImportance);

  const nodes = [
    el(
      'div',
      { class: 'charts' },
      el('section', { class: 'panel' }, titles.convergence, boxes.convergence.node),
      el('section', { class: 'panel' }, titles.pareto, el('div', { class: 'row' }, ...labelled('pareto-x', 'x', paretoX), ...labelled('pareto-y', 'y', paretoY)), notes.pareto, boxes.pareto.node),
      el('section', { class: 'panel' }, titles.effect, el('div', { class: 'row' }, ...labelled('effect-parameter', 'knob', paramSelect)), boxes.effect.node),
      el('section', { class: 'panel full-row' }, titles.importance, el('div', { class: 'row' }, ...labelled('importance-metric', 'metric', importanceSelect)), notes.importance, boxes.importance.node),
    ),
    el('section', { class: 'panel' }, titles.parallel, notes.parallel, el('div', { class: 'pc-scroll' }, pcSvg)),
  ];

  return {
    nodes,
    renderImportance(next) {
      state = next;
      renderImportance();
    },
    render(next) {
      state = next;
      const { campaign, board } = state;
      const { objective } = campaign.spec;
      const baselineMean = board.rows.find((r) => r.arm === 'baseline')?.objective?.mean;
      const conv = convergenceSeries(state.trials, campaign.spec, baselineMean);
      titles.convergence.textContent = `Convergence: best feasible ${axisLabel(objective.metric)} by explore trial`;
      boxes.convergence.show(conv.feasible.length + conv.infeasible.length > 0);
      drawConvergence(document.getElementById('convergence-chart'), conv, objective);

      renderPareto();

      const names = parameterNames(state.trials);
      setOptions(paramSelect, names.map((n) => [n, n]), names[0]);
      renderEffect();

      const pc = drawParallelCoordinates(pcSvg, state.trials, names, objective);
      pcSvg.classList.toggle('empty', pc.lines === 0);
      titles.parallel.textContent = `Parallel coordinates: ${axisLabel(objective.metric)} and the ${names.length} knobs of every measured trial`;
      notes.parallel.textContent = pc.lines === 0 ? 'no trial measured yet' : `${pc.lines} measured trials, one line each; colour by ${objective.metric}: blue = best, amber = worst; dashed red: infeasible. Hover a line for its trial.`;
      renderImportance();
    },
  };
}
