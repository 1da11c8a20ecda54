import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { resolvePreloadLibrary } from '../../src/spaces/index.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { rawPeaks, readRaw } from './raw-trace.js';
import { DEBIAN_ALLOCATORS, replaysFaithfully } from './replay-check.js';

// Real Debian programs recorded under the tracer: redis-server under a short redis-benchmark load,
// and python3 running a threaded allocation-heavy script, under the allocators preloaded after it.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-programs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };

before(async () => {
  const made = await runGuarded('make', ['-s', '-C', `${REPO_ROOT}/native`], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

function withColumns(file: string): TraceContents & { columns: TraceColumns } {
  return readTrace(file, { columns: true }) as TraceContents & { columns: TraceColumns };
}

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const out = await runGuarded('/usr/bin/redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { env, timeoutMs: 20_000 });
  return out.stdout;
}

function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1];
}

function tasks(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

// Every object made by the script's threads is dropped by the main thread: cross-thread frees.
const PYTHON_SCRIPT = `
import json, threading
kept = {}
def work(k):
    d = {str(i): [i] * (i % 7) for i in range(4000)}
    kept[k] = d
threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
for t in threads: t.start()
for t in threads: t.join()
kept.clear()
s = "".join(str(i) for i in range(20000))
print(json.dumps({"tids": [threading.get_native_id()] + [t.native_id for t in threads]}))
`;

describe('tracing real programs', () => {
  for (const allocator of [undefined, 'tcmalloc'] as const) {
    it(`redis-server (${allocator ?? 'its own jemalloc'}) under redis-benchmark: the trace validates, its threads are redis-server's, peak live bytes match the raw records`, async () => {
      const port = await freeLoopbackPort();
      const name = `redis-${allocator ?? 'own'}`;
      const recording = recordTrace({
        name,
        dir,
        command: '/usr/bin/redis-server',
        args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        allocator,
        allocatorLibrary: allocator === undefined ? undefined : resolvePreloadLibrary(allocator),
        followForks: false,
        followExec: false,
        env,
        timeoutMs: 60_000,
      });
      let pid = 0;
      for (let i = 0; i < 200 && pid === 0; i++) {
        pid = Number(infoField(await redisCli(port, 'info', 'server'), 'process_id') ?? 0);
        if (pid === 0) await sleep(50);
      }
      assert.ok(pid > 0, 'redis-server answered');
      const seen = new Set(tasks(pid));
      const bench = await runGuarded('/usr/bin/redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '-n', '2000', '-r', '1000', '-t', 'set,get,lpush', '-q'], { env, timeoutMs: 60_000 });
      assert.equal(bench.exitCode, 0, bench.stderr);
      // FLUSHALL ASYNC hands the keyspace to the lazyfree bio thread: another thread frees main-thread memory.
      await redisCli(port, 'flushall', 'async');
      for (let i = 0; i < 100 && infoField(await redisCli(port, 'info', 'memory'), 'lazyfree_pending_objects') !== '0'; i++) await sleep(50);
      for (const t of tasks(pid)) seen.add(t);
      await redisCli(port, 'shutdown', 'nosave');
      const rec = await recording;
      assert.equal(rec.sidecar.exit_code, 0, rec.stderr);
      const file = join(dir, `${name}.trace`);
      const trace = withColumns(file);
      const stats = traceStats(trace);
      assert.equal(trace.header['pid'], pid);
      assert.ok(trace.records > 10_000, `${trace.records} records`);
      assert.ok(trace.threads.length >= 2, `threads ${JSON.stringify(trace.threads)}`);
      for (const t of trace.threads) assert.ok(seen.has(t.os_tid), `traced thread ${t.os_tid} is one of redis-server's ${[...seen].join(',')}`);
      assert.ok(stats.cross_thread_frees > 0, 'the bio thread freed main-thread memory');
      assert.ok(stats.ops.malloc.calls > 2000 && stats.ops.free.calls > 2000);
      const raw = rawPeaks(readRaw(file));
      assert.equal(stats.peak_live.requested_bytes, raw.requested);
      assert.equal(stats.peak_live.usable_bytes, raw.usable);
      assert.equal(stats.cross_thread_frees, raw.crossFrees);
      assert.ok(rec.sidecar.peak_rss_kb > 1000);
      if (allocator === 'tcmalloc') await replaysFaithfully(dir, name, stats.peak_live.requested_bytes, allocator, DEBIAN_ALLOCATORS);
    });
  }

  for (const allocator of ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const) {
    it(`python3 with threads under ${allocator}: the trace validates and lists exactly the script's threads`, async () => {
      const name = `python-${allocator}`;
      const rec = await recordTrace({
        name,
        dir,
        command: '/usr/bin/python3',
        args: ['-c', PYTHON_SCRIPT],
        allocator,
        allocatorLibrary: resolvePreloadLibrary(allocator),
        followForks: false,
        followExec: false,
        // Every Python object from malloc, not from pymalloc's arenas.
        env: { ...env, PYTHONMALLOC: 'malloc' },
        timeoutMs: 60_000,
      });
      assert.equal(rec.sidecar.exit_code, 0, rec.stderr);
      const tids = (JSON.parse(rec.stdout) as { tids: number[] }).tids;
      const file = join(dir, `${name}.trace`);
      const trace = withColumns(file);
      const stats = traceStats(trace);
      assert.deepEqual(new Set(trace.threads.map((t) => t.os_tid)), new Set(tids));
      assert.ok(trace.records > 50_000, `${trace.records} records`);
      assert.ok(stats.cross_thread_frees > 3 * 4000, `cross-thread frees ${stats.cross_thread_frees}`);
      assert.equal(rec.sidecar.allocator_env['PYTHONMALLOC'], undefined);
      // The three dicts of 4000 entries were all alive together before kept.clear().
      assert.ok(stats.peak_live.requested_bytes > 3 * 4000 * 50, `peak ${stats.peak_live.requested_bytes}`);
      assert.ok(stats.peak_live.usable_bytes >= stats.peak_live.requested_bytes);
      if (allocator === 'jemalloc') await replaysFaithfully(dir, name, stats.peak_live.requested_bytes, allocator, DEBIAN_ALLOCATORS);
    });
  }
});
