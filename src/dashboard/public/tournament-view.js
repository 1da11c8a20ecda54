/* global EventSource */
// Tournaments: the list (GET /v1/tournaments) and one tournament (GET /v1/tournaments/:id/leaderboard):
// per thread count the allocators' standings, what switching is worth against tuning, and the child
// campaigns, each linked to its own page. Tournament events refresh the page; the children's progress
// moves without them (they keep their own streams), so a slow poll runs until the tournament stops.
import { ApiError, getJson } from './api.js';
import { el } from './dom.js';
import { childrenTable, rankingTable, worthTable } from './tournament-tables.js';

const EVENTS = ['tournament_created', 'final_round_opened', 'final_round_blocks_queued', 'final_round_blocks_lost', 'final_round_done', 'tournament_state', 'tournament_finished'];
const FINAL = new Set(['finished', 'cancelled', 'failed']);
const POLL_MS = 5000;

function threadsTitle(threads) {
  return threads === null ? 'Result (no thread sweep)' : `${threads} thread${threads === 1 ? '' : 's'}`;
}

function threadSection(t) {
  const round = t.round;
  return el(
    'section',
    { class: 'panel tournament-threads', 'data-threads': String(t.threads ?? 'none') },
    el('h2', { text: threadsTitle(t.threads) }),
    el('p', { class: 'note round-status', text: `final round: ${round.status}${round.reason ? ` (${round.reason})` : ''}${round.workers.length ? ` · ${round.workers.map((w) => `${w.worker}: block${w.blocks.length === 1 ? '' : 's'} ${w.blocks.join(', ')}`).join('; ')}` : ''} · ${round.blocks} blocks, ${round.trials} trials` }),
    ...round.notes.map((n) => el('p', { class: 'note', text: n })),
    el('h3', { text: 'Standings against the baseline' }),
    t.ranking.length ? rankingTable(t.ranking) : el('p', { class: 'note', text: 'nothing ranked yet: the child campaigns are still running' }),
    el('h3', { text: 'Switch or tune?' }),
    t.worth ? worthTable(t.worth) : el('p', { class: 'note', text: 'decided once the final round is done' }),
    el('h3', { text: 'Child campaigns' }),
    childrenTable(t.children),
  );
}

/** Render tournament `id` into `root`; returns a stop function. */
export function showTournament(root, id, { onError }) {
  const title = el('h2', { id: 'tournament-title', text: id });
  const state = el('span', { id: 'tournament-state', class: 'state' });
  const summary = el('p', { class: 'note', id: 'tournament-summary' });
  const headline = el('ul', { id: 'tournament-headline', class: 'plain' });
  const body = el('div', { id: 'tournament-body' });
  root.replaceChildren(el('section', { class: 'panel' }, title, el('p', { class: 'row' }, state), summary, headline), body);

  let stopped = false;
  let poll;
  let events;
  const stop = () => {
    stopped = true;
    clearInterval(poll);
    events?.close();
  };
  const refresh = async () => {
    try {
      const v = await getJson(`/v1/tournaments/${encodeURIComponent(id)}/leaderboard`);
      if (stopped) return;
      title.textContent = `${v.name} (${v.tournament_id})`;
      state.textContent = v.state;
      state.className = `state state-${v.state}`;
      state.dataset.state = v.state;
      summary.textContent = `baseline: ${v.baseline_allocator} defaults · objective: ${v.objective.direction} ${v.objective.metric}${v.stop_reason ? ` · ${v.stop_reason}` : ''}`;
      headline.replaceChildren(...v.headline.map((h) => el('li', { text: h })));
      body.replaceChildren(...v.per_threads.map(threadSection));
      root.dataset.refreshes = String(Number(root.dataset.refreshes ?? 0) + 1);
      if (FINAL.has(v.state)) clearInterval(poll);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) summary.textContent = `tournament ${id} does not exist`;
      onError(err);
    }
  };
  events = new EventSource(`/v1/tournaments/${encodeURIComponent(id)}/events`);
  for (const type of EVENTS) events.addEventListener(type, () => void refresh());
  poll = setInterval(() => void refresh(), POLL_MS);
  void refresh();
  return stop;
}

/** The list of tournaments, newest first, each linked to its page; returns a stop function. */
export function showTournamentList(root, { onError }) {
  const tbody = el('tbody');
  const empty = el('p', { class: 'note', hidden: true, text: 'No tournaments yet. Start one with POST /v1/tournaments (see /docs).' });
  root.replaceChildren(
    el('section', { class: 'panel' }, el('h2', { text: 'Tournaments' }), el('table', { id: 'tournaments-table', class: 'grid' }, el('thead', {}, el('tr', {}, ...['name', 'id', 'allocators', 'threads', 'state', 'created'].map((h) => el('th', { text: h })))), tbody), empty),
  );
  const load = async () => {
    try {
      const { tournaments } = await getJson('/v1/tournaments');
      tournaments.sort((a, b) => b.created_at.localeCompare(a.created_at));
      tbody.replaceChildren(
        ...tournaments.map((t) =>
          el(
            'tr',
            { 'data-tournament': t.id },
            el('td', {}, el('a', { href: `#/tournament/${encodeURIComponent(t.id)}`, text: t.spec.name })),
            el('td', { class: 'mono', text: t.id }),
            el('td', { text: [...new Set(t.children.map((c) => c.allocator))].join(', ') }),
            el('td', { text: [...new Set(t.children.map((c) => c.threads ?? '–'))].join(', ') }),
            el('td', {}, el('span', { class: `state state-${t.state}`, text: t.state })),
            el('td', { class: 'note', text: new Date(t.created_at).toLocaleString() }),
          ),
        ),
      );
      empty.hidden = tournaments.length > 0;
    } catch (err) {
      onError(err);
    }
  };
  void load();
  const timer = setInterval(() => void load(), POLL_MS);
  return () => clearInterval(timer);
}
