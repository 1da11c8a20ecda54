// The list of campaigns with their state and progress.
import { getJson } from './api.js';
import { el } from './dom.js';

function progressCell(p) {
  const pct = p.explore_budget > 0 ? Math.min(100, (100 * p.explored) / p.explore_budget) : 0;
  const fill = el('div', { class: 'fill' });
  // Through the CSSOM: the page's CSP forbids style attributes.
  fill.style.width = `${pct.toFixed(0)}%`;
  return el(
    'td',
    { class: 'progress-cell' },
    el('div', { class: 'bar', title: `${p.explored} of ${p.explore_budget} explore trials proposed` }, fill),
    el('span', { class: 'note', text: `explored ${p.explored}/${p.explore_budget} · ${p.completed} done · ${p.failed} failed · ${p.in_flight} in flight · ${p.duel_trials} duel trials` }),
  );
}

// What a waiting campaign waits for (record.waiting_for), next to its state.
function waitingNote(c) {
  const w = c.waiting_for;
  if (c.state !== 'waiting_for_workers' || !w) return '';
  const labels = Object.entries(w.worker_labels).map(([k, v]) => `${k}=${v}`).join(',');
  return `needs a worker with ${labels ? `labels ${labels}, ` : ''}${w.commands.length ? `commands ${w.commands.join(',')}, ` : ''}allocator ${w.allocator} (${w.reason})`;
}

function row(c) {
  return el(
    'tr',
    { 'data-campaign': c.id },
    el('td', {}, el('a', { href: `#/campaign/${encodeURIComponent(c.id)}`, text: c.spec.name })),
    el('td', { class: 'mono', text: c.id }),
    el('td', { text: c.spec.allocator }),
    el('td', {}, el('span', { class: `state state-${c.state}`, text: c.state }), el('div', { class: 'note waiting-for', text: waitingNote(c) })),
    progressCell(c.progress),
    el('td', { class: 'note', text: c.stop_reason ?? '' }),
    el('td', { class: 'note', text: new Date(c.created_at).toLocaleString() }),
  );
}

/** Render the campaign list into `root` and refresh it every `refreshMs`; returns a stop function. */
export function showCampaignList(root, { refreshMs = 3000, onError }) {
  const tbody = el('tbody');
  const empty = el('p', { class: 'note', hidden: true, text: 'No campaigns yet. Start one with POST /v1/campaigns (see /docs).' });
  root.replaceChildren(
    el(
      'section',
      { class: 'panel' },
      el('h2', { text: 'Campaigns' }),
      el('table', { id: 'campaigns-table', class: 'grid' }, el('thead', {}, el('tr', {}, ...['name', 'id', 'allocator', 'state', 'progress', 'stop reason', 'created'].map((h) => el('th', { text: h })))), tbody),
      empty,
    ),
  );
  let stopped = false;
  const refresh = async () => {
    try {
      const { campaigns } = await getJson('/v1/campaigns');
      campaigns.sort((a, b) => b.created_at.localeCompare(a.created_at));
      tbody.replaceChildren(...campaigns.map(row));
      empty.hidden = campaigns.length > 0;
    } catch (err) {
      onError(err);
    }
  };
  void refresh();
  const timer = setInterval(() => !stopped && void refresh(), refreshMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
