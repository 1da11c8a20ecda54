import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { WorkloadMeasurementSchema } from '../../src/core/trial-result.js';
import { allocatorDefinition, type AllocatorName } from '../../src/spaces/index.js';
import { redisRunner } from '../../workers/runners/redis-runner.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { targetEnv } from '../../workers/target-env.js';

type RedisSpec = Extract<WorkloadSpec, { kind: 'redis' }>;

function spec(options: unknown): RedisSpec {
  return WorkloadSpecSchema.parse({ kind: 'redis', options }) as RedisSpec;
}

function ctx(allocator: AllocatorName, env: Record<string, string>, phaseTimeoutMs = 60_000): RunContext {
  return { env: targetEnv({ allocator, env }), allocator, definition: allocatorDefinition(allocator), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs };
}

/** redis-server children of this test process alive right now (run-tests also checks at the very end). */
function redisServers(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((pid) => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        return /^Name:\s+redis-server/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const SMALL = {
  load: [
    { value_bytes: 64, keys: 4000 },
    { value_bytes: 4096, keys: 1000 },
  ],
  snapshot_offsets_ms: [300, 100],
  throughput: { requests: 20_000, clients: 10, pipeline: 16, value_bytes: 64 },
  latency: { requests: 2000, value_bytes: 64 },
};

test('a small Redis workload completes with sane, schema-valid metrics', async () => {
  const m = WorkloadMeasurementSchema.parse(await redisRunner.run(spec(SMALL), ctx('jemalloc', { MALLOC_CONF: 'narenas:2,background_thread:false' })));
  const x = m.metrics;
  assert.equal(m.kind, 'redis');
  assert.equal(m.label, 'redis');
  assert.equal(m.allocator.name, 'jemalloc');
  assert.match(m.allocator.version, /^\d+\.\d+\.\d+/);
  assert.equal(m.allocator.options['narenas'], 2);
  // 5000 SETs over key spaces of 4000 and 1000 with overwrites: about 63 % unique keys.
  assert.ok((x['keys_after_load'] ?? 0) > 2500 && (x['keys_after_load'] ?? 0) <= 5000, `keys ${x['keys_after_load']}`);
  const deletedShare = (x['keys_deleted'] ?? 0) / (x['keys_after_load'] ?? 1);
  assert.ok(deletedShare > 0.5 && deletedShare < 0.7, `deleted share ${deletedShare}`);
  assert.ok((x['used_memory_bytes_after_load'] ?? 0) > 4_000_000);
  for (const key of ['rss_bytes_at_100ms', 'rss_bytes_at_300ms', 'allocator_frag_ratio_at_300ms', 'allocator_rss_ratio_at_100ms', 'mem_fragmentation_ratio_at_300ms']) {
    assert.ok((x[key] ?? 0) > 0, `${key}: ${x[key]}`);
  }
  // RSS splits into the allocator's anonymous pages and file-backed pages (code, libraries) no setting changes.
  for (const at of ['at_100ms', 'at_300ms']) {
    const file = x[`rss_file_bytes_${at}`] ?? 0;
    const anon = x[`rss_anon_bytes_${at}`] ?? 0;
    assert.ok(file > 4 * 2 ** 20 && file < 64 * 2 ** 20, `rss_file_bytes_${at}: ${file}`);
    assert.ok(anon > 0, `rss_anon_bytes_${at}: ${anon}`);
    // INFO's used_memory_rss and /proc status are read at once; they agree within a few pages while
    // the server is idle (the first snapshot, before the benchmark phases). The 300 ms one falls in the
    // throughput phase, where RSS grows between the two reads by as much as a loaded machine delays one.
    const rss = x[`rss_bytes_${at}`] ?? 0;
    if (at === 'at_100ms') assert.ok(Math.abs(anon + file - rss) < 0.05 * rss, `anon ${anon} + file ${file} vs rss ${rss}`);
    assert.ok((x[`rss_overhead_ratio_${at}`] ?? 0) > 1, `rss_overhead_ratio_${at}`);
  }
  assert.ok((x['set_ops_per_s'] ?? 0) > 1000 && (x['get_ops_per_s'] ?? 0) > 1000);
  assert.ok((x['p50_us'] ?? 0) > 1 && (x['p50_us'] ?? 0) <= (x['p99_us'] ?? 0) && (x['p99_us'] ?? 0) <= (x['max_us'] ?? 0));
  assert.ok((x['load_ms'] ?? 0) > 0 && (x['delete_ms'] ?? 0) > 0);
  assert.ok(m.steal_pct >= 0 && m.steal_pct <= 100);
  assert.deepEqual(Object.keys(m.cpu_busy_pct).sort(), ['cpu0', 'cpu1']);
  const details = m.details as {
    malloc_conf_check: { mismatches: unknown[]; overrides: { key: string }[] };
    snapshots: { offset_ms: number; taken_at_ms: number }[];
    phases: Record<string, { steal_pct?: number }>;
  };
  assert.deepEqual(details.malloc_conf_check.mismatches, []);
  // Redis's jemalloc-bg-thread turns background threads back on (redis-measurement.md §2).
  assert.deepEqual(details.malloc_conf_check.overrides.map((o) => o.key), ['background_thread']);
  assert.deepEqual(details.snapshots.map((s) => s.offset_ms), [100, 300]);
  for (const s of details.snapshots) assert.ok(s.taken_at_ms >= s.offset_ms && s.taken_at_ms < s.offset_ms + 250, JSON.stringify(s));
  for (const p of ['load', 'delete', 'throughput', 'latency']) assert.ok(details.phases[p]?.steal_pct !== undefined, p);
  assert.deepEqual(redisServers(), []);
});

test('MALLOC_CONF=dirty_decay_ms:0 leaves a lower RSS 1 s after the delete than the default (measured)', async () => {
  const heavy = spec({
    load: [
      { value_bytes: 4096, keys: 8000 },
      { value_bytes: 20_000, keys: 3000 },
      { value_bytes: 512, keys: 20_000 },
    ],
    snapshot_offsets_ms: [1000],
    throughput: { enabled: false },
    latency: { enabled: false },
  });
  const rss: Record<string, number[]> = { default: [], decay0: [] };
  // Interleaved A B A B: the machine is shared, drift hits both arms alike.
  for (let round = 0; round < 2; round++) {
    for (const [name, env] of [['default', {}], ['decay0', { MALLOC_CONF: 'dirty_decay_ms:0' }]] as const) {
      const m = await redisRunner.run(heavy, ctx('jemalloc', env));
      assert.ok((m.metrics['used_memory_bytes_after_load'] ?? 0) > 40 * 2 ** 20, 'load too small for a clear effect');
      rss[name]?.push(m.metrics['rss_bytes_at_1000ms'] ?? NaN);
    }
  }
  const [d0, d1] = rss['default'] ?? [];
  const [z0, z1] = rss['decay0'] ?? [];
  for (const [d, z] of [[d0, z0], [d1, z1]] as const) {
    assert.ok(d !== undefined && z !== undefined && z < 0.85 * d, `decay0 ${z} vs default ${d} (rss bytes 1 s after delete): ${JSON.stringify(rss)}`);
  }
});

test('an invalid MALLOC_CONF fails the trial quoting jemalloc', async () => {
  await assert.rejects(redisRunner.run(spec(SMALL), ctx('jemalloc', { MALLOC_CONF: 'narenas:abc,dirty_decay_ms:0' })), (e: unknown) => {
    assert.ok(isAlloctuneError(e, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED'), String(e));
    assert.match(e.message, /<jemalloc>: Invalid conf value: narenas:abc/);
    return true;
  });
  assert.deepEqual(redisServers(), []);
});

test('abort_conf:true makes jemalloc abort redis-server at start: rejected, quoting jemalloc, nothing left', async () => {
  await assert.rejects(redisRunner.run(spec(SMALL), ctx('jemalloc', { MALLOC_CONF: 'abort_conf:true,narenas:abc' })), (e: unknown) => {
    assert.ok(isAlloctuneError(e, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED'), String(e));
    assert.match(e.message, /<jemalloc>: .*narenas:abc/);
    return true;
  });
  assert.deepEqual(redisServers(), []);
});

for (const allocator of ['tcmalloc', 'mimalloc', 'glibc'] as const) {
  test(`${allocator} under test in Debian's jemalloc-built redis-server fails with the wrong-allocator reason`, async () => {
    await assert.rejects(redisRunner.run(spec(SMALL), ctx(allocator, {})), (e: unknown) => {
      assert.ok(isAlloctuneError(e, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR'), String(e));
      assert.equal(e.params['expected'], allocator);
      assert.match(e.message, /jemalloc-5\.\d+\.\d+/);
      if (allocator !== 'glibc') assert.match(e.message, new RegExp(`${allocator}, but redis-server is built with jemalloc`));
      return true;
    });
    assert.deepEqual(redisServers(), []);
  });
}

test('a phase over its timeout fails with TIMEOUT and kills the server and the load generators', async () => {
  const huge = spec({ load: [{ value_bytes: 20_000, keys: 5_000_000 }], throughput: { enabled: false }, latency: { enabled: false } });
  const t0 = performance.now();
  await assert.rejects(redisRunner.run(huge, ctx('jemalloc', {}, 1500)), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_TIMEOUT') && /load/.test(e.message));
  assert.ok(performance.now() - t0 < 10_000);
  assert.deepEqual(redisServers(), []);
});

test('aborting through the signal stops the server mid-run', async () => {
  const controller = new AbortController();
  const running = redisRunner.run(spec({ ...SMALL, snapshot_offsets_ms: [5000] }), { ...ctx('jemalloc', {}), signal: controller.signal });
  setTimeout(() => controller.abort(), 1500);
  await assert.rejects(running, (e: unknown) => isAlloctuneError(e) && /aborted/.test(e.message));
  assert.deepEqual(redisServers(), []);
});

test('a redis-server killed mid-trial gives TARGET_CRASHED with the signal, and nothing is left', async () => {
  const running = redisRunner.run(spec({ ...SMALL, snapshot_offsets_ms: [4000] }), ctx('jemalloc', {}));
  let killed: number | undefined;
  for (let i = 0; i < 100 && killed === undefined; i++) {
    await new Promise((r) => setTimeout(r, 50));
    killed = redisServers()[0];
  }
  assert.ok(killed !== undefined, 'server never appeared');
  await new Promise((r) => setTimeout(r, 1500));
  process.kill(killed, 'SIGKILL');
  await assert.rejects(running, (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_TARGET_CRASHED') && /SIGKILL/.test(e.message));
  assert.deepEqual(redisServers(), []);
});
