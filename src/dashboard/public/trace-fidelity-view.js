// The page's pieces for trace workloads: the fidelity section of a trial's detail, the
// "found on, confirmed on" line of the decision, and the mark of which fidelity a row measured.
import { el } from './dom.js';
import { fidelityMark, fidelityStatement, traceFidelityRecords } from './trace-fidelity.js';

const HEADERS = ['repeat', 'workload', 'trace', 'ops recorded → replayed', 'peak live bytes recorded → replayed', 'replayer verdict', 'peak RSS ÷ original', 'compared against', 'peak RSS ÷ untraced original, same allocator', 'pace'];

function figureCell(figure, name) {
  return el('td', { 'data-figure': name }, el('span', { class: 'mono', text: `${figure.recorded} → ${figure.replayed} ` }), el('span', { class: figure.ok ? 'fidelity-mark good' : 'fidelity-mark bad', text: figure.mark }));
}

/** The fidelity section of a trial detail, or undefined when the result has no trace measurement. */
export function traceFidelitySection(result) {
  const records = traceFidelityRecords(result);
  if (records.length === 0) return undefined;
  const rows = records.map((r) =>
    el(
      'tr',
      { 'data-repeat': String(r.repeat), 'data-match': String(r.match), class: r.match ? '' : 'failed' },
      el('td', { text: String(r.repeat + 1) }),
      el('td', { class: 'mono', text: r.workload }),
      el('td', { class: 'mono', text: r.trace }),
      figureCell(r.ops, 'ops'),
      figureCell(r.peakLive, 'peak_live'),
      el('td', { class: r.match ? 'good' : 'bad strong', text: r.match ? 'reproduced the recording' : `FIDELITY LOST${r.problems.length ? `: ${r.problems.join(', ')}` : ''}` }),
      el('td', { 'data-figure': 'rss_ratio', class: 'strong', text: r.rss.ratio }),
      el('td', { class: 'note', text: r.rss.against }),
      el('td', { 'data-figure': 'reference' }, el('span', { class: 'strong', text: `${r.reference.ratio} ` }), el('span', { class: 'note', text: r.reference.statement })),
      el('td', { class: 'note', text: r.pace }),
    ),
  );
  return el(
    'div',
    { id: 'trace-fidelity' },
    el('h3', { text: 'Trace fidelity: did the replay do what the recorded program did' }),
    el('p', { class: 'note', text: 'Ops and peak live bytes are exact: they must equal the recording\'s. The peak RSS ratios compare the replay with the recorded (traced) run and with the untraced original under the replay\'s own allocator, when the recording has one: a replay\'s RSS holds the replayer\'s own tables and is not the program\'s.' }),
    el('table', { id: 'trace-fidelity-table', class: 'grid' }, el('thead', {}, el('tr', {}, ...HEADERS.map((h) => el('th', { text: h })))), el('tbody', {}, ...rows)),
  );
}

/** The decision's "found on, confirmed on" line (export evidence `fidelity`), or undefined without explore_with. */
export function fidelityStatementNode(evidence) {
  const text = fidelityStatement(evidence.fidelity);
  return text === undefined ? undefined : el('p', { id: 'decision-fidelity', class: 'fidelity-statement', text });
}

/** A badge saying at which fidelity a trial or leaderboard row was measured, or undefined (one fidelity only). */
export function fidelityBadge(fidelity, spec) {
  const mark = fidelityMark(fidelity, spec);
  return mark && el('span', { class: `fidelity fidelity-${mark.fidelity}`, 'data-fidelity': mark.fidelity, title: mark.title, text: mark.text });
}
