/**
 * The report of real.ts (replay against the real program) from its raw results: medians per program
 * and allocator, ratios replay / original. `node --import tsx experiments/trace-replay/real-report.ts`
 * rewrites real-report.md from real-results.json without running anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceReference } from '../../src/core/trace-sidecar.js';

export interface RealRun {
  program: string;
  allocator: string;
  repeat: number;
  /** 0: ran first of its pair, 1: second. */
  order: number;
  kind: 'original' | 'replay';
  /** Original: the whole process (runstat). Replay: first to last replayed call. */
  wall_ms: number;
  /** User + sys. Original: the whole process. Replay: the replay phase. */
  cpu_ms: number;
  /** Original: wait4 ru_maxrss. Replay: the replayer's VmHWM, reset after loading the trace. */
  peak_rss_kb: number;
  /** Original redis: the redis-benchmark run's wall ms. */
  client_wall_ms?: number | null;
  /** Replay: tracereplay's whole process, loading and pre-processing included. */
  process_ms?: number;
  /** Replay: RSS before the first replayed call (the replayer's own tables). */
  baseline_rss_kb?: number;
  /** Replay: the replayer's own tables (records, plan, objects), resident or not. */
  replayer_kb?: number;
  /** Replay: peak RSS minus the replayer's own resident pages (mincore over its mappings; absent in older result files). */
  minus_replayer_kb?: number;
  ops?: number;
  fidelity_match?: boolean;
  reference_statement?: string | null;
  served_by: string | null;
  version: string | null;
}

export interface RealResults {
  generated_at: string;
  command: string;
  settings: Record<string, number | string>;
  /** 1-minute load average when the run started, and the host's CPUs (absent in older result files). */
  load1_at_start?: number;
  host_cpus?: number;
  programs: Record<string, { description: string; records: number; threads: number; traced_wall_ms: number; traced_peak_rss_kb: number; references: Record<string, TraceReference> }>;
  runs: RealRun[];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export interface RealRow {
  program: string;
  allocator: string;
  n: number;
  original: { wall_ms: number; cpu_ms: number; peak_rss_kb: number; client_wall_ms: number | null };
  replay: { wall_ms: number; cpu_ms: number; peak_rss_kb: number; process_ms: number; baseline_rss_kb: number; replayer_kb: number; minus_replayer_kb: number };
  ratio: { wall: number; cpu: number; peak_rss: number; above_baseline: number; without_replayer: number; minus_replayer: number };
  exact: boolean;
  served: string;
}

/** Medians of each program x allocator, ratios of the medians (replay / original). */
export function realRows(results: RealResults): RealRow[] {
  const keys = [...new Set(results.runs.map((r) => `${r.program}\u0000${r.allocator}`))];
  return keys.map((key) => {
    const [program = '', allocator = ''] = key.split('\u0000');
    const runs = results.runs.filter((r) => r.program === program && r.allocator === allocator);
    const o = runs.filter((r) => r.kind === 'original');
    const p = runs.filter((r) => r.kind === 'replay');
    const med = (rs: RealRun[], f: (r: RealRun) => number | null | undefined): number => median(rs.map(f).filter((x): x is number => typeof x === 'number'));
    const original = { wall_ms: med(o, (r) => r.wall_ms), cpu_ms: med(o, (r) => r.cpu_ms), peak_rss_kb: med(o, (r) => r.peak_rss_kb), client_wall_ms: o.some((r) => typeof r.client_wall_ms === 'number') ? med(o, (r) => r.client_wall_ms) : null };
    const replay = { wall_ms: med(p, (r) => r.wall_ms), cpu_ms: med(p, (r) => r.cpu_ms), peak_rss_kb: med(p, (r) => r.peak_rss_kb), process_ms: med(p, (r) => r.process_ms), baseline_rss_kb: med(p, (r) => r.baseline_rss_kb), replayer_kb: med(p, (r) => r.replayer_kb), minus_replayer_kb: med(p, (r) => r.minus_replayer_kb) };
    const served = [...new Set(o.map((r) => r.served_by ?? '?'))].map((s) => s.split('/').at(-1)).join(', ');
    return {
      program,
      allocator,
      n: Math.min(o.length, p.length),
      original,
      replay,
      ratio: {
        wall: replay.wall_ms / original.wall_ms,
        cpu: replay.cpu_ms / original.cpu_ms,
        peak_rss: replay.peak_rss_kb / original.peak_rss_kb,
        above_baseline: (replay.peak_rss_kb - replay.baseline_rss_kb) / original.peak_rss_kb,
        without_replayer: Math.max(0, replay.peak_rss_kb - replay.replayer_kb) / original.peak_rss_kb,
        minus_replayer: replay.minus_replayer_kb / original.peak_rss_kb,
      },
      exact: p.every((r) => r.fidelity_match === true),
      served,
    };
  });
}

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : 'n/a');
const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const x2 = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const mib = (kb: number): string => f1(kb / 1024);

function range(xs: number[]): string {
  const ok = xs.filter(Number.isFinite);
  return ok.length === 0 ? 'n/a' : `${x2(Math.min(...ok))} to ${x2(Math.max(...ok))}`;
}

/** The tables and baseline of one measured row, in words: how much of the tables the baseline leaves out. */
function tablesExample(rows: readonly RealRow[]): string {
  const r = rows.find((x) => x.program === 'sqlite' && x.allocator === 'glibc') ?? rows[0];
  if (r === undefined) return 'no replay measured';
  return `${r.program} under ${r.allocator}: ${mib(r.replay.replayer_kb)} MiB of tables, ${mib(r.replay.baseline_rss_kb)} MiB resident at the baseline`;
}

/** How busy the machine was, from the result file: timing ratios mean little on a loaded one. */
function machineNote(results: RealResults): string {
  if (results.load1_at_start === undefined) return 'Measured on a 2-vCPU VM shared with other builds and tests (load not recorded): timings are noisy.';
  const quiet = results.load1_at_start < 1;
  return `Measured on ${results.host_cpus ?? '?'} CPUs at a 1-minute load of ${results.load1_at_start.toFixed(2)} when the run started (${quiet ? 'a quiet machine' : 'a busy machine: timings are noisy'}).`;
}

export function realReport(results: RealResults): string {
  const rows = realRows(results);
  const programs = Object.keys(results.programs);
  const lines = [
    '# Trace replay against the real program',
    '',
    `Command: \`${results.command}\` (${results.generated_at}).`,
    '',
    `${machineNote(results)} Each program was recorded once`,
    '(under the tracer, glibc), then for each allocator and repeat one untraced original run and one `asap` replay by the trace workload\'s',
    'runner ran back to back, their order alternating between repeats so that drift hits both alike. Figures are medians; ratios are',
    'replay median / original median. Re-run on a quiet machine with the command above.',
    '',
    '- **original**: the program untraced under the allocator (runstat: wait4 wall, user+sys CPU, ru_maxrss), `served by` read back by the',
    '  identity recorder inside the program. **replay**: `tracereplay` under the same allocator; wall = first to last replayed call, CPU =',
    '  user+sys of the replay phase, peak RSS = VmHWM reset after loading the trace, so it still holds the replayer\'s own tables',
    '  (`baseline`, 48 B a record plus the plan: at these record counts it outweighs the program\'s heap). `(peak - baseline) / orig`',
    '  takes out what was resident before the first call, but the replayer\'s per-object tables that the replay first writes still',
    `  count in it (${tablesExample(rows)}); \`(peak - tables) / orig\` takes all`,
    '  the tables out (a lower bound of the allocator\'s share, as not every table page need be resident). The original\'s peak is its',
    '  whole process (code, stacks, non-malloc memory), so none of these is heap against heap. A campaign compares configs by their',
    '  replays, whose tables are the same under every config. `(peak - replayer) / orig` is exact where the last is a bound: the',
    '  replay\'s `peak_rss_minus_replayer_bytes`, RSS minus the replayer\'s own resident pages (mincore over its mappings) at its',
    '  sampled points. `process` = the whole tracereplay process, loading included.',
    '- The original\'s times cover everything the program does (start-up, parsing, computing, I/O); the replay issues only its allocation',
    '  calls. A ratio below 1 says how much of the program\'s time is not spent in the allocator, not that the allocator is faster.',
    '  The replay\'s CPU time counts every replay thread, the spins of a thread waiting for another\'s object included (python: 4',
    '  threads freeing each other\'s objects on 2 CPUs), so it can exceed the replay\'s wall time.',
    '- **redis-server**: the original\'s wall time is the server\'s lifetime, which is mostly waiting on the client (redis-benchmark), so',
    '  **CPU time is the fairer comparison** there. Its glibc rows put libc.so.6 first in LD_PRELOAD (Debian\'s build links jemalloc).',
    '',
    '## Programs',
    '',
    '| program | what | records | threads | traced run ms | traced peak RSS MiB |',
    '|---|---|---:|---:|---:|---:|',
    ...programs.map((n) => {
      const p = results.programs[n];
      return p === undefined ? '' : `| ${n} | ${p.description} | ${p.records} | ${p.threads} | ${f0(p.traced_wall_ms)} | ${mib(p.traced_peak_rss_kb)} |`;
    }),
    '',
    '## Headline: replay / original, over the four allocators',
    '',
    '| program | peak RSS ratio | (peak - baseline) / original | (peak - replayer) / original | CPU time ratio | wall time ratio | fidelity |',
    '|---|---|---|---|---|---|---|',
    ...programs.map((n) => {
      const rs = rows.filter((r) => r.program === n);
      return `| ${n} | ${range(rs.map((r) => r.ratio.peak_rss))} | ${range(rs.map((r) => r.ratio.above_baseline))} | ${range(rs.map((r) => r.ratio.minus_replayer))} | ${range(rs.map((r) => r.ratio.cpu))} | ${range(rs.map((r) => r.ratio.wall))}${n === 'redis' ? ' (server waits on the client)' : ''} | ${rs.every((r) => r.exact) ? 'exact in every replay' : 'LOST in some replay'} |`;
    }),
    '',
    '## Per allocator (medians)',
    '',
    '| program | allocator | n | orig wall ms | orig CPU ms | orig peak RSS MiB | replay wall ms | replay CPU ms | replay peak RSS MiB (baseline) | replay process ms | wall ratio | CPU ratio | peak RSS ratio | (peak - baseline) / orig | (peak - tables) / orig | (peak - replayer) / orig | fidelity | original served by |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.program} | ${r.allocator} | ${r.n} | ${f0(r.original.wall_ms)}${r.original.client_wall_ms === null ? '' : ` (client ${f0(r.original.client_wall_ms)})`} | ${f0(r.original.cpu_ms)} | ${mib(r.original.peak_rss_kb)} | ` +
        `${f1(r.replay.wall_ms)} | ${f0(r.replay.cpu_ms)} | ${mib(r.replay.peak_rss_kb)} (${mib(r.replay.baseline_rss_kb)}) | ${f0(r.replay.process_ms)} | ${x2(r.ratio.wall)} | ${x2(r.ratio.cpu)} | ${x2(r.ratio.peak_rss)} | ${x2(r.ratio.above_baseline)} | ${x2(r.ratio.without_replayer)} | ${x2(r.ratio.minus_replayer)} | ${r.exact ? 'exact' : 'LOST'} | ${r.served} |`,
    ),
    '',
    'Raw runs (every original and replay, with its order in the pair and the fidelity block\'s own statement against the sidecar\'s',
    'reference run): `real-results.json`.',
    '',
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url));
  const results = JSON.parse(readFileSync(join(here, 'real-results.json'), 'utf8')) as RealResults;
  writeFileSync(join(here, 'real-report.md'), realReport(results));
}
