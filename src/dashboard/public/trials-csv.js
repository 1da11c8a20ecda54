/* global document, Blob */
// The trials a reader is looking at, as CSV (one row per trial, one column per knob and per judged
// metric), saved through a local Blob: nothing leaves the page.

function cell(value) {
  if (value === undefined || value === null) return '';
  const text = String(value);
  // RFC 4180 quoting; a leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** CSV text of `trials` with the knobs `knobs` and the summary keys `metrics` (their means) as columns. */
export function trialsCsv(trials, knobs, metrics) {
  const header = ['trial_id', 'role', 'state', 'arm', 'worker', 'steal_pct', 'objective', 'feasible', ...knobs, ...metrics.map((m) => `${m}.mean`), 'error_code'];
  const rows = trials.map((t) => [
    t.trial_id,
    t.role,
    t.state,
    t.duel?.arm ?? t.reference ?? '',
    t.worker,
    t.steal_pct,
    t.score?.objective,
    t.score?.objective === undefined ? '' : t.score.feasible,
    ...knobs.map((k) => t.config?.[k]),
    ...metrics.map((m) => t.summary?.[m]?.mean),
    t.error?.code,
  ]);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Offer `text` as a download named `fileName`. */
export function downloadText(fileName, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}
