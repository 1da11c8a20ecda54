/* global document */
// The worker list: CPU sets, labels, allocators found, heartbeat age, running trials.
import { getJson } from './api.js';
import { age, el, pairs } from './dom.js';

// A worker that has not beaten for longer than a few heartbeats is shown as stale.
const STALE_MS = 15_000;

function row(w, now) {
  const stale = now - w.last_seen_ms > STALE_MS;
  return el(
    'tr',
    { 'data-worker': w.name, class: stale ? 'stale' : '' },
    el('td', { class: 'mono', text: w.name }),
    el('td', { text: w.host }),
    el('td', { class: 'mono', text: w.cpus }),
    el('td', { class: 'mono', text: w.client_cpus ?? '' }),
    el('td', { class: 'mono', text: pairs(w.labels) }),
    el('td', { text: String(w.concurrency) }),
    el('td', { class: 'note', text: w.allocators.map((a) => (a.version ? `${a.name} ${a.version.split('-')[0]}` : a.name)).join(', ') }),
    el('td', { class: stale ? 'bad' : 'good', text: age(w.last_seen_ms, now) }),
    el('td', { class: 'mono', text: (w.active_trials ?? []).join(' ') }),
  );
}

/** Refresh the workers table every `refreshMs`. */
export function watchWorkers({ refreshMs = 2000, onError }) {
  const tbody = document.querySelector('#workers-table tbody');
  const empty = document.getElementById('workers-empty');
  const refresh = async () => {
    try {
      const { workers } = await getJson('/v1/workers');
      const now = Date.now();
      tbody.replaceChildren(...workers.map((w) => row(w, now)));
      empty.hidden = workers.length > 0;
    } catch (err) {
      onError(err);
    }
  };
  void refresh();
  setInterval(() => void refresh(), refreshMs);
}
