import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { runAllocbench, type AllocbenchOutcome } from '../../src/harness/run-allocbench.js';
import type { HarnessResult } from '../../src/core/harness-result.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool, REPO_ROOT } from '../../src/proc/repo-paths.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const;

/** Small parameters so that every workload finishes in a fraction of a second. */
const QUICK: Record<string, Record<string, string | number>> = {
  larson: { 'duration-ms': 150, slots: 500, 'cross-free-pct': 20 },
  threadtest: { 'duration-ms': 150, batch: 200 },
  'mixed-lifetimes': { 'duration-ms': 150, 'long-slots': 2000, 'medium-slots': 500 },
  'cache-scratch': { 'duration-ms': 150, writes: 100 },
  'redis-mix': { 'duration-ms': 150, keys: 2000 },
  fragmentation: { 'target-mb': 8, 'snapshot-ms': '0,50' },
  'size-sweep': { 'ops-per-size': 4000, sizes: '16,256,4096,65536' },
};

function preloadFor(allocator: (typeof ALLOCATORS)[number]): Record<string, string> {
  if (allocator === 'glibc') return {};
  const path = debianLibraryPath(allocator);
  assert.ok(path, `${allocator} library must be installed`);
  return { LD_PRELOAD: path };
}

function expectOk(out: AllocbenchOutcome): HarnessResult {
  assert.ok(out.ok, out.ok ? '' : `${out.error.code}: ${out.error.message}\n${out.stderr}`);
  return out.result;
}

function rssAfterFree(result: HarnessResult, offsetMs: number): number {
  const snap = result.memory.snapshots.find((s) => s.phase === 'after_free' && (s.after_free_ms ?? -1) >= offsetMs);
  assert.ok(snap, `no snapshot at +${offsetMs} ms`);
  return snap.rss_bytes;
}

before(async () => {
  const made = await runGuarded('make', ['-C', `${REPO_ROOT}/native`, 'all', 'asan'], { env, timeoutMs: 300_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

test('--list names every workload with its documented parameters', async () => {
  const out = await runGuarded(nativeTool('allocbench'), ['--list'], { env });
  assert.equal(out.exitCode, 0);
  const list = JSON.parse(out.stdout) as { workloads: { name: string; params: { name: string; default: string; help: string }[] }[] };
  assert.deepEqual(list.workloads.map((w) => w.name).sort(), Object.keys(QUICK).sort());
  for (const w of list.workloads) for (const p of w.params) assert.ok(p.default !== '' && p.help !== '', `${w.name} --${p.name}`);
});

for (const allocator of ALLOCATORS) {
  test(`every workload runs under ${allocator} and reports ${allocator} as the allocator serving malloc()`, async () => {
    for (const [workload, args] of Object.entries(QUICK)) {
      const r = expectOk(await runAllocbench({ workload, args: { ...args, 'sample-every': 4 }, env: { ...env, ...preloadFor(allocator) } }));
      assert.equal(r.allocator.name, allocator, workload);
      assert.deepEqual(r.allocator.loaded_not_serving, [], workload);
      assert.equal(r.workload?.name, workload);
      assert.ok(r.throughput && r.throughput.ops > 0 && r.throughput.ops_per_s > 0, workload);
      const lat = r.latency_ns;
      assert.ok(lat && lat.malloc.count > 0 && lat.free.count > 0, `${workload}: no latency samples`);
      for (const h of [lat.malloc, lat.free]) {
        assert.ok(h.p50 <= h.p90 && h.p90 <= h.p99 && h.p99 <= h.p999 && h.p999 <= h.p9999 && h.p9999 <= h.max, `${workload} ${JSON.stringify(h)}`);
        assert.ok(h.mean > 0 && h.mean <= h.max);
      }
      assert.ok(lat.timer_overhead_ns > 0 && lat.timer_overhead_ns < 10_000);
      assert.ok(r.memory.peak_rss_bytes > 0 && r.memory.snapshots.length >= 2, workload);
      assert.ok(r.system.cpus >= 1 && r.system.steal_pct >= 0 && r.system.user_ms >= 0);
    }
  });
}

test('MALLOC_CONF=narenas:3,dirty_decay_ms:1234 reads back as 3 and 1234 with their real types', async () => {
  const r = expectOk(await runAllocbench({ workload: null, env: { ...env, ...preloadFor('jemalloc'), MALLOC_CONF: 'narenas:3,dirty_decay_ms:1234' } }));
  assert.equal(r.allocator.name, 'jemalloc');
  assert.match(r.allocator.version ?? '', /^5\.3\.0/);
  assert.equal(r.allocator.options['narenas'], 3);
  assert.equal(r.allocator.options['dirty_decay_ms'], 1234);
  assert.equal(r.allocator.options['tcache'], true);
  assert.equal(r.allocator.options['thp'], 'default');
  assert.equal(r.memory.allocator_stats?.source, 'jemalloc.stats');
  assert.ok((r.memory.allocator_stats?.allocated_bytes ?? 0) > 0);
});

test('mimalloc and tcmalloc settings read back through their own APIs', async () => {
  const mi = expectOk(await runAllocbench({ workload: null, env: { ...env, ...preloadFor('mimalloc'), MIMALLOC_DECOMMIT_DELAY: '7' } }));
  assert.equal(mi.allocator.options['decommit_delay'], 7);
  const tc = expectOk(await runAllocbench({ workload: null, env: { ...env, ...preloadFor('tcmalloc'), TCMALLOC_RELEASE_RATE: '5' } }));
  assert.equal(tc.allocator.options['tcmalloc_release_rate'], 5);
  const glibc = expectOk(await runAllocbench({ workload: null, env: { ...env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=3' } }));
  assert.equal(glibc.allocator.options['glibc.malloc.arena_max'], 3);
});

test('an allocator that is loaded but does not serve malloc() is flagged', async () => {
  const preload = `${debianLibraryPath('tcmalloc')} ${debianLibraryPath('jemalloc')}`;
  const r = expectOk(await runAllocbench({ workload: null, env: { ...env, LD_PRELOAD: preload } }));
  assert.equal(r.allocator.name, 'tcmalloc');
  assert.deepEqual(r.allocator.loaded_not_serving, ['jemalloc']);
  assert.ok(r.allocator.warnings.some((w) => w.includes('jemalloc')));
});

test('an invalid MALLOC_CONF fails the run with jemalloc\'s message', async () => {
  const out = await runAllocbench({ workload: 'threadtest', args: { 'duration-ms': 100 }, env: { ...env, ...preloadFor('jemalloc'), MALLOC_CONF: 'foo:1' } });
  assert.equal(out.ok, false);
  if (!out.ok) {
    assert.equal(out.error.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
    assert.match(out.error.message, /<jemalloc>: Invalid conf pair: foo:1/);
  }
});

test('fragmentation: dirty_decay_ms:0 leaves lower RSS at +1 s after the free burst than the default (measured)', async (t) => {
  const args = { 'target-mb': 32, 'snapshot-ms': '0,1000' };
  const runs: { conf: string; rss_1s: number }[] = [];
  // Interleaved A B A B: the machine is shared, so compare within the same moment.
  for (let round = 0; round < 2; round++) {
    for (const conf of ['', 'dirty_decay_ms:0']) {
      const r = expectOk(await runAllocbench({ workload: 'fragmentation', args, env: { ...env, ...preloadFor('jemalloc'), MALLOC_CONF: conf } }));
      assert.equal(r.allocator.options['dirty_decay_ms'], conf === '' ? 10000 : 0);
      runs.push({ conf, rss_1s: rssAfterFree(r, 1000) });
    }
  }
  t.diagnostic(JSON.stringify(runs));
  const worstDecay0 = Math.max(...runs.filter((r) => r.conf !== '').map((r) => r.rss_1s));
  const bestDefault = Math.min(...runs.filter((r) => r.conf === '').map((r) => r.rss_1s));
  // Every decay-0 run beats every default run, by more than 4 MiB (about a quarter of the 24 MiB freed).
  assert.ok(worstDecay0 + 4 * 1024 * 1024 < bestDefault, JSON.stringify(runs));
});

test('bad arguments exit 2 with a usage message', async () => {
  const cases = [
    [],
    ['--workload', 'no-such-workload'],
    ['--workload', 'larson', '--threads', '0'],
    ['--workload', 'larson', '--threads', 'two'],
    ['--workload', 'larson', '--bogus', '1'],
    ['--workload', 'larson', '--duration-ms'],
    ['--workload', 'larson', '--cpus', '0-'],
    ['--workload', 'larson', '--min-size', '2048', '--max-size', '16'],
    ['--workload', 'fragmentation', '--threads', '2'],
    ['--workload', 'fragmentation', '--snapshot-ms', '1000,0'],
    ['stray'],
  ];
  for (const argv of cases) {
    const out = await runGuarded(nativeTool('allocbench'), argv, { env, timeoutMs: 10_000 });
    assert.equal(out.exitCode, 2, `${argv.join(' ')}: exit ${out.exitCode}`);
    assert.match(out.stderr, /usage: allocbench/, argv.join(' '));
    assert.equal(out.stdout, '', argv.join(' '));
  }
});

test('--cpus pins the workload and is echoed; a CPU outside the affinity mask is refused', async () => {
  const r = expectOk(await runAllocbench({ workload: 'threadtest', cpus: '0', args: { 'duration-ms': 100 }, env }));
  assert.equal(r.system.cpu_list, '0');
  const out = await runGuarded(nativeTool('allocbench'), ['--workload', 'larson', '--cpus', '4095'], { env });
  assert.equal(out.exitCode, 2);
});

test('the sanitizer build (ASan + UBSan + LeakSanitizer) runs every workload clean', async () => {
  for (const [workload, args] of Object.entries(QUICK)) {
    const out = await runAllocbench({ workload, args: { ...args, 'sample-every': 2 }, env, binary: nativeTool('allocbench-asan'), timeoutMs: 120_000 });
    const r = expectOk(out);
    assert.equal(r.allocator.name, 'unknown');
    assert.doesNotMatch(out.stderr, /AddressSanitizer|LeakSanitizer|runtime error/, `${workload}: ${out.stderr}`);
  }
});
