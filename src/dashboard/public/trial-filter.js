// Filter and sort controls of the trial table, and the pure filter/sort they apply.
import { el } from './dom.js';

/** Sort keys of the trial table: how each compares two trials. */
const SORTS = {
  trial: (a, b) => trialNumber(a) - trialNumber(b),
  objective: (a, b) => (a.score?.objective ?? Infinity) - (b.score?.objective ?? Infinity),
  steal: (a, b) => (a.steal_pct ?? Infinity) - (b.steal_pct ?? Infinity),
  state: (a, b) => a.state.localeCompare(b.state) || trialNumber(a) - trialNumber(b),
  worker: (a, b) => (a.worker ?? '').localeCompare(b.worker ?? '') || trialNumber(a) - trialNumber(b),
};

function trialNumber(t) {
  return Number(/\d+$/.exec(t.trial_id)?.[0] ?? 0);
}

/** Feasibility of a trial as the service scored it: feasible, infeasible, or unscored (not measured). */
export function feasibilityOf(trial) {
  if (trial.score?.objective === undefined) return 'unscored';
  return trial.score.feasible ? 'feasible' : 'infeasible';
}

/** The trials matching `filter` (`{role, state, worker, feasibility}`, '' = any), sorted by `filter.sort` (`-` prefix: descending). */
export function filterTrials(trials, filter) {
  const kept = trials.filter(
    (t) =>
      (!filter.role || t.role === filter.role) &&
      (!filter.state || t.state === filter.state) &&
      (!filter.worker || (t.worker ?? '') === filter.worker) &&
      (!filter.feasibility || feasibilityOf(t) === filter.feasibility),
  );
  const descending = filter.sort?.startsWith('-');
  const compare = SORTS[filter.sort?.replace(/^-/, '') ?? 'trial'] ?? SORTS.trial;
  return kept.sort((a, b) => (descending ? -compare(a, b) : compare(a, b)));
}

function select(id, label, options) {
  const node = el('select', { id }, ...options.map(([value, text]) => el('option', { value, text })));
  return { node, label: el('label', { for: id, text: label }) };
}

/**
 * The filter bar: one select per field, filled from the trials seen so far. `onChange` is called
 * after any change; `value()` returns the current filter; `update(trials)` refreshes the choices.
 */
export function trialFilterBar(onChange) {
  const fields = {
    role: select('filter-role', 'role', [['', 'any']]),
    state: select('filter-state', 'state', [['', 'any']]),
    worker: select('filter-worker', 'worker', [['', 'any']]),
    feasibility: select('filter-feasibility', 'feasibility', [['', 'any'], ['feasible', 'feasible'], ['infeasible', 'infeasible'], ['unscored', 'not scored']]),
    sort: select('trial-sort', 'sort by', [['trial', 'trial #'], ['-trial', 'trial # (newest first)'], ['objective', 'objective ↑'], ['-objective', 'objective ↓'], ['steal', 'steal ↑'], ['state', 'state'], ['worker', 'worker']]),
  };
  const count = el('span', { id: 'trial-count', class: 'note', role: 'status' });
  for (const f of Object.values(fields)) f.node.addEventListener('change', onChange);
  const fill = (field, values) => {
    const node = fields[field].node;
    const have = [...node.options].map((o) => o.value).slice(1);
    const next = [...new Set(values)].filter(Boolean).sort();
    if (have.join() === next.join()) return;
    const keep = node.value;
    node.replaceChildren(el('option', { value: '', text: 'any' }), ...next.map((v) => el('option', { value: v, text: v })));
    node.value = next.includes(keep) ? keep : '';
  };
  return {
    node: el('div', { class: 'row filters' }, ...Object.values(fields).flatMap((f) => [f.label, f.node]), count),
    value: () => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.node.value])),
    update(trials, shown) {
      fill('role', trials.map((t) => t.role));
      fill('state', trials.map((t) => t.state));
      fill('worker', trials.map((t) => t.worker ?? ''));
      count.textContent = `${shown} of ${trials.length} trials shown`;
    },
  };
}
