/**
 * Replay speed against the original: how long `native/build/tracereplay` takes to replay a trace
 * (as fast as possible, and at the recorded pace) under glibc, jemalloc, mimalloc and tcmalloc,
 * against how long the recorded program's traced run took.
 *
 * The original's time is the sidecar's `wall_ms` when a recorded trace has one, else the trace's own
 * span (trailer end_t_ns: first to last traced call). Without `--traces DIR` the script writes
 * synthetic program-like traces with the test writer (test/helpers/write-trace.ts) whose span is the
 * writer's nominal 1 call per `--gap-ns`: for those, "speed vs original" only says how much faster
 * than that nominal rate the replay runs, and the recorded-pace row checks the pacing.
 *
 * Prints a table and writes results.json (every run, raw) and report.md next to this file.
 * Usage: node --import tsx experiments/trace-replay/bench.ts [--traces DIR] [--calls N] [--threads N]
 *        [--repeats N] [--gap-ns NS] [--out DIR]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ReplayResultSchema, type ReplayResult } from '../../src/core/replay-result.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { syntheticTrace, writeTrace } from '../../test/helpers/write-trace.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    traces: { type: 'string' },
    calls: { type: 'string', default: '200000' },
    threads: { type: 'string', default: '4' },
    repeats: { type: 'string', default: '3' },
    'gap-ns': { type: 'string', default: '500' },
    out: { type: 'string', default: here },
  },
});
const ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const;
const repeats = Math.max(1, Number(values.repeats));

interface Row {
  trace: string;
  synthetic: boolean;
  allocator: string;
  pace: 'asap' | 'recorded';
  repeat: number;
  ops: number;
  threads: number;
  original_ms: number;
  original_source: 'sidecar wall_ms' | 'trace span' | 'nominal (synthetic)';
  replay_ms: number;
  process_ms: number;
  cpu_ms: number;
  ops_per_s: number;
  ops_per_cpu_s: number;
  peak_rss_bytes: number;
  baseline_rss_bytes: number;
  fidelity_match: boolean;
}

function traceFiles(): { dir: string; names: string[]; synthetic: boolean; cleanup: () => void } {
  if (values.traces !== undefined) {
    const names = readdirSync(values.traces).filter((f) => f.endsWith('.trace')).map((f) => basename(f, '.trace'));
    return { dir: values.traces, names, synthetic: false, cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-bench-'));
  const calls = Number(values.calls);
  const threads = Number(values.threads);
  const gapNs = Number(values['gap-ns']);
  writeTrace(dir, 'small-objects', syntheticTrace({ threads, calls, seed: 1, maxSize: 512, gapNs }));
  writeTrace(dir, 'mixed-sizes', syntheticTrace({ threads, calls, seed: 2, maxSize: 256 * 1024, gapNs }));
  return { dir, names: ['small-objects', 'mixed-sizes'], synthetic: true, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function sidecarWallMs(dir: string, name: string): number | undefined {
  try {
    const doc = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as { wall_ms?: unknown; wall_time_ms?: unknown };
    const v = doc.wall_ms ?? doc.wall_time_ms;
    return typeof v === 'number' ? v : undefined;
  } catch {
    return undefined;
  }
}

async function replay(file: string, allocator: (typeof ALLOCATORS)[number], pace: 'asap' | 'recorded'): Promise<{ doc: ReplayResult; processMs: number }> {
  const env: Record<string, string> = { PATH: '/usr/bin:/bin' };
  if (allocator !== 'glibc') env['LD_PRELOAD'] = debianLibraryPath(allocator) ?? '';
  const outcome = await runGuarded(nativeTool('tracereplay'), ['--trace', file, '--pace', pace, '--cpus', '0,1', '--snapshot-ms', '0'], { env, timeoutMs: 600_000 });
  if (outcome.exitCode !== 0) throw new Error(`tracereplay ${file} under ${allocator}: exit ${outcome.exitCode}: ${outcome.stderr.trim()}`);
  return { doc: ReplayResultSchema.parse(JSON.parse(outcome.stdout)), processMs: outcome.durationMs };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const set = traceFiles();
const rows: Row[] = [];
try {
  for (const name of set.names) {
    const file = join(set.dir, `${name}.trace`);
    const wall = set.synthetic ? undefined : sidecarWallMs(set.dir, name);
    for (const pace of ['asap', 'recorded'] as const) {
      for (const allocator of pace === 'asap' ? ALLOCATORS : (['glibc'] as const)) {
        for (let repeat = 0; repeat < (pace === 'asap' ? repeats : 1); repeat++) {
          const { doc, processMs } = await replay(file, allocator, pace);
          const span = doc.fidelity.recorded.duration_ms;
          rows.push({
            trace: name,
            synthetic: set.synthetic,
            allocator,
            pace,
            repeat,
            ops: doc.fidelity.recorded.ops,
            threads: doc.fidelity.recorded.threads,
            original_ms: wall ?? span,
            original_source: set.synthetic ? 'nominal (synthetic)' : wall !== undefined ? 'sidecar wall_ms' : 'trace span',
            replay_ms: doc.throughput.duration_ms,
            process_ms: processMs,
            cpu_ms: doc.throughput.cpu_ms,
            ops_per_s: doc.throughput.ops_per_s,
            ops_per_cpu_s: doc.throughput.ops_per_cpu_s,
            peak_rss_bytes: doc.memory.peak_rss_bytes,
            baseline_rss_bytes: doc.memory.baseline_rss_bytes,
            fidelity_match: doc.fidelity.match,
          });
        }
      }
    }
  }
} finally {
  set.cleanup();
}

const groups = new Map<string, Row[]>();
for (const r of rows) {
  const key = `${r.trace}|${r.allocator}|${r.pace}`;
  groups.set(key, [...(groups.get(key) ?? []), r]);
}
const lines = [
  '| trace | ops | threads | allocator | pace | original ms | replay ms (median) | speed vs original | process ms (load + replay) | Mops/CPU-s | peak RSS MiB | fidelity |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const summary = [...groups.values()].map((g) => {
  const first = g[0] as Row;
  const replayMs = median(g.map((r) => r.replay_ms));
  const s = {
    trace: first.trace,
    allocator: first.allocator,
    pace: first.pace,
    ops: first.ops,
    threads: first.threads,
    original_ms: first.original_ms,
    original_source: first.original_source,
    replay_ms: replayMs,
    speed_vs_original: replayMs > 0 ? first.original_ms / replayMs : null,
    process_ms: median(g.map((r) => r.process_ms)),
    ops_per_cpu_s: median(g.map((r) => r.ops_per_cpu_s)),
    peak_rss_bytes: median(g.map((r) => r.peak_rss_bytes)),
    runs: g.length,
    fidelity_match: g.every((r) => r.fidelity_match),
  };
  lines.push(
    `| ${s.trace} | ${s.ops} | ${s.threads} | ${s.allocator} | ${s.pace} | ${s.original_ms.toFixed(1)} (${s.original_source}) | ${s.replay_ms.toFixed(1)} | ${s.speed_vs_original === null ? '-' : `${s.speed_vs_original.toFixed(2)}x`} | ${s.process_ms.toFixed(0)} | ${(s.ops_per_cpu_s / 1e6).toFixed(2)} | ${(s.peak_rss_bytes / 2 ** 20).toFixed(1)} | ${s.fidelity_match ? 'exact' : 'LOST'} |`,
  );
  return s;
});
const table = lines.join('\n');
console.log(table);
const command = `node --import tsx experiments/trace-replay/bench.ts ${process.argv.slice(2).join(' ')}`.trim();
writeFileSync(join(values.out, 'results.json'), `${JSON.stringify({ generated_at: new Date().toISOString(), command, repeats, summary, runs: rows }, null, 2)}\n`);
writeFileSync(
  join(values.out, 'report.md'),
  [
    '# Trace replay speed against the original',
    '',
    `Command: \`${command}\` (${new Date().toISOString()}, this 2-vCPU VM shared with other work; replay threads on CPUs 0,1).`,
    '',
    "Against real programs (redis-server, python3, sqlite3, each allocator's untraced original): [real-report.md](real-report.md), `real.ts`.",
    '',
    set.synthetic
      ? 'Traces: synthetic, from the test writer (no recorder in main yet). Their "original" is the nominal span the writer gives them (one call per gap), so the speed column is replay throughput against that nominal rate, not against a real program; re-run with `--traces DIR` on recordings made with `alloctune trace record` to compare with the programs themselves (sidecar wall_ms).'
      : 'Traces: recorded programs; original = the sidecar\'s wall_ms of the traced run (else the span of the traced calls).',
    '',
    '"replay ms" is first to last replayed call (loading and pre-processing excluded; "process ms" includes them). The recorded-pace row should take about the original span.',
    '',
    table,
    '',
  ].join('\n'),
);
