// One trial in full (GET /v1/campaigns/:id/trials/:tid): its settings, the library the worker
// preloaded, and every repeat with its steal, the allocator that served it and the options it read back.
import { describeError, getJson } from './api.js';
import { el, metricValue, num, pairs } from './dom.js';
import { fidelityBadge, traceFidelitySection } from './trace-fidelity-view.js';

/** The objective's value in one repeat's workload (summary keys are `<workload label>.<metric>`). */
function repeatValue(workload, key) {
  return key.startsWith(`${workload.label}.`) ? workload.metrics[key.slice(workload.label.length + 1)] : undefined;
}

/** The options read back for the knobs the trial sets (a mismatch marked), the full list folded away. */
function readBackCell(options, config) {
  const set = Object.keys(config ?? {}).filter((k) => k in options);
  const lines = set.map((k) => `${k}=${options[k]}${String(options[k]) === String(config[k]) ? '' : ` (asked ${config[k]})`}`);
  const all = Object.keys(options).length;
  return el(
    'td',
    { class: 'mono setting' },
    el('div', { text: lines.join(' ') || (all ? '(the trial sets no knob it reads back)' : '(none read back)') }),
    all > set.length ? el('details', {}, el('summary', { class: 'note', text: `all ${all} options read back` }), el('div', { text: pairs(options) })) : undefined,
  );
}

function repeatRows(result, objectiveKey, config) {
  return result.repeats.flatMap((r) => [
    ...r.workloads.map((w) =>
      el(
        'tr',
        { 'data-repeat': String(r.index) },
        el('td', { text: String(r.index + 1) }),
        el('td', { class: 'mono', text: w.label }),
        el('td', { text: metricValue(objectiveKey, repeatValue(w, objectiveKey)) }),
        el('td', { class: w.steal_pct > 5 ? 'bad' : '', text: `${num(w.steal_pct)}%` }),
        el('td', { text: `${num(w.duration_ms)} ms` }),
        el('td', { class: 'mono', text: `${w.allocator.name} ${w.allocator.version}` }),
        readBackCell(w.allocator.options, config),
      ),
    ),
    ...r.discarded.map((d) => el('tr', { class: 'failed' }, el('td', { text: String(r.index + 1) }), el('td', { class: 'mono', text: d.label }), el('td', { colspan: '5', text: `discarded: ${d.reason} (steal ${num(d.steal_pct)}%)` }))),
  ]);
}

const REPEAT_HEADERS = ['repeat', 'workload', 'objective', 'steal', 'duration', 'allocator that served it', 'options read back (knobs the trial sets)'];

/** The panel (`node`) and `show(trialId, objectiveKey, spec)`, which loads and renders one trial (`objectiveKey`: the objective's summary key; `spec`: the campaign's). */
export function trialDetail(campaignId) {
  const body = el('div', { id: 'trial-detail-body' });
  const node = el('section', { class: 'panel', id: 'trial-detail', hidden: true }, el('h2', { id: 'trial-detail-title', text: 'Trial detail' }), body);
  const show = async (trialId, objectiveKey, spec) => {
    node.hidden = false;
    body.replaceChildren(el('p', { class: 'note', text: `loading ${trialId}…` }));
    try {
      const { trial, results } = await getJson(`/v1/campaigns/${encodeURIComponent(campaignId)}/trials/${encodeURIComponent(trialId)}`);
      const result = results[0];
      node.querySelector('h2').textContent = `Trial ${trial.trial_id}: ${trial.role}${trial.duel ? ` (${trial.duel.arm}, duel ${trial.duel.duel_id} pair ${trial.duel.pair_index} side ${trial.duel.side})` : ''}, ${trial.state}`;
      const facts = el(
        'dl',
        { class: 'facts' },
        el('dt', { text: 'setting' }), el('dd', { class: 'mono setting', text: pairs(trial.env) || '(allocator defaults)' }),
        el('dt', { text: 'worker' }), el('dd', { class: 'mono', text: result ? `${result.worker.name} on ${result.worker.host} (CPUs ${result.worker.cpus}, client ${result.worker.client_cpus}, kernel ${result.worker.kernel})` : (trial.worker ?? '–') }),
        el('dt', { text: 'library preloaded' }), el('dd', { class: 'mono', text: result?.preload ?? (result ? 'none (the system allocator)' : '–') }),
        ...(spec?.explore_with ? [el('dt', { text: 'fidelity' }), el('dd', { id: 'trial-fidelity' }, fidelityBadge(trial.fidelity, spec))] : []),
        el('dt', { text: 'objective' }), el('dd', { text: trial.score?.objective === undefined ? 'not measured' : `${metricValue(objectiveKey, trial.score.objective)} (${trial.score.feasible ? 'feasible' : 'infeasible'})` }),
        el('dt', { text: 'steal (mean)' }), el('dd', { text: trial.steal_pct === undefined ? '–' : `${num(trial.steal_pct)}%` }),
        ...(trial.error ? [el('dt', { text: 'failure' }), el('dd', { class: 'bad', text: `${trial.error.code}: ${trial.error.message}` })] : []),
      );
      const repeats = result
        ? el('table', { id: 'trial-repeats', class: 'grid' }, el('thead', {}, el('tr', {}, ...REPEAT_HEADERS.map((h) => el('th', { text: h })))), el('tbody', {}, ...repeatRows(result, objectiveKey, trial.config)))
        : el('p', { class: 'note', text: 'no stored result yet: the trial is still queued or running' });
      body.replaceChildren(facts, el('h3', { text: `Repeats (${result?.repeats.length ?? 0})` }), repeats, ...[traceFidelitySection(result)].filter(Boolean));
      node.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      body.replaceChildren(el('p', { class: 'bad', text: describeError(err) }));
    }
  };
  return { node, show };
}
