// Two trials side by side: the knobs that differ, and each metric's difference with a 95% Welch
// interval from the two trials' repeats (none when a side has a single repeat).
import { el, metricText, num } from './dom.js';

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond.
const T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** `B - A` of two metric summaries with its 95% Welch interval (`low`/`high` absent when n < 2 on a side). */
export function summaryDelta(a, b) {
  const delta = b.mean - a.mean;
  const out = { delta, relative: a.mean === 0 ? undefined : delta / Math.abs(a.mean) };
  if (a.n < 2 || b.n < 2) return out;
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  const df = se === 0 ? Infinity : (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const t = Number.isFinite(df) ? (T975[Math.max(1, Math.floor(df)) - 1] ?? 1.96) : 1.96;
  return { ...out, low: delta - t * se, high: delta + t * se };
}

/** Knobs whose value differs between the two configs (unset on one side counts). */
export function settingsDiff(a, b) {
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
  return keys.map((k) => ({ knob: k, a: a?.[k], b: b?.[k], differs: a?.[k] !== b?.[k] }));
}

function show(v) {
  return v === undefined ? 'unset' : String(v);
}

/** Render the comparison of trials `a` and `b` (records with `summary`); `focus` metrics come first. */
export function renderCompare(node, a, b, focus) {
  const diff = settingsDiff(a.config, b.config);
  const changed = diff.filter((d) => d.differs);
  const keys = Object.keys(a.summary ?? {}).filter((k) => b.summary?.[k]);
  const ordered = [...focus.filter((k) => keys.includes(k)), ...keys.filter((k) => !focus.includes(k)).sort()];
  const metricRows = ordered.map((k) => {
    const [sa, sb] = [a.summary[k], b.summary[k]];
    const d = summaryDelta(sa, sb);
    const interval = d.low === undefined ? 'n=1 on a side: no interval' : `[${metricText(k, d.low)}, ${metricText(k, d.high)}]`;
    const clear = d.low !== undefined && (d.low > 0 || d.high < 0);
    return el(
      'tr',
      { 'data-metric': k, class: focus.includes(k) ? 'focus' : '' },
      el('td', { class: 'mono', text: k }),
      el('td', { text: `${metricText(k, sa.mean)} (n=${sa.n})` }),
      el('td', { text: `${metricText(k, sb.mean)} (n=${sb.n})` }),
      el('td', { class: clear ? 'strong' : '', text: `${d.delta >= 0 ? '+' : ''}${metricText(k, d.delta)}${d.relative === undefined ? '' : ` (${d.relative >= 0 ? '+' : ''}${num(100 * d.relative)}%)`}` }),
      el('td', { class: 'note', text: interval }),
    );
  });
  node.replaceChildren(
    el('h2', { text: `Compare ${a.trial_id} (A) with ${b.trial_id} (B)` }),
    el('h3', { text: changed.length === 0 ? 'Settings: identical' : `Settings: ${changed.length} knob(s) differ` }),
    el(
      'table',
      { id: 'compare-settings', class: 'grid' },
      el('thead', {}, el('tr', {}, ...['knob', `A ${a.trial_id}`, `B ${b.trial_id}`].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...diff.map((d) => el('tr', { class: d.differs ? 'differs' : '', 'data-differs': String(d.differs) }, el('td', { class: 'mono', text: d.knob }), el('td', { class: 'mono', text: show(d.a) }), el('td', { class: 'mono', text: show(d.b) })))),
    ),
    el('h3', { text: 'Metrics: B − A with 95% Welch interval' }),
    el(
      'table',
      { id: 'compare-metrics', class: 'grid' },
      el('thead', {}, el('tr', {}, ...['metric', 'A mean', 'B mean', 'B − A', '95% interval'].map((h) => el('th', { text: h })))),
      el('tbody', {}, ...metricRows),
    ),
  );
  node.hidden = false;
}
