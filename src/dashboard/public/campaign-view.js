/* global document, EventSource */
// One campaign, live: header with progress and cancel, leaderboard, convergence, Pareto, parameter
// effects, trials, export. Server-sent events trigger refreshes; EventSource reconnects by itself
// and sends Last-Event-ID, so nothing is missed after a drop.
import { ApiError, describeError, getJson, post } from './api.js';
import { drawConvergence, drawEffect, drawPareto } from './charts.js';
import { el } from './dom.js';
import { exportPanel } from './export-panel.js';
import { convergenceSeries, effectSeries, parameterNames } from './series.js';
import { LEADERBOARD_HEADERS, TRIAL_HEADERS, leaderboardRow, trialRow } from './tables.js';

// Every event type of src/store/campaign-events.ts changes what the view shows.
const REFRESH_EVENTS = ['campaign_created', 'trial_queued', 'trial_started', 'trial_completed', 'trial_failed', 'duels_planned', 'duels_replanned', 'campaign_finished'];
// Coalesce bursts of events (a duel round queues many trials at once) into one refresh.
const DEBOUNCE_MS = 250;

function table(id, headers) {
  const tbody = el('tbody');
  return { tbody, node: el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))), tbody) };
}

function chartBox(id) {
  return el('div', { class: 'chart-box' }, el('canvas', { id }));
}

/** Render campaign `id` into `root`; returns a stop function (closes the event stream). */
export function showCampaign(root, id, { onError, onAuthError }) {
  const title = el('h2', { text: id });
  const summary = el('p', { class: 'note', id: 'campaign-summary' });
  const cancel = el('button', { id: 'cancel-campaign', type: 'button', text: 'cancel campaign' });
  const actionStatus = el('span', { id: 'action-status', class: 'note', role: 'status' });
  const live = el('span', { id: 'live-status', class: 'note', text: 'connecting to live updates…' });
  const alarm = el('p', { id: 'placebo-alarm', class: 'banner', hidden: true, text: 'The placebo (a copy of the baseline) won its duel: the measurements are too noisy to trust, no claim is made.' });
  const board = table('leaderboard-table', LEADERBOARD_HEADERS);
  const trials = table('trials-table', TRIAL_HEADERS);
  const paramSelect = el('select', { id: 'effect-parameter' });
  const paretoNote = el('p', { class: 'note', id: 'pareto-note' });
  const exporter = exportPanel(id);

  root.replaceChildren(
    el('section', { class: 'panel' }, title, summary, el('div', { class: 'row' }, cancel, actionStatus, live), alarm),
    el('section', { class: 'panel' }, el('h2', { text: 'Leaderboard' }), el('p', { class: 'note', id: 'leaderboard-note' }), board.node),
    el(
      'div',
      { class: 'charts' },
      el('section', { class: 'panel' }, el('h3', { text: 'Convergence: best feasible objective vs trial' }), chartBox('convergence-chart')),
      el('section', { class: 'panel' }, el('h3', { text: 'Pareto: latency vs memory' }), paretoNote, chartBox('pareto-chart')),
      el('section', { class: 'panel' }, el('h3', { text: 'Parameter effect' }), el('div', { class: 'row' }, el('label', { for: 'effect-parameter', text: 'parameter ' }), paramSelect), chartBox('effect-chart')),
    ),
    el('section', { class: 'panel' }, el('h2', { text: 'Trials' }), trials.node),
    exporter.node,
  );

  let state = { campaign: undefined, coordinates: [], trials: [], board: undefined, pareto: undefined };
  let stopped = false;
  let running = false;
  let again = false;
  let timer;
  let exportedState;

  const renderEffect = () => {
    const { campaign } = state;
    if (!campaign || !paramSelect.value) return;
    drawEffect(document.getElementById('effect-chart'), effectSeries(state.trials, paramSelect.value, state.coordinates), paramSelect.value, campaign.spec.objective);
  };
  paramSelect.addEventListener('change', renderEffect);

  const render = () => {
    const { campaign, progress, board: lb, pareto } = state;
    const spec = campaign.spec;
    title.textContent = `${spec.name} (${campaign.id})`;
    const stop = campaign.stop_reason ? ` · stopped: ${campaign.stop_reason}` : '';
    summary.textContent =
      `${spec.allocator} · ${campaign.state} · objective ${spec.objective.direction} ${spec.objective.metric}` +
      (spec.constraints.length ? ` · constraints ${spec.constraints.map((c) => ('max' in c ? `${c.metric} ≤ ${c.max}` : `${c.metric} ≥ ${c.min}`)).join(', ')}` : '') +
      ` · explored ${progress.explored}/${progress.explore_budget}, ${progress.completed} done, ${progress.failed} failed, ${progress.in_flight} in flight${stop}`;
    cancel.disabled = campaign.state !== 'running';

    board.tbody.replaceChildren(...lb.rows.map((r) => leaderboardRow(r, spec.objective.metric, campaign.baseline_config)));
    alarm.hidden = !lb.placebo_alarm;
    document.getElementById('leaderboard-note').textContent = `smallest effect worth claiming: ${lb.min_effect_pct.toFixed(1)}% · ${lb.duels.length} duel(s), ${lb.duels.reduce((n, d) => n + d.pairs_done, 0)} pairs done`;

    const baselineMean = lb.rows.find((r) => r.arm === 'baseline')?.objective?.mean;
    drawConvergence(document.getElementById('convergence-chart'), convergenceSeries(state.trials, spec, baselineMean), spec.objective);

    if (pareto.x && pareto.y) {
      paretoNote.textContent = `${pareto.points.length} configs; shaded: where the constraints on these axes hold`;
      drawPareto(document.getElementById('pareto-chart'), pareto);
    } else paretoNote.textContent = 'no latency-like and memory-like metric measured yet';

    const names = parameterNames(state.trials);
    if (names.join() !== [...paramSelect.options].map((o) => o.value).join()) {
      const keep = paramSelect.value;
      paramSelect.replaceChildren(...names.map((n) => el('option', { value: n, text: n })));
      if (names.includes(keep)) paramSelect.value = keep;
    }
    renderEffect();

    const sorted = [...state.trials].sort((a, b) => (b.state === 'failed') - (a.state === 'failed') || Number(/\d+$/.exec(a.trial_id)?.[0]) - Number(/\d+$/.exec(b.trial_id)?.[0]));
    trials.tbody.replaceChildren(...sorted.map((t) => trialRow(t, spec.objective.metric, campaign.baseline_config)));

    // The export changes with the verdict: load it once the baseline is measured, again when the campaign ends.
    if (exportedState === undefined && lb.rows.some((r) => r.arm === 'baseline' && r.completed > 0)) {
      exportedState = campaign.state;
      void exporter.load();
    } else if (exportedState !== undefined && exportedState !== campaign.state) {
      exportedState = campaign.state;
      void exporter.load();
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
      const [detail, t, lb, pareto] = await Promise.all([getJson(base), getJson(`${base}/trials`), getJson(`${base}/leaderboard`), getJson(`${base}/pareto`)]);
      if (stopped) return;
      state = { campaign: detail.campaign, progress: detail.progress, coordinates: detail.search_coordinates ?? [], trials: t.trials, board: lb, pareto };
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
