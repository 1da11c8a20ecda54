import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlloctuneError } from '../../../src/core/alloctune-error.js';
import { deleteDigitBound } from '../../../workers/runners/redis/delete-keys.js';
import { memorySnapshot, parseInfo } from '../../../workers/runners/redis/info-memory.js';
import { checkMallocConf, parseJemallocOptions } from '../../../workers/runners/redis/jemalloc-options.js';
import { parseBenchmarkCsv } from '../../../workers/runners/redis/redis-benchmark.js';
import { assertServingAllocator, servingAllocator } from '../../../workers/runners/redis/serving-allocator.js';
import { allocatorDefinition } from '../../../src/spaces/index.js';

// Lines as printed by Debian's redis-server 7.0.15 (redis-measurement.md §2).
const MALLOC_STATS = `___ Begin jemalloc statistics ___
Version: "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c"
  opt.narenas: 2
  opt.metadata_thp: "auto"
  opt.background_thread: false (background_thread: true)
  opt.dirty_decay_ms: 1000 (arenas.dirty_decay_ms: 1000)
  opt.muzzy_decay_ms: 0 (arenas.muzzy_decay_ms: 0)
  opt.tcache: true
  opt.thp: "default"
`;

test('parseJemallocOptions reads values, quoted strings, booleans and run-time values', () => {
  const o = parseJemallocOptions(MALLOC_STATS);
  assert.deepEqual(o['narenas'], { value: 2 });
  assert.deepEqual(o['metadata_thp'], { value: 'auto' });
  assert.deepEqual(o['background_thread'], { value: false, runtime: true });
  assert.deepEqual(o['dirty_decay_ms'], { value: 1000, runtime: 1000 });
  assert.deepEqual(o['tcache'], { value: true });
});

test('checkMallocConf separates equal values, mismatches, run-time overrides and unreadable keys', () => {
  const o = parseJemallocOptions(MALLOC_STATS);
  const c = checkMallocConf('narenas:2,metadata_thp:auto,background_thread:false,dirty_decay_ms:500,narenas_ratio:2', o);
  assert.deepEqual(c.mismatches, [{ key: 'dirty_decay_ms', set: '500', read: 1000 }]);
  assert.deepEqual(c.overrides, [{ key: 'background_thread', set: 'false', runtime: true }]);
  assert.deepEqual(c.unreadable, ['narenas_ratio']);
  assert.deepEqual(checkMallocConf(undefined, o), { mismatches: [], overrides: [], unreadable: [] });
});

test('memorySnapshot recomputes the ratios at full precision', () => {
  const info = parseInfo('# Memory\r\nused_memory:1000\r\nused_memory_rss:2776\r\nallocator_allocated:500\r\nallocator_active:857\r\nallocator_resident:1378\r\nmem_allocator:jemalloc-5.3.0\r\n');
  const s = memorySnapshot(info);
  assert.equal(s.mem_fragmentation_ratio, 2.776);
  assert.equal(s.allocator_frag_ratio, 857 / 500);
  assert.equal(s.allocator_rss_ratio, 1378 / 857);
  assert.throws(() => memorySnapshot(parseInfo('used_memory:1\r\n')), /used_memory_rss/);
});

test('parseBenchmarkCsv reads redis-benchmark 7.0 --csv rows', () => {
  const rows = parseBenchmarkCsv(
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
      '"SET","487804.88","0.276","0.056","0.263","0.519","0.703","0.783"\n"GET","253164.55","0.540","0.072","0.255","0.935","7.663","18.687"\n',
  );
  assert.deepEqual(rows.map((r) => [r.test, r.rps, r.p99_latency_ms]), [['SET', 487804.88, 0.703], ['GET', 253164.55, 7.663]]);
  assert.throws(() => parseBenchmarkCsv('garbage'), (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_BAD_OUTPUT'));
  // A test that ends inside one millisecond: redis-benchmark prints "inf" requests per second.
  assert.throws(
    () => parseBenchmarkCsv('"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"GET","inf","0.100","0.056","0.095","0.151","0.175","0.183"\n'),
    (e: unknown) => isAlloctuneError(e, 'ALLOCTUNE_ERR_BAD_OUTPUT') && /GET finished inside one millisecond \(rps inf\): too few requests to time/.test(e.message),
  );
  const untimed = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n"SET","inf","0.1","0.05","0.09","0.15","0.17","0.18"\n"GET","250000.00","0.5","0.07","0.25","0.93","7.6","18.6"\n';
  assert.deepEqual(parseBenchmarkCsv(untimed, 'drop').map((r) => r.test), ['GET'], 'a load stream drops the untimed row');
});

test('deleteDigitBound rounds the fraction to whole last digits', () => {
  assert.deepEqual([0, 0.04, 0.6, 0.55, 1].map(deleteDigitBound), [0, 0, 6, 6, 10]);
});

test('servingAllocator: jemalloc counters far below used_memory mean another allocator took malloc()', () => {
  const own = servingAllocator({ mem_allocator: 'jemalloc-5.3.0', used_memory: '914744', allocator_allocated: '1658976' });
  const preloaded = servingAllocator({ mem_allocator: 'jemalloc-5.3.0', used_memory: '905944', allocator_allocated: '28672' });
  assert.deepEqual([own.name, own.version, own.serving], ['jemalloc', '5.3.0', true]);
  assert.equal(preloaded.serving, false);
  assert.equal(servingAllocator({ mem_allocator: 'libc' }).name, 'glibc');
  assert.doesNotThrow(() => assertServingAllocator('jemalloc', allocatorDefinition('jemalloc'), own, '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2'));
  assert.throws(() => assertServingAllocator('jemalloc', allocatorDefinition('jemalloc'), preloaded, '/x/libtcmalloc_minimal.so.4'), (e: unknown) =>
    isAlloctuneError(e, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR') && /tcmalloc, not redis-server's own jemalloc-5\.3\.0/.test(e.message));
  assert.throws(() => assertServingAllocator('tcmalloc', allocatorDefinition('tcmalloc'), preloaded, '/x/libtcmalloc_minimal.so.4'), (e: unknown) =>
    isAlloctuneError(e, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR') && e.params['preloaded'] === 'tcmalloc');
  // A libc-built redis-server uses whatever serves malloc(): the identity recorder decides.
  assert.doesNotThrow(() => assertServingAllocator('mimalloc', allocatorDefinition('mimalloc'), servingAllocator({ mem_allocator: 'libc' }), '/x/libmimalloc.so.2'));
});

test('parseRssSplit reads the anonymous, file-backed and shared parts of RSS from /proc status', async () => {
  const { parseRssSplit, readRssSplit } = await import('../../../workers/runners/redis/proc-rss.js');
  const status = 'Name:\tredis-server\nVmRSS:\t   11800 kB\nRssAnon:\t    2072 kB\nRssFile:\t    9728 kB\nRssShmem:\t       0 kB\n';
  assert.deepEqual(parseRssSplit(status), { rss_anon_bytes: 2072 * 1024, rss_file_bytes: 9728 * 1024, rss_shmem_bytes: 0 });
  assert.throws(() => parseRssSplit('Name:\tx\n'), /RssAnon/);
  // This very process: the parts add up to a plausible RSS.
  const own = await readRssSplit(process.pid);
  assert.ok(own.rss_anon_bytes > 0 && own.rss_file_bytes > 0);
});
