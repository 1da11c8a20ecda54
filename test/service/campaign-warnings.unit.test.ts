import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { loadSpace } from '../../src/spaces/index.js';
import { campaignGoals, campaignWarnings, cpuOverlapWarnings, knobTrapWarnings } from '../../src/service/campaign-warnings.js';

const worker = (name: string, host: string, cpus: string, client: string): WorkerInfo => ({
  name, host, kernel: 'k', cpus, client_cpus: client, labels: {}, pid: 1, concurrency: 1, queues: [], allocators: [{ name: 'jemalloc', path: '/x.so', version: null }], started_at: '', last_seen_ms: 0, active_trials: [],
});
const knobs = (ws: { message: string }[]): string[] => ws.map((w) => w.message.split(':')[0] ?? '').sort();

describe('creation-time warnings (pure)', () => {
  it('reads goals from the units of the objective and constraints', () => {
    assert.deepEqual([...campaignGoals({ objective: 'redis.rss_bytes_at_1000ms', constraints: ['redis.p99_us'] })], ['memory']);
    assert.deepEqual([...campaignGoals({ objective: 'harness:larson.ops_per_cpu_s', constraints: [] })], ['throughput']);
    assert.deepEqual([...campaignGoals({ objective: 'harness:fragmentation.fragmentation_ratio_at_300ms', constraints: ['redis.set_ops_per_s'] })].sort(), ['memory', 'throughput']);
    assert.deepEqual([...campaignGoals({ objective: 'redis.p99_us', constraints: [] })], []);
  });

  it('warns of THP knobs under a memory goal and of tcache:false under a throughput goal, only for searched knobs', () => {
    const jemalloc = loadSpace('jemalloc');
    assert.deepEqual(knobs(knobTrapWarnings(jemalloc, { objective: 'redis.rss_bytes_at_1000ms', constraints: [] })), ['metadata_thp', 'thp']);
    assert.deepEqual(knobs(knobTrapWarnings(jemalloc, { objective: 'redis.rss_bytes_at_1000ms', constraints: ['redis.set_ops_per_s'] })), ['metadata_thp', 'tcache', 'thp']);
    assert.deepEqual(knobTrapWarnings(jemalloc, { objective: 'redis.p99_us', constraints: [] }), []);
    const dropped = loadSpace('jemalloc', { drop: ['thp', 'metadata_thp'] });
    assert.deepEqual(knobTrapWarnings(dropped, { objective: 'redis.rss_bytes_at_1000ms', constraints: [] }), []);
    const frozen = loadSpace('jemalloc', { freeze: { tcache: true } });
    assert.deepEqual(knobTrapWarnings(frozen, { objective: 'harness:larson.ops_per_s', constraints: [] }), [], 'tcache fixed on cannot reach false');
    const glibc = knobTrapWarnings(loadSpace('glibc'), { objective: 'harness:larson.ops_per_s', constraints: [] });
    assert.deepEqual(knobs(glibc), ['glibc.malloc.tcache_count']);
    assert.match(glibc[0]?.message ?? '', /space\.drop/);
  });

  it('warns when live workers on one host share CPUs, naming them', () => {
    const shared = cpuOverlapWarnings([worker('a', 'h1', '1', '0'), worker('b', 'h1', '0', '1'), worker('c', 'h2', '0', '1')]);
    assert.equal(shared.length, 1);
    assert.match(shared[0]?.message ?? '', /workers a and b on host h1 share CPUs 0,1/);
    assert.deepEqual(cpuOverlapWarnings([worker('a', 'h1', '1', '0'), worker('b', 'h1', '3', '2')]), []);
    assert.equal(campaignWarnings({ allocator: 'jemalloc' }, loadSpace('jemalloc'), { objective: 'redis.p99_us', constraints: [] }, [worker('a', 'h', '0-1', '0'), worker('b', 'h', '1', '0')]).length, 1);
  });
});
