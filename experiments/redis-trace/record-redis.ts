/**
 * Records redis-server (its own jemalloc) under the tracer while it takes a Redis workload's load and
 * scattered delete, then shuts it down (the trace is complete at exit). Used by run.ts and ranking.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { DELETE_SCRIPT, deleteDigitBound } from '../../workers/runners/redis/delete-keys.js';
import { loadStreams } from '../../workers/runners/redis/redis-benchmark.js';

const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };

/** The part of a Redis workload's options the recording replays. */
export interface RecordedLoad {
  load: { value_bytes: number; keys: number }[];
  delete_fraction: number;
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  return (await runGuarded('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env, timeoutMs: 60_000 })).stdout;
}

/** Writes `dir/<name>.trace` and its sidecar: redis-server under the tracer through `redis`'s load and delete, 1 s idle, shutdown. */
export async function recordRedis(dir: string, name: string, redis: RecordedLoad, clientCpus: string): Promise<void> {
  const port = await freeLoopbackPort();
  const recording = recordTrace({ name, dir, command: '/usr/bin/redis-server', args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], followForks: false, followExec: false, env, timeoutMs: 600_000 });
  for (let i = 0; i < 200 && !(await redisCli(port, 'ping').catch(() => '')).includes('PONG'); i++) await sleep(50);
  await loadStreams({ benchmarkPath: '/usr/bin/redis-benchmark', port, clientCpus, timeoutMs: 300_000, env }, redis.load);
  await redisCli(port, 'eval', DELETE_SCRIPT, '0', String(deleteDigitBound(redis.delete_fraction)));
  await sleep(1000);
  await redisCli(port, 'shutdown', 'nosave');
  const rec = await recording;
  if (rec.sidecar.exit_code !== 0) throw new Error(`redis-server under the tracer exited ${rec.sidecar.exit_code}: ${rec.stderr.slice(-500)}`);
}
