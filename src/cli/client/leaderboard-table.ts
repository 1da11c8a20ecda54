import type { Leaderboard } from '../../service/leaderboard.js';
import { configKey } from '../../service/trial-factory.js';
import { fitLine } from './fit-line.js';
import { intervalText, metricValueText } from './metric-value-text.js';

function cell(text: string, width: number): string {
  return fitLine(text, width).padEnd(width);
}

/** Options of {@link leaderboardTable}. */
export interface LeaderboardTableOptions {
  /** Rows shown at most (default 8). */
  limit?: number;
  /** Columns each line may take; longer lines end in `…` (default: no limit). */
  width?: number;
}

/** Narrower than this, the rating column is left out so that the config keeps some room. */
const RATING_MIN_WIDTH = 100;

/**
 * How a row's config is shown: the allocator's own text when one variable carries it all
 * (`MALLOC_CONF`, `GLIBC_TUNABLES`), else `KEY=value` pairs (mimalloc, tcmalloc, hakmem).
 */
export function configText(env: Readonly<Record<string, string>>): string {
  const entries = Object.entries(env);
  const [only] = entries;
  if (entries.length === 1 && only && (only[0] === 'MALLOC_CONF' || only[0] === 'GLIBC_TUNABLES')) return only[1];
  return configKey(env);
}

/**
 * The top rows of a leaderboard as a fixed-width text table, one line per row: the objective's mean
 * and interval with their unit (no interval from one measurement), trials, feasibility, the rating
 * once duels gave one (on wide tables), then the verdict or the config.
 */
export function leaderboardTable(board: Leaderboard, options: LeaderboardTableOptions = {}): string {
  const { limit = 8, width = Infinity } = options;
  const metric = board.objective.metric;
  const rated = width >= RATING_MIN_WIDTH && board.rows.some((r) => r.rating);
  const title = `objective ${metric} (${board.objective.direction === 'min' ? 'lower' : 'higher'} is better)`;
  const header = `${cell('#', 2)} ${cell('config', 8)} ${cell('mean', 12)} ${cell('95% CI', 20)} ${cell('n', 3)} ${cell('ok', 3)} ${rated ? `${cell('rating', 8)} ` : ''}verdict / config`;
  const lines = board.rows.slice(0, limit).map((r) => {
    const o = r.objective;
    // The interval as computed, its method named (log-t, median-order); one measurement has none.
    const iv = o?.interval;
    const ci = iv && iv.low !== null && iv.high !== null ? `${intervalText(iv.low, iv.high, metric)} ${iv.method}` : o?.n === 1 ? 'n=1, no interval' : '-';
    const rating = r.rating ? `${r.rating.rating.toFixed(0)}±${r.rating.rating_sd.toFixed(0)}` : '-';
    const config = configText(r.env);
    const verdict = r.beats_baseline ? `BEATS BASELINE ${config}` : (r.verdict?.reason ?? r.errors[0] ?? r.cut_short?.[0] ?? config);
    return `${cell(String(r.rank), 2)} ${cell(r.arm, 8)} ${cell(metricValueText(o?.mean, metric), 12)} ${cell(ci, 20)} ${cell(String(r.completed), 3)} ${cell(r.feasible ? 'yes' : 'no', 3)} ${rated ? `${cell(rating, 8)} ` : ''}${verdict}`;
  });
  const alarm = board.placebo_alarm ? ['!! the placebo beat the baseline: measurements too noisy, no claim is made'] : [];
  return [title, header, ...lines, ...alarm].map((line) => fitLine(line, width)).join('\n');
}

/** A text progress bar: `[#####.....] 5/10`. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}
