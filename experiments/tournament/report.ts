/**
 * Regenerates experiments/tournament/report.md from raw/<name>/ only (no measurement):
 *
 *   node --import tsx experiments/tournament/report.ts [--raw DIR] [--out DIR]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { TournamentView, ThreadResult } from '../../src/core/tournament-view.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { mdTable, pct } from '../report-kit/markdown.js';
import { writeReport } from '../report-kit/write-report.js';

const HERE = join(REPO_ROOT, 'experiments', 'tournament');

interface Meta {
  tiny: boolean;
  wall_s: number;
  cpus: string;
  host_cpus: number;
  cpu_model: string;
}

interface Spec {
  name: string;
  allocators: string[];
  threads?: number[];
  budget: { trials: number; minutes: number };
  repeats?: number;
  baseline?: unknown;
}

type Effect = NonNullable<NonNullable<ThreadResult['worth']>['switch']['effect']>;

const read = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

function effectCells(e: (Omit<Effect, 'verdict' | 'reason'> & { verdict: string }) | null | undefined): string[] {
  if (!e) return ['–', '–', '–', '0'];
  const interval = e.improvement_low === null || e.improvement_high === null ? '–' : `${pct(e.improvement_low)} .. ${pct(e.improvement_high)}`;
  return [pct(e.improvement ?? undefined), interval, e.verdict, String(e.pairs)];
}

/**
 * Which workers ran the round's blocks. Raw files written before rounds spread over workers hold
 * the one worker as `worker` instead of `workers`; they still regenerate their report unchanged.
 */
function onWorkers(round: { workers?: { worker: string; blocks: number[] }[]; worker?: string | null }): string {
  const workers = round.workers ?? (round.worker ? [{ worker: round.worker, blocks: [] }] : []);
  if (workers.length === 0) return '';
  return ` on ${workers.map((w) => (workers.length === 1 ? w.worker : `${w.worker} (blocks ${w.blocks.join(', ')})`)).join(', ')}`;
}

function threadSection(t: ThreadResult): string {
  const title = t.threads === null ? 'Result' : `${t.threads} thread${t.threads === 1 ? '' : 's'}`;
  const ranking = mdTable(
    ['rank', 'allocator', 'config', 'environment', 'improvement', '95% interval', 'verdict', 'pairs', 'p (Holm)'],
    t.ranking.map((r) => {
      const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') || '(defaults)';
      const [imp, interval, verdict, pairs] = r.arm === 'baseline' ? ['0 (reference)', '–', 'baseline', String(r.pairs)] : effectCells(r);
      return [String(r.rank), r.allocator, r.kind, `\`${env}\``, imp ?? '', interval ?? '', verdict ?? '', pairs ?? '', r.p_adjusted === null ? '–' : r.p_adjusted.toPrecision(2)];
    }),
  );
  const parts = [`### ${title}`, '', `Final round: ${t.round.status}${t.round.reason ? ` (${t.round.reason})` : ''}, ${t.round.blocks} blocks, ${t.round.trials} trials${onWorkers(t.round)}.`, ''];
  parts.push(mdTable(['child campaign', 'allocator', 'state', 'explored / share'], t.children.map((c) => [c.campaign_id, c.allocator, `${c.state}${c.stop_reason ? ` (${c.stop_reason})` : ''}`, `${c.explored} / ${c.budget_trials}`])), '');
  parts.push(ranking, '');
  for (const n of t.round.notes) parts.push(`- ${n}`);
  if (t.round.notes.length > 0) parts.push('');
  const w = t.worth;
  if (w) {
    parts.push(`What switching allocator is worth against tuning ${w.baseline_allocator} (paired, same blocks, same worker):`, '');
    parts.push(
      mdTable(
        ['question', 'arm', 'improvement', '95% interval', 'verdict', 'pairs'],
        [
          ['switch: best other allocator at its defaults vs baseline', w.switch.arm ?? w.switch.note, ...effectCells(w.switch.effect)],
          [`tune: ${w.baseline_allocator} tuned vs baseline`, w.tune.arm ?? w.tune.note, ...effectCells(w.tune.effect)],
          ['best overall vs baseline', w.best.arm ?? w.best.note, ...effectCells(w.best.effect)],
          ['switch vs tune, head on', w.switch_vs_tune.arm === null ? w.switch_vs_tune.note : w.switch_vs_tune.note, ...effectCells(w.switch_vs_tune.effect)],
        ],
      ),
      '',
      `Winner: **${w.winner.arm === 'baseline' ? `the baseline, ${w.baseline_allocator} (nothing beat it)` : w.winner.arm}**.`,
      '',
    );
  } else if (t.winner) {
    parts.push(`Best: **${t.winner.arm}** (${t.winner.reason}).`, '');
  }
  return parts.join('\n');
}

/** One line per thread count for the summary table. */
function summaryRows(name: string, view: TournamentView): string[][] {
  return view.per_threads.map((t) => [
    name,
    t.threads === null ? '–' : String(t.threads),
    t.worth?.winner.arm ?? t.winner?.arm ?? '–',
    t.worth?.switch.effect ? `${pct(t.worth.switch.effect.improvement ?? undefined)} ${t.worth.switch.effect.verdict} (${t.worth.switch.arm})` : '–',
    t.worth?.tune.effect ? `${pct(t.worth.tune.effect.improvement ?? undefined)} ${t.worth.tune.effect.verdict}` : (t.worth ? 'no confirmed tuned config' : '–'),
    t.worth?.switch_vs_tune.effect ? `${pct(t.worth.switch_vs_tune.effect.improvement ?? undefined)} ${t.worth.switch_vs_tune.effect.verdict}` : '–',
  ]);
}

/** Write report.md into `outDir` from the raw folders under `rawDir`. */
export function writeTournamentReport(rawDir: string, outDir: string): void {
  const names = existsSync(rawDir) ? readdirSync(rawDir).filter((n) => existsSync(join(rawDir, n, 'leaderboard.json'))).sort() : [];
  const sections: string[] = [];
  const summary: string[][] = [];
  let tiny = false;
  let switchWins = 0;
  let tuneWins = 0;
  let undecided = 0;
  for (const name of names) {
    const spec = read<Spec>(join(rawDir, name, 'spec.json'));
    const view = read<TournamentView>(join(rawDir, name, 'leaderboard.json'));
    const meta = read<Meta>(join(rawDir, name, 'meta.json'));
    tiny ||= meta.tiny;
    summary.push(...summaryRows(name, view));
    for (const t of view.per_threads) {
      const v = t.worth?.switch_vs_tune.effect?.verdict;
      if (v === 'better') switchWins++;
      else if (v === 'worse') tuneWins++;
      else undecided++;
    }
    sections.push(
      `## ${name}`,
      '',
      `${spec.name}. Allocators ${spec.allocators.join(', ')}; threads ${spec.threads?.join(', ') ?? 'as given'}; ${spec.budget.trials} explore trials split over ${view.per_threads.reduce((n, t) => n + t.children.length, 0)} child campaigns, ${spec.budget.minutes} min cap each; ${spec.repeats ?? 2} repeats. Objective: ${view.objective.direction} \`${view.objective.key}\`; baseline: ${view.baseline_allocator} (${spec.baseline === undefined ? 'its defaults' : 'as configured in spec.json'}). Tournament ${view.tournament_id} ${view.state}${view.stop_reason ? ` (${view.stop_reason})` : ''} after ${(meta.wall_s / 60).toFixed(1)} min on CPUs ${meta.cpus} of ${meta.host_cpus} (${meta.cpu_model}).`,
      '',
      ...view.per_threads.map(threadSection),
    );
  }
  const conclusion =
    names.length === 0
      ? 'No raw data yet: run `node --import tsx experiments/tournament/run.ts`.'
      : `Switching vs tuning, head on, over ${switchWins + tuneWins + undecided} workload x thread cells: switching (best other allocator at its defaults) beat tuning ${switchWins} time(s), tuning beat switching ${tuneWins} time(s), and ${undecided} cell(s) could not be told apart by the noise (or lacked a tuned config to compare).`;
  const md = [
    '# Allocator tournament: what switching allocator is worth versus tuning the current one',
    '',
    ...(tiny ? ['> **Tiny proof run**: one explore trial per child, 200 ms phases, one repeat, no distillation. It shows that the pipeline runs end to end; its numbers answer nothing. The lead re-runs the full experiment on a quiet machine (see README.md).', ''] : []),
    'Generated by `node --import tsx experiments/tournament/report.ts` from `raw/` only. Each tournament runs one ordinary campaign per allocator and thread count (search, confirmation, distillation), then per thread count a final round on one worker: blocks of the baseline (glibc defaults: what you run today) and every allocator\'s defaults and confirmed tuned config, back to back in a shuffled order, judged by the sequential paired rule with Holm over all arms. Improvements are geometric-mean paired ratios with 95 % t intervals on the log ratios; "inconclusive" means the interval holds 0 and no claim was made. Verdicts against the baseline are the family\'s confirmatory claims (Holm); "switch vs tune, head on" compares the two arms in the blocks both ran in and its verdict is read from its 95 % interval alone (descriptive, not a confirmatory test). When the baseline allocator\'s campaign confirmed no tuned config, its best shown config is its defaults, so switching is weighed against those.',
    '',
    '## Summary',
    '',
    mdTable(['workload', 'threads', 'winner', 'switching vs baseline', 'tuning vs baseline', 'switching vs tuning'], summary),
    '',
    conclusion,
    '',
    ...sections,
  ];
  writeReport(outDir, md.join('\n'), []);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { raw: { type: 'string', default: join(HERE, 'raw') }, out: { type: 'string', default: HERE } }, strict: true });
  writeTournamentReport(values.raw, values.out);
}
