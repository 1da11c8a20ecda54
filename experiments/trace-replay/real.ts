/**
 * Replay against the real program: each program is recorded once under the tracer (`alloctune trace
 * record`'s code, with reference runs under every allocator in its sidecar), then, for each of glibc,
 * jemalloc, mimalloc and tcmalloc and each repeat, run untraced (the original: runstat's wait4 wall,
 * user+sys CPU and peak RSS) and replayed as fast as possible by the trace workload's runner (replay
 * wall = first to last replayed call, CPU = the replay phase's user+sys, peak RSS = the replayer's
 * VmHWM reset after loading the trace). Original and replay alternate their order between repeats.
 *
 *   redis   redis-server (Debian's, linked with jemalloc) under `redis-benchmark -n REQUESTS -r 10000
 *           -t set,get,lpush`, then SHUTDOWN NOSAVE. LD_PRELOAD starts with the C library so that
 *           glibc's malloc serves it when nothing else is preloaded (otherwise its own jemalloc would).
 *           Its wall time includes waiting on the client: CPU time is the fairer comparison.
 *   python  python3 -c SCRIPT (trace-overhead's: SCALE dict entries x 3 threads, PYTHONMALLOC=malloc).
 *   sqlite  sqlite3 on a fresh database file: ROWS inserts, an index, queries, DELETE half, VACUUM.
 *
 * Writes real-results.json (every run, raw) and real-report.md (from it, by real-report.ts).
 * Usage: node --import tsx experiments/trace-replay/real.ts [--repeats N] [--requests N] [--scale N] [--rows N]
 *        [--programs redis,python,sqlite] [--allocators glibc,jemalloc,mimalloc,tcmalloc] [--cpus 0,1]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TraceDetailsSchema } from '../../src/core/replay-result.js';
import type { TraceSidecar } from '../../src/core/trace-sidecar.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { allocatorDefinition, knownAllocatorSchema } from '../../src/spaces/index.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { recordReferences, runReference } from '../../src/trace/reference-run.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import { targetEnv } from '../../workers/target-env.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { loadRedis, PROGRAM_ENV, PYTHON_ENV, pythonScript, redisArgs, redisLoadDescription } from '../trace-overhead/programs.js';
import { realReport, type RealResults, type RealRun } from './real-report.js';
import { sqliteWorkload } from './sqlite-workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    requests: { type: 'string', default: '20000' },
    scale: { type: 'string', default: '30000' },
    rows: { type: 'string', default: '20000' },
    programs: { type: 'string', default: 'redis,python,sqlite' },
    cpus: { type: 'string', default: '0,1' },
    allocators: { type: 'string', default: 'glibc,jemalloc,mimalloc,tcmalloc' },
  },
});
const repeats = Math.max(1, Number(values.repeats));
const requests = Number(values.requests);
const scale = Number(values.scale);
const rows = Number(values.rows);
/** Registry names (unknown ones refused by name before anything runs). */
const ALLOCATORS = (values.allocators ?? '').split(',').map((n) => knownAllocatorSchema().parse(n));
/**
 * Put first in LD_PRELOAD, the C library makes glibc's malloc serve a program linked with another
 * allocator: the object that serves malloc() in the harness probe with nothing preloaded.
 */
const probed = await runAllocbench({ workload: null, env: PROGRAM_ENV });
const LIBC = probed.ok ? probed.result.allocator.path : null;
if (LIBC === null) throw new Error(`allocbench --probe did not name the C library: ${probed.ok ? 'no path' : probed.error.message}`);
const dir = mkdtempSync(join(tmpdir(), 'alloctune-replay-real-'));

interface Program {
  name: string;
  command: string;
  args: () => string[];
  env: Record<string, string>;
  description: string;
  /** Before each run of the program (recording, reference or original). */
  prepare?: () => void;
  /** Drives a run once the program has started (a server's load); returns the client's wall ms. */
  drive?: () => Promise<number>;
}

let port = 0;
const db = join(dir, 'work.db');
const sqlScript = join(dir, 'workload.sql');

const PROGRAMS: Record<string, Program> = {
  redis: {
    name: 'redis',
    command: '/usr/bin/redis-server',
    args: () => redisArgs(port, dir),
    env: { ...PROGRAM_ENV, LD_PRELOAD: LIBC },
    description: `redis-server (Debian, jemalloc-linked; LD_PRELOAD starts with ${LIBC}) under ${redisLoadDescription(requests)}, then SHUTDOWN NOSAVE`,
    drive: () => loadRedis(port, requests),
  },
  python: {
    name: 'python',
    command: '/usr/bin/python3',
    args: () => ['-c', pythonScript(scale)],
    env: { ...PROGRAM_ENV, ...PYTHON_ENV },
    description: `python3 -c SCRIPT: ${scale} dict entries x 3 threads, all dropped (PYTHONMALLOC=malloc)`,
  },
  sqlite: {
    name: 'sqlite',
    command: '/usr/bin/sqlite3',
    args: () => ['-batch', '-bail', db, `.read ${sqlScript}`],
    env: PROGRAM_ENV,
    description: `sqlite3 on a fresh database file: ${rows} INSERTs in one transaction, an index, 3 queries, DELETE half, VACUUM`,
    prepare: () => rmSync(db, { force: true }),
  },
};

async function newPort(p: Program): Promise<void> {
  if (p.drive !== undefined) port = await freeLoopbackPort();
}

async function record(p: Program): Promise<TraceSidecar> {
  p.prepare?.();
  await newPort(p);
  const recording = recordTrace({ name: p.name, dir, command: p.command, args: p.args(), allocator: 'glibc', followForks: false, followExec: false, env: p.env, timeoutMs: 600_000 });
  if (p.drive !== undefined) await p.drive();
  const rec = await recording;
  if (rec.sidecar.exit_code !== 0) throw new Error(`${p.name} under the tracer: ${rec.sidecar.exit_code} ${rec.stderr.slice(-300)}`);
  const driven: Promise<number>[] = [];
  const sidecar = await recordReferences({
    dir,
    sidecar: rec.sidecar,
    allocators: ALLOCATORS,
    command: p.command,
    args: p.args(),
    env: p.env,
    timeoutMs: 600_000,
    beforeRun: () => p.prepare?.(),
    onSpawn: () => {
      if (p.drive !== undefined) driven.push(p.drive());
    },
  });
  await Promise.all(driven);
  for (const [a, why] of Object.entries(sidecar.reference_problems)) throw new Error(`${p.name}: reference under ${a} failed: ${why}`);
  return sidecar;
}

async function original(p: Program, allocator: string, repeat: number, order: number): Promise<RealRun> {
  p.prepare?.();
  await newPort(p);
  let client: Promise<number> | undefined;
  // Driven from onSpawn, with the port the program was started on.
  const run = await runReference({ command: p.command, args: p.args(), allocator, env: p.env, expected: { exit_code: 0, signal: null }, timeoutMs: 600_000, onSpawn: () => (client = p.drive?.()) });
  const clientMs = client === undefined ? null : await client;
  const r = run.reference;
  return { program: p.name, allocator, repeat, order, kind: 'original', wall_ms: r.wall_ms, cpu_ms: r.user_ms + r.sys_ms, peak_rss_kb: r.peak_rss_kb, client_wall_ms: clientMs, served_by: r.served_by, version: r.version };
}

async function replay(p: Program, allocator: string, repeat: number, order: number): Promise<RealRun> {
  const runner = new TraceRunner(new TraceDir(dir));
  const spec = WorkloadSpecSchema.parse({ kind: 'trace', trace: p.name, pace: 'asap', snapshot_offsets_ms: [0] });
  if (spec.kind !== 'trace') throw new Error('not a trace spec');
  const m = await runner.run(spec, { env: targetEnv({ allocator, env: {} }), allocator, definition: allocatorDefinition(allocator), cpus: values.cpus, clientCpus: '0', seed: 1, phaseTimeoutMs: 600_000 });
  const { fidelity } = TraceDetailsSchema.parse(m.details);
  const metric = (k: string): number => m.metrics[k] ?? NaN;
  return {
    program: p.name,
    allocator,
    repeat,
    order,
    kind: 'replay',
    wall_ms: metric('run_ms'),
    cpu_ms: metric('user_ms') + metric('sys_ms'),
    peak_rss_kb: metric('peak_rss_bytes') / 1024,
    process_ms: m.duration_ms,
    baseline_rss_kb: metric('baseline_rss_bytes') / 1024,
    replayer_kb: ((m.details as { memory?: { replayer_bytes?: number } }).memory?.replayer_bytes ?? NaN) / 1024,
    minus_replayer_kb: metric('peak_rss_minus_replayer_bytes') / 1024,
    ops: metric('ops'),
    fidelity_match: fidelity.match,
    reference_statement: fidelity.reference?.statement ?? null,
    served_by: m.allocator.path ?? null,
    version: m.allocator.version ?? null,
  };
}

const programs = (values.programs ?? '').split(',').map((n) => {
  const p = PROGRAMS[n];
  if (p === undefined) throw new Error(`unknown program '${n}': one of ${Object.keys(PROGRAMS).join(', ')}`);
  return p;
});
try {
  writeFileSync(sqlScript, sqliteWorkload(rows));
  const results: RealResults = {
    generated_at: new Date().toISOString(),
    command: `node --import tsx experiments/trace-replay/real.ts --repeats ${repeats} --requests ${requests} --scale ${scale} --rows ${rows} --programs ${programs.map((p) => p.name).join(',')} --allocators ${ALLOCATORS.join(',')} --cpus ${values.cpus}`,
    settings: { repeats, requests, scale, rows, replay_cpus: values.cpus ?? '' },
    load1_at_start: loadavg()[0] ?? 0,
    host_cpus: cpus().length,
    programs: {},
    runs: [],
  };
  for (const p of programs) {
    const sidecar = await record(p);
    results.programs[p.name] = { description: p.description, records: sidecar.trace.records, threads: sidecar.trace.threads, traced_wall_ms: sidecar.wall_ms, traced_peak_rss_kb: sidecar.peak_rss_kb, references: sidecar.references };
    process.stderr.write(`${p.name}: ${sidecar.trace.records} records, ${sidecar.trace.threads} threads\n`);
    for (let r = 0; r < repeats; r++) {
      for (const allocator of ALLOCATORS) {
        // Original first on even repeats, replay first on odd ones: drift on the shared machine hits both.
        const pair = r % 2 === 0 ? [original, replay] : [replay, original];
        for (const [order, run] of pair.entries()) results.runs.push(await run(p, allocator, r, order));
      }
      process.stderr.write(`${p.name}: repeat ${r + 1}/${repeats} done\n`);
    }
  }
  writeFileSync(join(here, 'real-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const report = realReport(results);
  writeFileSync(join(here, 'real-report.md'), report);
  process.stdout.write(report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
