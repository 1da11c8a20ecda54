/**
 * Report of the worker overhead measurement, regenerated from results.jsonl:
 * `node --import tsx experiments/worker-overhead/report.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured trial (see measure-overhead.ts for the definitions). */
export interface OverheadRow {
  arm: 'noop' | 'sleep200';
  trial: string;
  command_wall_ms: number;
  pickup_ms: number;
  setup_ms: number;
  spawn_ms: number;
  executor_ms: number;
  store_ms: number;
  overhead_ms: number;
  steal_pct: number;
}

const COLUMNS = ['overhead_ms', 'pickup_ms', 'setup_ms', 'spawn_ms', 'executor_ms', 'store_ms', 'command_wall_ms', 'steal_pct'] as const;
const GOAL_MS = 100;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

/** Write report.md for `rows` and return its text. */
export function writeReport(rows: readonly OverheadRow[], file: string): string {
  const lines = [
    '# Per-trial overhead of queue + worker (beyond the workload\'s own time)',
    '',
    `Generated from results.jsonl (${rows.length} trials, arms interleaved). Goal: overhead under ${GOAL_MS} ms.`,
    'Columns are medians with [p10-p90]; times in ms.',
    '',
    `| arm | n | ${COLUMNS.join(' | ')} |`,
    `|---|---|${COLUMNS.map(() => '---').join('|')}|`,
  ];
  for (const arm of ['noop', 'sleep200'] as const) {
    const mine = rows.filter((r) => r.arm === arm);
    const cells = COLUMNS.map((c) => {
      const v = mine.map((r) => r[c]).sort((a, b) => a - b);
      return `${quantile(v, 0.5).toFixed(1)} [${quantile(v, 0.1).toFixed(1)}-${quantile(v, 0.9).toFixed(1)}]`;
    });
    lines.push(`| ${arm} | ${mine.length} | ${cells.join(' | ')} |`);
  }
  const all = rows.map((r) => r.overhead_ms).sort((a, b) => a - b);
  const median = quantile(all, 0.5);
  lines.push('', `Overall median overhead ${median.toFixed(1)} ms, p90 ${quantile(all, 0.9).toFixed(1)} ms: ${median < GOAL_MS ? 'meets' : 'misses'} the ${GOAL_MS} ms goal.`, '');
  const text = lines.join('\n');
  writeFileSync(file, text);
  return text;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url));
  const rows = readFileSync(join(here, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as OverheadRow);
  process.stdout.write(writeReport(rows, join(here, 'report.md')));
}
