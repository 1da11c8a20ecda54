/**
 * The real programs the tracer experiments run, shared by trace-overhead/measure-overhead.ts and
 * trace-replay/real.ts: redis-server under a redis-benchmark load, and python3 on an
 * allocation-heavy threaded script.
 */
import { runGuarded } from '../../src/proc/guarded-spawn.js';

export const PROGRAM_ENV = { PATH: '/usr/local/bin:/usr/bin:/bin' };

/** 3 threads each build a dict of `scale` entries (lists of 0-6 ints), all dropped at the end. */
export function pythonScript(scale: number): string {
  return `
import threading
kept = {}
def work(k):
    d = {str(i): [i] * (i % 7) for i in range(${scale})}
    kept[k] = d
ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]
for t in ts: t.start()
for t in ts: t.join()
kept.clear()
`;
}

/** Every Python object from malloc, not from pymalloc's arenas: the allocator sees all of them. */
export const PYTHON_ENV = { PYTHONMALLOC: 'malloc' };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await runGuarded('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env: PROGRAM_ENV, timeoutMs: 30_000 })).stdout;
}

/** redis-server on a loopback port, no persistence, its files in `dir`. */
export function redisArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
}

/** The load: `redis-benchmark -n REQUESTS -r 10000 -t set,get,lpush`. */
export function redisLoadDescription(requests: number): string {
  return `redis-benchmark -n ${requests} -r 10000 -t set,get,lpush`;
}

/** Waits for the server, runs the benchmark, shuts the server down; returns the benchmark's wall ms. */
export async function loadRedis(port: number, requests: number): Promise<number> {
  for (let i = 0; i < 400 && !(await redisCli(port, 'ping')).includes('PONG'); i++) await sleep(25);
  const t0 = performance.now();
  const bench = await runGuarded('/usr/bin/redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '-r', '10000', '-t', 'set,get,lpush', '-q'], { env: PROGRAM_ENV, timeoutMs: 300_000 });
  const wall = performance.now() - t0;
  if (bench.exitCode !== 0) throw new Error(`redis-benchmark: ${bench.stderr}`);
  await redisCli(port, 'shutdown', 'nosave');
  return wall;
}
