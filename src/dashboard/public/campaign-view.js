/* global document, EventSource */
// One campaign, live: phase and cancel, leaderboard, convergence, Pareto, slices, importance,
// parallel coordinates, trials (filter, detail, compare), the decision and the export. Server-sent events trigger refreshes; EventSource reconnects by itself
// and sends Last-Event-ID, so nothing is missed after a drop.
import { ApiError, describeError, getJson, post } from './api.js';
import { drawConvergence, drawEffect, drawPareto } from './charts.js';
import { decisionPanel } from './decision-panel.js';
import { axisLabel, el } from './dom.js';
import { exportPanel } from './export-panel.js';
import { drawImportance } from './importance-chart.js';
import { drawParallelCoordinates } from './parallel-coords.js';
import { paretoAxes, paretoSeries } from './pareto-series.js';
import { campaignPhase } from './phase.js';
import { convergenceSeries, effectSeries, parameterNames } from './series.js';
import { LEADERBOARD_HEADERS, TRIAL_HEADERS, leaderboardRow, shownRanks, trialRow } from './tables.js';
import { renderCompare } from './trial-compare.js';
import { trialDetail } from './trial-detail.js';
import { filterTrials, trialFilterBar } from './trial-filter.js';

// Every event type of src/store/campaign-events.ts changes what the view shows.
const REFRESH_EVENTS = ['campaign_created', 'trial_queued', 'trial_started', 'trial_completed', 'trial_failed', 'duels_planned', 'duels_replanned', 'campaign_finished'];
// Coalesce bursts of events (a duel round queues many trials at once) into one refresh.
const DEBOUNCE_MS = 250;

function table(id, headers) {
  const tbody = el('tbody');
  return { tbody, node: el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))), tbody) };
}

/** A chart box with the note shown instead of it while there is nothing to plot (no empty axes). */
function chartBox(id, emptyText) {
  const note = el('p', { class: 'note empty-note', id: `${id}-empty`, text: emptyText });
  const box = el('div', { class: 'chart-box' }, el('canvas', { id }));
  return { node: el('div', {}, note, box), show: (hasData) => ((box.hidden = !hasData), (note.hidden = hasData)) };
}

function labelled(id, label, node) {
  return [el('label', { for: id, text: label }), node];
}

/** Render campaign `id` into `root`; returns a stop function (closes the event stream). */
export function showCampaign(root, id, { onError, onAuthError }) {
  const title = el('h2', { text: id });
  const phase = el('span', { id: 'campaign-phase', class: 'phase' });
  const summary = el('p', { class: 'note', id: 'campaign-summary' });
  const cancel = el('button', { id: 'cancel-campaign', type: 'button', text: 'cancel campaign' });
  const actionStatus = el('span', { id: 'action-status', class: 'note', role: 'status' });
  const live = el('span', { id: 'live-status', class: 'note', text: 'connecting to live updates…' });
  const alarm = el('p', { id: 'placebo-alarm', class: 'banner', hidden: true, text: 'The placebo (a copy of the baseline) won its duel: the measurements are too noisy to trust, no claim is made.' });
  const board = table('leaderboard-table', LEADERBOARD_HEADERS);
  const trials = table('trials-table', TRIAL_HEADERS);
  const paramSelect = el('select', { id: 'effect-parameter' });
  const paretoX = el('select', { id: 'pareto-x' });
  const paretoY = el('select', { id: 'pareto-y' });
  const paretoTitle = el('h3', { id: 'pareto-title', text: 'Pareto' });
  const paretoNote = el('p', { class: 'note', id: 'pareto-note' });
  const importanceSelect = el('select', { id: 'importance-metric' });
  const importanceNote = el('p', { class: 'note', id: 'importance-note' });
  const pcSvg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  pcSvg.id = 'parallel-chart';
  const pcNote = el('p', { class: 'note', id: 'parallel-note' });
  const charts = {
    convergence: chartBox('convergence-chart', 'no explore trial measured yet'),
    pareto: chartBox('pareto-chart', 'no config measured on both metrics yet'),
    effect: chartBox('effect-chart', 'no explore trial measured yet'),
    importance: chartBox('importance-chart', 'importance needs at least 4 measured trials'),
  };
  const compareNode = el('section', { class: 'panel', id: 'trial-compare', hidden: true });
  const compareStatus = el('span', { id: 'compare-status', class: 'note', text: 'tick two trials to compare them' });
  const filterBar = trialFilterBar(() => renderTrials());
  const detail = trialDetail(id);
  const decision = decisionPanel();
  const exporter = exportPanel(id);

  root.replaceChildren(
    el('section', { class: 'panel' }, title, el('p', { class: 'row' }, phase), summary, el('div', { class: 'row' }, cancel, actionStatus, live), alarm),
    el('section', { class: 'panel' }, el('h2', { text: 'Leaderboard' }), el('p', { class: 'note', id: 'leaderboard-note' }), board.node),
    el(
      'div',
      { class: 'charts' },
      el('section', { class: 'panel' }, el('h3', { id: 'convergence-title', text: 'Convergence' }), charts.convergence.node),
      el('section', { class: 'panel' }, paretoTitle, el('div', { class: 'row' }, ...labelled('pareto-x', 'x ', paretoX), ...labelled('pareto-y', 'y ', paretoY)), paretoNote, charts.pareto.node),
      el('section', { class: 'panel' }, el('h3', { id: 'effect-title', text: 'Slice' }), el('div', { class: 'row' }, ...labelled('effect-parameter', 'knob ', paramSelect)), charts.effect.node),
      el('section', { class: 'panel' }, el('h3', { id: 'importance-title', text: 'Knob importance' }), el('div', { class: 'row' }, ...labelled('importance-metric', 'metric ', importanceSelect)), importanceNote, charts.importance.node),
    ),
    el('section', { class: 'panel' }, el('h3', { id: 'parallel-title', text: 'Parallel coordinates: every measured trial' }), pcNote, el('div', { class: 'pc-scroll' }, pcSvg)),
    el('section', { class: 'panel', id: 'trials-panel' }, el('h2', { text: 'Trials' }), filterBar.node, el('div', { class: 'row' }, compareStatus), trials.node),
    detail.node,
    compareNode,
    decision.node,
    exporter.node,
  );

  let state = { campaign: undefined, coordinates: [], trials: [], board: undefined, importance: undefined, evidence: undefined };
  let stopped = false;
  let running = false;
  let again = false;
  let timer;
  let exportedState;
  let importanceAt;
  const compared = [];

  const renderEffect = () => {
    const { campaign } = state;
    if (!campaign || !paramSelect.value) return charts.effect.show(false);
    const series = effectSeries(state.trials, paramSelect.value, state.coordinates);
    document.getElementById('effect-title').textContent = `Slice: ${axisLabel(campaign.spec.objective.metric)} against ${paramSelect.value}`;
    charts.effect.show(series.feasible.length + series.infeasible.length > 0);
    drawEffect(document.getElementById('effect-chart'), series, paramSelect.value, campaign.spec.objective);
  };
  paramSelect.addEventListener('change', renderEffect);

  const renderPareto = () => {
    const { campaign, board: lb, evidence } = state;
    if (!campaign) return;
    const axes = paretoAxes(campaign, lb, evidence?.guards ?? []);
    const options = axes.map((a) => [a.metric, `${axisLabel(a.metric)} · ${a.role}`]);
    for (const [node, fallback] of [[paretoX, axes.find((a) => a.role !== 'objective') ?? axes[0]], [paretoY, axes[0]]]) {
      if ([...node.options].map((o) => o.value).join() === options.map(([v]) => v).join()) continue;
      const keep = node.value || fallback?.metric;
      node.replaceChildren(...options.map(([value, text]) => el('option', { value, text })));
      node.value = options.some(([v]) => v === keep) ? keep : (fallback?.metric ?? '');
    }
    const [x, y] = [axes.find((a) => a.metric === paretoX.value), axes.find((a) => a.metric === paretoY.value)];
    if (!x || !y) return charts.pareto.show(false);
    const view = paretoSeries(lb, x, y);
    paretoTitle.textContent = `Pareto: ${axisLabel(y.metric)} against ${axisLabel(x.metric)}`;
    paretoNote.textContent = `${view.points.length} configs; orange: the feasible front; shaded: where the constraints on these axes hold`;
    charts.pareto.show(view.points.length > 0);
    if (view.points.length > 0) drawPareto(document.getElementById('pareto-chart'), view);
  };
  paretoX.addEventListener('change', renderPareto);
  paretoY.addEventListener('change', renderPareto);

  const renderImportance = () => {
    const metrics = (state.importance?.metrics ?? []).filter((m) => m.knobs.length > 0);
    const values = metrics.map((m) => m.metric);
    if ([...importanceSelect.options].map((o) => o.value).join() !== values.join()) {
      const keep = importanceSelect.value;
      importanceSelect.replaceChildren(...metrics.map((m) => el('option', { value: m.metric, text: `${axisLabel(m.metric)} · ${m.role}` })));
      if (values.includes(keep)) importanceSelect.value = keep;
    }
    const entry = metrics.find((m) => m.metric === importanceSelect.value);
    charts.importance.show(entry !== undefined);
    if (!entry) return;
    document.getElementById('importance-title').textContent = `Knob importance for ${axisLabel(entry.metric)}`;
    importanceNote.textContent = `${entry.method}; ${entry.trials} trials${state.importance.version === -1 ? ', final' : ', live estimate'}`;
    drawImportance(document.getElementById('importance-chart'), entry);
  };
  importanceSelect.addEventListener('change', renderImportance);

  const renderTrials = () => {
    const { campaign } = state;
    if (!campaign) return;
    const shown = filterTrials(state.trials, filterBar.value());
    filterBar.update(state.trials, shown.length);
    const handlers = {
      onDetail: (tid) => void detail.show(tid, campaign.metrics.objective),
      onCompare: (tid, on) => {
        const i = compared.indexOf(tid);
        if (on && i < 0) compared.push(tid);
        if (!on && i >= 0) compared.splice(i, 1);
        while (compared.length > 2) compared.shift();
        renderTrials();
        renderComparison();
      },
    };
    trials.tbody.replaceChildren(...shown.map((t) => trialRow(t, campaign.spec.objective.metric, campaign.baseline_config, { ...handlers, compared: compared.includes(t.trial_id) })));
  };

  const renderComparison = () => {
    const [a, b] = compared.map((tid) => state.trials.find((t) => t.trial_id === tid));
    if (!a || !b) {
      compareNode.hidden = true;
      compareStatus.textContent = compared.length === 1 ? `${compared[0]} ticked: tick one more trial to compare` : 'tick two trials to compare them';
      return;
    }
    compareStatus.textContent = `comparing ${a.trial_id} with ${b.trial_id} (below)`;
    const focus = [...new Set([state.campaign.metrics.objective, ...state.campaign.metrics.constraints, ...(state.evidence?.guards ?? []).map((g) => g.metric)])];
    renderCompare(compareNode, a, b, focus);
  };

  const showDecision = () => {
    if (state.evidence) decision.show(state.evidence, state.importance?.metrics.find((m) => m.role === 'objective'));
  };

  // Only the newest evidence may paint: the final one (with importance) can take longer than a live one.
  let evidenceSeq = 0;
  const loadEvidence = async () => {
    const seq = ++evidenceSeq;
    try {
      const evidence = await getJson(`/v1/campaigns/${encodeURIComponent(id)}/export?format=json`);
      if (seq !== evidenceSeq) return;
      state.evidence = evidence;
      showDecision();
      renderPareto();
    } catch (err) {
      if (seq !== evidenceSeq) return;
      decision.fail(err instanceof ApiError && err.status === 409 ? `nothing decided yet: ${err.message}` : describeError(err));
    }
  };

  const loadImportance = async () => {
    try {
      state.importance = await getJson(`/v1/campaigns/${encodeURIComponent(id)}/importance`);
      renderImportance();
      showDecision();
    } catch (err) {
      importanceNote.textContent = describeError(err);
    }
  };

  const render = () => {
    const { campaign, progress, board: lb } = state;
    const spec = campaign.spec;
    title.textContent = `${spec.name} (${campaign.id})`;
    const p = campaignPhase(campaign, progress);
    phase.textContent = p.text;
    phase.dataset.phase = p.phase;
    phase.className = `phase phase-${p.phase}`;
    summary.textContent =
      `${spec.allocator} · objective: ${spec.objective.direction} ${spec.objective.metric}` +
      (spec.constraints.length ? ` · constraints ${spec.constraints.map((c) => ('max' in c ? `${c.metric} ≤ ${c.max}` : 'min' in c ? `${c.metric} ≥ ${c.min}` : c.metric)).join(', ')}` : '') +
      ` · explored ${progress.explored}/${progress.explore_budget}, ${progress.completed} done, ${progress.failed} failed, ${progress.in_flight} in flight, ${progress.duel_trials} duel and ${progress.distill_trials ?? 0} distillation trials`;
    cancel.disabled = campaign.state !== 'running';

    const ranks = shownRanks(lb.rows);
    board.tbody.replaceChildren(...lb.rows.map((r, i) => leaderboardRow(r, spec.objective.metric, campaign.baseline_config, ranks[i])));
    alarm.hidden = !lb.placebo_alarm;
    document.getElementById('leaderboard-note').textContent = `rank: place among configs dueled against the baseline; "unconfirmed": explored only · smallest effect worth claiming: ${lb.min_effect_pct.toFixed(1)}% · ${lb.duels.length} duel(s), ${lb.duels.reduce((n, d) => n + d.pairs_done, 0)} pairs done`;

    const baselineMean = lb.rows.find((r) => r.arm === 'baseline')?.objective?.mean;
    const conv = convergenceSeries(state.trials, spec, baselineMean);
    document.getElementById('convergence-title').textContent = `Convergence: best feasible ${axisLabel(spec.objective.metric)} by explore trial`;
    charts.convergence.show(conv.feasible.length + conv.infeasible.length > 0);
    drawConvergence(document.getElementById('convergence-chart'), conv, spec.objective);

    renderPareto();

    const names = parameterNames(state.trials);
    if (names.join() !== [...paramSelect.options].map((o) => o.value).join()) {
      const keep = paramSelect.value;
      paramSelect.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
      if (names.includes(keep)) paramSelect.value = keep;
    }
    renderEffect();

    const pc = drawParallelCoordinates(pcSvg, state.trials, names, spec.objective);
    pcNote.textContent = `${pc.lines} measured trials, one line each over ${pc.axes - 1} knobs and the objective; colour: blue = best ${spec.objective.metric}, amber = worst; dashed red: infeasible`;

    renderTrials();
    renderComparison();

    // The importance is a model fit: ask again when more trials are in, at most every few seconds.
    const now = Date.now();
    if (importanceAt === undefined || (now - importanceAt > 5000 && state.importance?.version !== -1)) {
      importanceAt = now;
      void loadImportance();
    }

    // The export changes with the verdict: load it once the baseline is measured, again when the campaign ends.
    if ((exportedState === undefined && lb.rows.some((r) => r.arm === 'baseline' && r.completed > 0)) || (exportedState !== undefined && exportedState !== campaign.state)) {
      exportedState = campaign.state;
      void exporter.load();
      void loadEvidence();
    }
  };

  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const base = `/v1/campaigns/${encodeURIComponent(id)}`;
      const [record, t, lb] = await Promise.all([getJson(base), getJson(`${base}/trials`), getJson(`${base}/leaderboard`)]);
      if (stopped) return;
      state = { ...state, campaign: record.campaign, progress: record.progress, coordinates: record.search_coordinates ?? [], trials: t.trials, board: lb };
      render();
      root.dataset.refreshes = String(Number(root.dataset.refreshes ?? 0) + 1);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) summary.textContent = `campaign ${id} does not exist`;
      onError(err);
    } finally {
      running = false;
      if (again && !stopped) {
        again = false;
        void refresh();
      }
    }
  };
  const schedule = () => {
    if (timer === undefined) timer = setTimeout(() => ((timer = undefined), void refresh()), DEBOUNCE_MS);
  };

  cancel.addEventListener('click', async () => {
    actionStatus.textContent = 'cancelling…';
    try {
      await post(`/v1/campaigns/${encodeURIComponent(id)}/cancel`);
      actionStatus.textContent = 'cancelled';
      schedule();
    } catch (err) {
      actionStatus.textContent = describeError(err);
      if (err instanceof ApiError && err.status === 401) onAuthError(err);
    }
  });

  const events = new EventSource(`/v1/campaigns/${encodeURIComponent(id)}/events`);
  events.addEventListener('open', () => (live.textContent = 'live: connected to the event stream'));
  events.addEventListener('error', () => (live.textContent = 'live updates interrupted: reconnecting…'));
  for (const type of REFRESH_EVENTS) events.addEventListener(type, schedule);
  void refresh();
  // Heartbeat ages and in-flight counts move without events; a slow poll keeps them honest.
  const poll = setInterval(schedule, 10_000);

  return () => {
    stopped = true;
    events.close();
    clearInterval(poll);
    clearTimeout(timer);
  };
}
