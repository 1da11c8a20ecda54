// What was decided and what it costs, next to the export: the verdict, the distillation round
// (which knobs carry the gain, which were reverted and why), the guard-metric verdicts and each
// constraint's reachability. Read from the export evidence (GET .../export?format=json).
import { el, num } from './dom.js';
import { fidelityStatementNode } from './trace-fidelity-view.js';

function pct(v) {
  return v === undefined || v === null ? '–' : `${v >= 0 ? '+' : ''}${num(v)}%`;
}

function table(id, headers, rows) {
  return el('table', { id, class: 'grid' }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))), el('tbody', {}, ...rows));
}

function knobRows(evidence, importance) {
  const shares = new Map((importance?.knobs ?? []).map((k) => [k.name, k]));
  return (evidence.knobs ?? []).map((k) =>
    el(
      'tr',
      { 'data-knob': k.knob },
      el('td', { class: 'mono', text: k.knob }),
      el('td', { class: 'mono', text: String(k.value) }),
      el('td', { class: 'mono', text: k.baseline_value === undefined ? 'unset' : String(k.baseline_value) }),
      el('td', { text: shares.has(k.knob) ? `${num(100 * shares.get(k.knob).total)}% [${num(100 * shares.get(k.knob).total_low)}, ${num(100 * shares.get(k.knob).total_high)}]` : '–' }),
    ),
  );
}

/** What the step decided, from its outcome: a kept knob is either shown to carry gain or kept because the noise could not tell. */
function stepDecision(s, finalOutcome) {
  if (s.kept === undefined) return 'measuring';
  // The round's end sets back a risky knob its step could not tell (distill.untested: revert_traps).
  if (s.outcome === 'inconclusive' && finalOutcome === 'reverted_untested') return 'could not tell; then reverted for its risk';
  if (s.outcome === 'inconclusive') return 'kept (could not tell)';
  if (s.outcome === 'carries_gain' || (s.outcome === undefined && s.kept)) return 'kept (carries gain)';
  return 'reverted (not needed)';
}

function lossWords(lossPct) {
  if (lossPct === undefined || lossPct === null) return '';
  return lossPct > 0 ? ` (worse by ${num(lossPct)}%)` : ` (better by ${num(-lossPct)}%)`;
}

function stepRows(distillation) {
  const finalOutcome = new Map((distillation.knobs ?? []).map((k) => [k.knob, k.outcome]));
  return (distillation.steps ?? []).map((s) =>
    el(
      'tr',
      { 'data-step': s.knob, class: s.kept ? 'kept' : 'reverted' },
      el('td', { class: 'mono', text: s.knob }),
      el('td', { class: 'mono', text: `${s.from} → ${s.to ?? 'unset'}` }),
      el('td', { class: s.kept === undefined || s.outcome === 'inconclusive' ? 'note' : s.kept ? 'good' : 'note', text: stepDecision(s, finalOutcome.get(s.knob)) }),
      // The change and its interval carry one sign convention (as the objective moves); the loss (positive = worse) is said in words.
      el('td', { text: s.change_pct === undefined ? '–' : `${pct(s.change_pct)} [${pct(s.change_low_pct)}, ${pct(s.change_high_pct)}], ${s.pairs} pairs${lossWords(s.loss_pct)}` }),
      el('td', { class: 'note', text: s.reason ?? '' }),
    ),
  );
}

function guardRows(evidence) {
  return (evidence.guards ?? []).map((g) =>
    el(
      'tr',
      { 'data-guard': g.metric, class: g.status === 'regressed' ? 'failed' : '' },
      el('td', { class: 'mono', text: g.metric }),
      el('td', { class: g.status === 'regressed' ? 'bad' : g.status === 'ok' ? 'good' : 'note', text: g.status }),
      el('td', { text: g.change_pct === undefined ? '–' : `${pct(g.change_pct)} [${pct(g.change_low_pct)}, ${pct(g.change_high_pct)}]` }),
      el('td', { text: `${g.direction === 'max' ? 'higher' : 'lower'} is better, margin ${num(g.margin_pct)}%` }),
      el('td', { class: 'note', text: g.summary ?? '' }),
    ),
  );
}

/** The panel (`node`) and `show(evidence, importance)`, which renders the export evidence's decisions (`importance`: the objective's entry of GET .../importance). */
export function decisionPanel() {
  const body = el('div', {}, el('p', { class: 'note', text: 'the decision appears once the baseline is measured' }));
  const node = el('section', { class: 'panel', id: 'decision-panel' }, el('h2', { text: 'Decision: which knobs carry the gain, and what it costs' }), body);
  const show = (evidence, importance) => {
    const d = evidence.distillation;
    const parts = [
      el('p', { id: 'decision-verdict', class: evidence.beats_baseline ? 'good strong' : 'strong', text: evidence.verdict }),
      fidelityStatementNode(evidence),
      el('h3', { text: `Deployed knobs (${evidence.variant ?? 'minimal'} config vs the baseline)` }),
      evidence.knobs?.length
        ? table('decision-knobs', ['knob', 'value', 'baseline', 'total-effect share on the objective [interval]'], knobRows(evidence, importance))
        : el('p', { class: 'note', id: 'decision-knobs-none', text: 'no knob differs from the baseline: the export keeps the baseline as it is' }),
    ];
    if (d) {
      parts.push(
        el('h3', { text: `Distillation round: ${d.status}` }),
        el('p', { class: 'note', id: 'distill-reason', text: d.reason ?? '' }),
        d.steps?.length ? table('distill-steps', ['knob', 'revert', 'decision', 'objective change when reverted', 'why'], stepRows(d)) : el('p', { class: 'note', text: 'no revert step was measured' }),
      );
    }
    parts.push(
      el('h3', { text: 'Guard metrics (what the gain costs)' }),
      evidence.guards?.length ? table('guard-verdicts', ['metric', 'verdict', 'change [interval]', 'rule', 'summary'], guardRows(evidence)) : el('p', { class: 'note', text: 'no guard metric was measured' }),
      el('h3', { text: 'Constraints: reachability' }),
      el('ul', { id: 'reachability', class: 'plain' }, ...(evidence.reachability ?? []).map((r) => el('li', { class: r.met_by > 0 ? '' : 'bad', text: r.message }))),
    );
    body.replaceChildren(...parts);
  };
  const fail = (text) => body.replaceChildren(el('p', { class: 'note', text }));
  return { node, show, fail };
}
