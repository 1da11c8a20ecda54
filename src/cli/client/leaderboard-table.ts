import type { Leaderboard } from '../../service/leaderboard.js';

function formatValue(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '-';
  const abs = Math.abs(x);
  if (abs >= 1e9) return `${(x / 2 ** 30).toFixed(2)}Gi`;
  if (abs >= 1e6) return `${(x / 2 ** 20).toFixed(1)}Mi`;
  if (abs >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return Number(x.toPrecision(4)).toString();
}

function cell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}~` : text.padEnd(width);
}

/** The top rows of a leaderboard as a fixed-width text table. */
export function leaderboardTable(board: Leaderboard, limit = 8): string {
  const header = `${cell('#', 3)} ${cell('config', 10)} ${cell(board.objective.metric, 26)} ${cell('95% CI', 19)} ${cell('n', 3)} ${cell('feasible', 8)} ${cell('rating', 11)} verdict / config`;
  const lines = board.rows.slice(0, limit).map((r) => {
    const ci = r.objective ? `${formatValue(r.objective.ci_low)}..${formatValue(r.objective.ci_high)}` : '-';
    const rating = r.rating ? `${r.rating.rating.toFixed(0)}±${r.rating.rating_sd.toFixed(0)}` : '-';
    const verdict = r.beats_baseline ? 'BEATS BASELINE' : r.verdict ? r.verdict.reason : r.errors[0] ?? Object.values(r.env).join(' ');
    return `${cell(String(r.rank), 3)} ${cell(r.arm, 10)} ${cell(formatValue(r.objective?.mean), 26)} ${cell(ci, 19)} ${cell(String(r.completed), 3)} ${cell(r.feasible ? 'yes' : 'no', 8)} ${cell(rating, 11)} ${verdict}`;
  });
  const alarm = board.placebo_alarm ? ['!! the placebo beat the baseline: measurements too noisy, no claim is made'] : [];
  return [header, ...lines, ...alarm].join('\n');
}

/** A text progress bar: `[#####.....] 5/10`. */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}
