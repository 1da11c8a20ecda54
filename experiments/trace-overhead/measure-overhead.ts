/**
 * Overhead of the allocation tracer on real programs: wall time and peak RSS, traced vs untraced.
 *
 * For each repeat, one untraced and one traced run back to back (the order alternates between
 * repeats, so that drift on this shared machine hits both alike):
 *   redis   redis-server on a free loopback port, loaded by `redis-benchmark -n REQUESTS -r 10000
 *           -t set,get,lpush -P 1`, then SHUTDOWN NOSAVE. Wall time = the redis-benchmark run (the
 *           server's answers get slower when its calls are traced); peak RSS = the server's.
 *   python  python3 -c SCRIPT with PYTHONMALLOC=malloc (every object from malloc: the worst case for
 *           the tracer), building and dropping SCALE dict entries in 3 threads. Wall time and RSS of python3.
 * Untraced runs go through runstat too (wait4 rusage); traced runs through recordTrace, the code of
 * `alloctune trace record`. Raw pairs go to results.json; report.ts turns them into report.md.
 *
 * Usage: node --import tsx experiments/trace-overhead/measure-overhead.ts [--repeats N] [--requests N] [--scale N]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RunstatSchema, type RunstatResult } from '../../src/core/runstat-result.js';
import { guardedSpawn } from '../../src/proc/guarded-spawn.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { loadRedis as loadRedisWith, PROGRAM_ENV, PYTHON_ENV, pythonScript, redisArgs as programRedisArgs, redisLoadDescription } from './programs.js';
import { reportMarkdown, summarize, type OverheadPair, type OverheadResults } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '5' }, requests: { type: 'string', default: '20000' }, scale: { type: 'string', default: '30000' } } });
const repeats = Number(values.repeats);
const requests = Number(values.requests);
const scale = Number(values.scale);
const env = PROGRAM_ENV;
const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-overhead-'));
const SCRIPT = pythonScript(scale);
const redisArgs = (port: number): string[] => programRedisArgs(port, dir);
const loadRedis = (port: number): Promise<number> => loadRedisWith(port, requests);

async function untracedRunstat(program: string, args: string[], extraEnv: Record<string, string>, during?: () => Promise<number>): Promise<{ doc: RunstatResult; wall?: number }> {
  const out = join(dir, 'runstat.json');
  const child = guardedSpawn(nativeTool('runstat'), ['--out', out, '--', program, ...args], { env: { ...env, ...extraEnv }, timeoutMs: 300_000 });
  const wall = during ? await during() : undefined;
  const outcome = await child.done;
  if (outcome.exitCode !== 0) throw new Error(`runstat: ${outcome.stderr}`);
  const doc = RunstatSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
  return wall === undefined ? { doc } : { doc, wall };
}

type Run = () => Promise<[number, number]>;

/** Untraced first on even repeats, traced first on odd ones. */
async function inOrder(repeat: number, untraced: Run, traced: Run): Promise<{ u: [number, number]; t: [number, number] }> {
  if (repeat % 2 === 0) {
    const u = await untraced();
    return { u, t: await traced() };
  }
  const t = await traced();
  return { u: await untraced(), t };
}

async function redisPair(repeat: number): Promise<OverheadPair> {
  const untraced: Run = async () => {
    const port = await freeLoopbackPort();
    const r = await untracedRunstat('/usr/bin/redis-server', redisArgs(port), {}, () => loadRedis(port));
    return [r.wall ?? 0, r.doc.max_rss_bytes / 1024];
  };
  let facts = { records: 0, bytes: 0 };
  const traced: Run = async () => {
    const port = await freeLoopbackPort();
    const recording = recordTrace({ name: 'redis', dir, command: '/usr/bin/redis-server', args: redisArgs(port), followForks: false, followExec: false, env, timeoutMs: 300_000 });
    const wall = await loadRedis(port);
    const rec = await recording;
    facts = { records: rec.sidecar.trace.records, bytes: rec.sidecar.trace.bytes };
    return [wall, rec.sidecar.peak_rss_kb];
  };
  const { u, t } = await inOrder(repeat, untraced, traced);
  return { program: 'redis', repeat, untraced_wall_ms: u[0], traced_wall_ms: t[0], untraced_peak_rss_kb: u[1], traced_peak_rss_kb: t[1], records: facts.records, trace_bytes: facts.bytes };
}

async function pythonPair(repeat: number): Promise<OverheadPair> {
  const pyEnv = PYTHON_ENV;
  const untraced: Run = async () => {
    const r = await untracedRunstat('/usr/bin/python3', ['-c', SCRIPT], pyEnv);
    return [r.doc.wall_ms, r.doc.max_rss_bytes / 1024];
  };
  let facts = { records: 0, bytes: 0 };
  const traced: Run = async () => {
    const rec = await recordTrace({ name: 'python', dir, command: '/usr/bin/python3', args: ['-c', SCRIPT], followForks: false, followExec: false, env: { ...env, ...pyEnv }, timeoutMs: 300_000 });
    facts = { records: rec.sidecar.trace.records, bytes: rec.sidecar.trace.bytes };
    return [rec.sidecar.wall_ms, rec.sidecar.peak_rss_kb];
  };
  const { u, t } = await inOrder(repeat, untraced, traced);
  return { program: 'python', repeat, untraced_wall_ms: u[0], traced_wall_ms: t[0], untraced_peak_rss_kb: u[1], traced_peak_rss_kb: t[1], records: facts.records, trace_bytes: facts.bytes };
}

try {
  const pairs: OverheadPair[] = [];
  for (let r = 0; r < repeats; r++) {
    pairs.push(await redisPair(r));
    pairs.push(await pythonPair(r));
    process.stderr.write(`repeat ${r + 1}/${repeats} done\n`);
  }
  const results: OverheadResults = {
    generated_at: new Date().toISOString(),
    command: `node --import tsx experiments/trace-overhead/measure-overhead.ts --repeats ${repeats} --requests ${requests} --scale ${scale}`,
    settings: { repeats, requests, scale },
    wall_time_meaning: {
      redis: `${redisLoadDescription(requests)} against the server (client-side wall)`,
      python: `python3 -c SCRIPT (${scale} dict entries x 3 threads, PYTHONMALLOC=malloc), whole process`,
    },
    pairs,
  };
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(here, 'report.md'), reportMarkdown(results));
  process.stdout.write(`${JSON.stringify(summarize(results), null, 2)}\n`);
  process.stdout.write(reportMarkdown(results));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
