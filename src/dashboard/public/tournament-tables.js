// The tables of one thread count of a tournament (GET /v1/tournaments/:id/leaderboard): the
// allocators' standings against the baseline, what switching is worth against tuning, the children.
import { el, num, pairs } from './dom.js';

/** A fraction as a signed percentage (positive = better than the reference). */
export function signedPct(v) {
  return v === null || v === undefined ? '–' : `${v >= 0 ? '+' : ''}${num(100 * v)}%`;
}

/** A paired effect: improvement [95 % interval], pairs; or why there is none. */
export function effectText(e) {
  if (!e) return '–';
  if (e.improvement === null) return `no estimate (${e.pairs} pairs)`;
  return `${signedPct(e.improvement)} [${signedPct(e.improvement_low)}, ${signedPct(e.improvement_high)}], ${e.pairs} pairs`;
}

function table(cls, headers, rows) {
  return el('table', { class: `grid ${cls}` }, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { text: h })))), el('tbody', {}, ...rows));
}

function campaignLink(id) {
  return el('a', { class: 'mono campaign-link', href: `#/campaign/${encodeURIComponent(id)}`, text: id });
}

const VERDICT_CLASS = { better: 'good', worse: 'bad', reference: 'note' };

/** Standings: rank, arm, allocator, kind, improvement vs the baseline with its interval, verdict, p, where the verdict comes from, the child campaign. */
export function rankingTable(ranking) {
  return table(
    'tournament-ranking',
    ['#', 'arm', 'allocator', 'config', 'vs baseline [95% interval]', 'verdict', 'p_adj', 'decided by', 'child campaign'],
    ranking.map((r) =>
      el(
        'tr',
        { 'data-arm': r.arm, 'data-verdict': r.verdict, class: r.verdict === 'better' ? 'winner' : '' },
        el('td', { class: 'strong', text: String(r.rank) }),
        el('td', { class: 'mono', text: r.arm }),
        el('td', { text: r.allocator }),
        el('td', { class: 'mono setting', title: pairs(r.env) || '(allocator defaults)', text: r.kind === 'tuned' ? pairs(r.config) || '(tuned: no knob changed)' : r.kind }),
        el('td', { class: 'effect', text: r.verdict === 'reference' ? 'reference' : effectText(r) }),
        el('td', { class: VERDICT_CLASS[r.verdict] ?? '', title: r.reason, text: r.verdict }),
        el('td', { text: num(r.p_adjusted) }),
        el('td', { class: 'note', text: r.source === 'final_round' ? 'final round' : 'child campaign' }),
        el('td', {}, campaignLink(r.campaign_id)),
      ),
    ),
  );
}

const WORTH_LINES = [
  ['switch', 'switch allocator (best other allocator vs the baseline)'],
  ['tune', 'tune the baseline allocator'],
  ['best', 'best overall vs the baseline'],
  ['switch_vs_tune', 'switching vs tuning'],
];

/** What switching is worth against tuning, each line with its paired effect and interval. */
export function worthTable(worth) {
  return table(
    'tournament-worth',
    ['question', 'arm', 'effect [95% interval]', 'verdict', 'note'],
    WORTH_LINES.map(([key, label]) => {
      const line = worth[key];
      return el(
        'tr',
        { 'data-worth': key },
        el('td', { text: label }),
        el('td', { class: 'mono', text: line.arm ?? '–' }),
        el('td', { class: 'effect', text: effectText(line.effect) }),
        el('td', { class: VERDICT_CLASS[line.effect?.verdict] ?? 'note', text: line.effect?.verdict ?? '–' }),
        el('td', { class: 'note', text: line.note }),
      );
    }),
  );
}

/** The child campaigns of a thread count, each linked to its own page. */
export function childrenTable(children) {
  return table(
    'tournament-children',
    ['allocator', 'campaign', 'state', 'explored', 'stop reason'],
    children.map((c) =>
      el(
        'tr',
        { 'data-campaign': c.campaign_id },
        el('td', { text: c.allocator }),
        el('td', {}, campaignLink(c.campaign_id)),
        el('td', {}, el('span', { class: `state state-${c.state}`, text: c.state })),
        el('td', { text: `${c.explored}/${c.budget_trials}` }),
        el('td', { class: 'note', text: c.stop_reason ?? '' }),
      ),
    ),
  );
}
