import { trialIndex, type TrialRecord } from '../../core/campaign-record.js';
import { cutShortNote } from '../../core/cut-short.js';
import type { TrialScore } from '../../service/trial-evaluation.js';

type Cell = string | number | boolean | undefined | null;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces,
 * quotes doubled. Absent values and non-finite numbers are empty fields.
 */
export function csvField(value: Cell): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A trial with the service's judgement of it, as the trials routes serve it. */
export type ScoredTrial = TrialRecord & { score: TrialScore };

const FIXED_COLUMNS: readonly [string, (t: ScoredTrial) => Cell][] = [
  ['trial_id', (t) => t.trial_id],
  ['role', (t) => t.role],
  ['state', (t) => t.state],
  ['worker', (t) => t.worker],
  ['reference', (t) => t.reference],
  ['duel_id', (t) => t.duel?.duel_id],
  ['pair_index', (t) => t.duel?.pair_index],
  ['side', (t) => t.duel?.side],
  ['arm', (t) => t.duel?.arm],
  ['proposed_at', (t) => t.proposed_at],
  ['finished_at', (t) => t.finished_at],
  ['steal_pct', (t) => t.steal_pct],
  ['objective', (t) => t.score.objective],
  ['feasible', (t) => t.score.feasible],
  ['error_code', (t) => t.error?.code],
  ['error_message', (t) => t.error?.message],
  ['cut_short', (t) => (t.cut_short ? cutShortNote(t.cut_short) : undefined)],
  ['fidelity', (t) => t.fidelity ?? (t.state === 'completed' || t.state === 'failed' ? 'full' : undefined)],
  ['config_key', (t) => t.config_key],
];

/**
 * The trials as CSV, one row per trial in id order: fixed columns, then one `config.<knob>` column
 * per knob any trial sets, then one column per metric any trial measured (its mean over the
 * trial's repeats, named by summary key) with `<key>.n` for the number of repeats. CRLF line ends.
 */
export function trialsCsv(trials: readonly ScoredTrial[]): string {
  const sorted = [...trials].sort((a, b) => trialIndex(a.trial_id) - trialIndex(b.trial_id));
  const knobs = [...new Set(sorted.flatMap((t) => Object.keys(t.config)))].sort();
  const metrics = [...new Set(sorted.flatMap((t) => Object.keys(t.summary ?? {})))].sort();
  const header = [...FIXED_COLUMNS.map(([name]) => name), ...knobs.map((k) => `config.${k}`), ...metrics.flatMap((m) => [m, `${m}.n`])];
  const rows = sorted.map((t) => [
    ...FIXED_COLUMNS.map(([, get]) => get(t)),
    ...knobs.map((k) => t.config[k]),
    ...metrics.flatMap((m) => [t.summary?.[m]?.mean, t.summary?.[m]?.n]),
  ]);
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
