// Leaderboard and trial table rows.
import { el, metricValue, num, pairs } from './dom.js';
import { fidelityBadge } from './trace-fidelity-view.js';

function interval(metric, e) {
  if (!e) return '–';
  // The interval's method is named; one sample has none (see IntervalSchema in src/core/export-evidence.ts).
  const iv = e.interval;
  if (!iv || iv.low === null || iv.high === null) return `${metricValue(metric, e.mean)} n=${e.n}, no interval`;
  const level = iv.level !== null && iv.level < 0.95 - 1e-9 ? ` ${Math.floor(100 * iv.level)}%` : '';
  return `${metricValue(metric, e.mean)} [${metricValue(metric, iv.low)}, ${metricValue(metric, iv.high)}] ${iv.method}${level} n=${e.n}`;
}

/** The parameters a config sets differently from the baseline: what a reader compares. */
export function configDiff(config, baselineConfig) {
  const changed = Object.entries(config ?? {}).filter(([k, v]) => baselineConfig?.[k] !== v);
  return changed.length === 0 ? 'same as baseline' : changed.map(([k, v]) => `${k}=${v}`).join(' ');
}

function settingCell(row, baselineConfig) {
  const env = pairs(row.env) || '(allocator defaults)';
  const text = row.arm === 'baseline' ? env : row.arm === 'placebo' ? 'copy of the baseline' : configDiff(row.config, baselineConfig);
  return el('td', { class: 'mono setting', title: env, text });
}

function feasibilityCell(row) {
  const detail = row.constraints.map((c) => `${c.metric} ${c.bound === 'max' ? '≤' : '≥'} ${num(c.limit)}: ${c.value ? num(c.value.mean) : 'not measured'} ${c.met ? 'met' : 'NOT met'}`).join('\n');
  const label = row.objective === undefined ? 'no data' : row.feasible ? 'feasible' : 'infeasible';
  return el('td', { class: row.feasible ? 'good' : 'bad', title: detail || 'no constraints', text: label });
}

function ratingCell(row) {
  if (!row.rating) return el('td', { class: 'note', text: 'not dueled' });
  return el('td', { text: `${num(row.rating.rating)} ± ${num(row.rating.rating_sd)} (${row.rating.games} games)` });
}

function verdictCell(row) {
  if (row.arm === 'baseline') return el('td', { class: 'note', text: 'reference' });
  if (!row.verdict) return el('td', { class: 'note', text: '–' });
  const v = row.verdict;
  const text = `${v.relative_effect >= 0 ? '+' : ''}${num(100 * v.relative_effect)}% · p_adj ${num(v.p_adjusted)}`;
  return el('td', { class: row.beats_baseline ? 'good' : '', title: v.reason, text: row.beats_baseline ? `better: ${text}` : text });
}

/** The role, with the fidelity it was measured at when the campaign has two (explore_with). */
function roleCell(role, fidelity, spec) {
  const badge = fidelityBadge(fidelity, spec);
  return el('td', {}, role, badge && ' ', badge);
}

/** A config has a place on the board once it was dueled (paired measurements); others are only explored. */
export function isDueled(row) {
  return row.rating !== undefined || row.verdict !== undefined;
}

/** Ranks shown on the board: dueled configs numbered in the board's order, the rest `unconfirmed`. */
export function shownRanks(rows) {
  let next = 0;
  return rows.map((r) => (isDueled(r) ? String(++next) : 'unconfirmed'));
}

/** One leaderboard row: rank, config, objective with its interval, feasibility, rating, verdict, failures (`spec`: the campaign's, for the fidelity mark). */
export function leaderboardRow(row, objectiveMetric, baselineConfig, rank = String(row.rank), spec = undefined) {
  return el(
    'tr',
    { 'data-arm': row.arm, 'data-completed': String(row.completed), 'data-rank': rank, class: row.beats_baseline ? 'winner' : row.failed > 0 && row.completed === 0 ? 'failed' : '' },
    el('td', { class: rank === 'unconfirmed' ? 'note' : 'strong', title: rank === 'unconfirmed' ? 'explored once, never dueled against the baseline: its mean is not confirmed' : 'place among the dueled configs', text: rank }),
    el('td', { class: 'mono', text: row.arm }),
    roleCell(row.role, row.fidelity, spec),
    settingCell(row, baselineConfig),
    el('td', { class: 'objective', text: interval(objectiveMetric, row.objective) }),
    feasibilityCell(row),
    ratingCell(row),
    verdictCell(row),
    el('td', { text: `${row.completed}/${row.trials}${row.failed ? ` (${row.failed} failed)` : ''}` }),
    el('td', { class: 'note', text: [...row.errors, ...(row.cut_short ?? [])].join('; ') }),
  );
}

export const LEADERBOARD_HEADERS = ['#', 'arm', 'role', 'setting (vs baseline)', 'objective mean [95% interval]', 'feasibility', 'rating', 'vs baseline', 'trials', 'errors'];

function trialObjective(trial, metric) {
  const objective = trial.score?.objective;
  return objective === undefined ? '–' : metricValue(metric, objective);
}

/** One trial: id, role, state, arm or duel slot, worker, steal, objective, error, and its detail and compare controls. */
export function trialRow(trial, objectiveMetric, baselineConfig, { onDetail, onCompare, compared, spec }) {
  const slot = trial.duel ? `${trial.duel.arm} (${trial.duel.duel_id} #${trial.duel.pair_index} ${trial.duel.side})` : '';
  return el(
    'tr',
    { 'data-trial': trial.trial_id, 'data-state': trial.state, class: trial.state === 'failed' ? 'failed' : '' },
    el('td', { class: 'mono', text: trial.trial_id }),
    roleCell(trial.role, trial.fidelity, spec),
    // A trial the worker cut short is completed with fewer repeats: shown as such, its reason on hover.
    el('td', {}, el('span', trial.cut_short
      ? { class: 'state state-cut-short', title: `cut after ${trial.cut_short.after_repeats} of ${trial.cut_short.of_repeats} repeats: ${trial.cut_short.reason}`, text: `cut short (${trial.cut_short.after_repeats}/${trial.cut_short.of_repeats})` }
      : { class: `state state-${trial.state}`, text: trial.state })),
    el('td', { class: 'mono', text: slot }),
    el('td', { class: 'mono setting', title: pairs(trial.env) || '(allocator defaults)', text: configDiff(trial.config, baselineConfig) }),
    el('td', { class: 'mono', text: trial.worker ?? '' }),
    el('td', { text: trial.steal_pct === undefined ? '–' : `${num(trial.steal_pct)}%` }),
    el('td', { text: trialObjective(trial, objectiveMetric) }),
    el('td', { class: 'error-cell', text: trial.error ? `${trial.error.code}: ${trial.error.message}` : '' }),
    el(
      'td',
      { class: 'actions' },
      el('button', { type: 'button', class: 'detail-button', text: 'detail', onclick: () => onDetail(trial.trial_id) }),
      el('label', { class: 'note' }, el('input', { type: 'checkbox', class: 'compare-box', checked: compared, onchange: (e) => onCompare(trial.trial_id, e.target.checked) }), ' compare'),
    ),
  );
}

export const TRIAL_HEADERS = ['trial', 'role', 'state', 'duel slot', 'setting (vs baseline)', 'worker', 'steal', 'objective', 'failure reason', ''];
