/* global document, EventSource */
// One campaign, live: phase and cancel, leaderboard, the charts, the trials, the decision and the
// export. Server-sent events trigger refreshes; EventSource reconnects by itself and sends
// Last-Event-ID, so nothing is missed after a drop.
import { ApiError, describeError, getJson, post } from './api.js';
import { chartPanels } from './chart-panels.js';
import { decisionPanel } from './decision-panel.js';
import { el } from './dom.js';
import { exportPanel } from './export-panel.js';
import { campaignPhase } from './phase.js';
import { LEADERBOARD_HEADERS, leaderboardRow, shownRanks } from './tables.js';
import { trialsPanel } from './trials-panel.js';

// Every event type of src/store/campaign-events.ts changes what the view shows.
const REFRESH_EVENTS = ['campaign_created', 'trial_queued', 'trial_started', 'trial_completed', 'trial_failed', 'duels_planned', 'duels_replanned', 'campaign_state', 'campaign_finished'];
// Coalesce bursts of events (a duel round queues many trials at once) into one refresh.
const DEBOUNCE_MS = 250;

function table(id, headers) {
  const tbody = el('tbody');
  return { tbody, node: el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))), tbody) };
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
  // Known traps found at creation (THP under a memory goal, tcache off under a throughput goal, shared CPUs).
  const warnings = el('ul', { id: 'campaign-warnings', class: 'warnings', hidden: true });
  const board = table('leaderboard-table', LEADERBOARD_HEADERS);
  const charts = chartPanels();
  const trials = trialsPanel(id);
  const decision = decisionPanel();
  const exporter = exportPanel(id);

  root.replaceChildren(
    el('section', { class: 'panel' }, title, el('p', { class: 'row' }, phase), summary, warnings, el('div', { class: 'row' }, cancel, actionStatus, live), alarm),
    el('section', { class: 'panel' }, el('h2', { text: 'Leaderboard' }), el('p', { class: 'note', id: 'leaderboard-note' }), board.node),
    ...charts.nodes,
    ...trials.nodes,
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
      charts.render(state);
      trials.render(state);
    } catch (err) {
      if (seq !== evidenceSeq) return;
      decision.fail(err instanceof ApiError && err.status === 409 ? `nothing decided yet: ${err.message}` : describeError(err));
    }
  };

  const loadImportance = async () => {
    try {
      // Read first, then assign: a refresh may replace `state` while the request is out.
      const importance = await getJson(`/v1/campaigns/${encodeURIComponent(id)}/importance`);
      state.importance = importance;
      charts.renderImportance(state);
      showDecision();
    } catch (err) {
      onError(err);
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
    cancel.disabled = !['running', 'waiting_for_workers'].includes(campaign.state);

    const ranks = shownRanks(lb.rows);
    board.tbody.replaceChildren(...lb.rows.map((r, i) => leaderboardRow(r, spec.objective.metric, campaign.baseline_config, ranks[i], spec)));
    alarm.hidden = !lb.placebo_alarm;
    const traps = campaign.warnings ?? [];
    warnings.hidden = traps.length === 0;
    warnings.replaceChildren(...traps.map((w) => el('li', { text: `warning: ${w.message}` })));
    document.getElementById('leaderboard-note').textContent = `rank: place among configs dueled against the baseline; "unconfirmed": explored only · smallest effect worth claiming: ${lb.min_effect_pct.toFixed(1)}% · ${lb.duels.length} duel(s), ${lb.duels.reduce((n, d) => n + d.pairs_done, 0)} pairs done`;

    charts.render(state);
    trials.render(state);

    // The importance is a model fit: ask again as trials come in, at most every few seconds, until it is final.
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
