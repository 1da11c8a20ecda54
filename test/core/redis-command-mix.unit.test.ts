import { test } from 'node:test';
import assert from 'node:assert/strict';
import { innermostIssue } from '../../src/api/zod-issue-detail.js';
import { CampaignSpecSchema, type CampaignSpecInput } from '../../src/core/campaign-spec.js';
import { REDIS_DATA_TYPES, REDIS_MIX_TESTS } from '../../src/core/redis-command-mix.js';
import { RedisWorkloadOptionsSchema } from '../../src/core/redis-workload.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { metricAvailabilityProblems } from '../../src/service/metric-availability.js';
import { catalogueEntry } from '../../src/service/metric-catalogue.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { mixStreamArgs } from '../../workers/runners/redis/mix-stream.js';
import { deleteByTypeArgs } from '../../workers/runners/redis/delete-by-type.js';
import { mixLoadMetrics } from '../../workers/runners/redis/mix-metrics.js';

test('with no mix the options parse exactly as before (the default SET load)', () => {
  assert.deepEqual(RedisWorkloadOptionsSchema.parse({}), {
    load: [
      { value_bytes: 64, keys: 120_000 },
      { value_bytes: 512, keys: 100_000 },
      { value_bytes: 4096, keys: 60_000 },
      { value_bytes: 20_000, keys: 20_000 },
    ],
    delete_fraction: 0.6,
    snapshot_offsets_ms: [1000, 12_000],
    throughput: { enabled: true, requests: 1_000_000, pipeline: 16, clients: 50, value_bytes: 256 },
    latency: { enabled: true, requests: 50_000, value_bytes: 256 },
    server_config: {},
  });
});

test('a mix parses with its defaults; every table test and type is accepted', () => {
  const o = RedisWorkloadOptionsSchema.parse({ mix: [{ test: 'lpush' }, { test: 'delete', type: 'list', fraction: 0.5 }], capture: 'shop-2026.01' });
  assert.deepEqual(o.mix, [{ test: 'lpush', value_bytes: 64, keys: 100_000, clients: 8, pipeline: 16, phase: 'load' }, { test: 'delete', type: 'list', fraction: 0.5 }]);
  assert.equal(o.capture, 'shop-2026.01');
  for (const t of Object.keys(REDIS_MIX_TESTS)) assert.ok(RedisWorkloadOptionsSchema.safeParse({ mix: [{ test: t }] }).success, t);
  for (const t of REDIS_DATA_TYPES) assert.ok(RedisWorkloadOptionsSchema.safeParse({ mix: [{ test: 'delete', type: t, fraction: 1 }] }).success, t);
  assert.deepEqual(new Set(Object.values(REDIS_MIX_TESTS).map((e) => e.type)), new Set(REDIS_DATA_TYPES), 'some test creates each type');
});

test('a measured stream too short for redis-benchmark to time is refused, naming requests or keys', () => {
  const issues = (mix: unknown[]) => (WorkloadSpecSchema.safeParse({ kind: 'redis', options: { mix } }).error?.issues ?? []).map((i) => [innermostIssue(i).path.join('.'), innermostIssue(i).message]);
  assert.deepEqual(issues([{ test: 'set', keys: 500 }, { test: 'get', keys: 500, requests: 9999, phase: 'measured' }]), [['options.mix.1.requests', 'a measured stream needs at least 10000 requests (redis-benchmark times whole milliseconds; fewer can finish inside one)']]);
  assert.equal(issues([{ test: 'get', keys: 5000, phase: 'measured' }])[0]?.[0], 'options.mix.0.keys');
  assert.deepEqual(issues([{ test: 'get', keys: 500, requests: 10_000, phase: 'measured' }, { test: 'set', keys: 10 }]), []);
});

test('a bad mix names every bad field, under its own path', () => {
  const r = WorkloadSpecSchema.safeParse({
    kind: 'redis',
    options: {
      mix: [
        { test: 'lpush', value_bytes: 200_000, keys: 0, phase: 'later' },
        { test: 'zrangebyscore' },
        { test: 'delete', type: 'json', fraction: 2 },
        { test: 'delete', type: 'string', fraction: 0.5, unit: 'elements' },
        { test: 'set', extra: 1 },
      ],
      capture: '../etc/passwd',
    },
  });
  assert.equal(r.success, false);
  const paths = (r.error?.issues ?? []).map((i) => innermostIssue(i).path.join('.')).sort();
  assert.deepEqual(paths, [
    'options.capture',
    'options.mix.0.keys',
    'options.mix.0.phase',
    'options.mix.0.value_bytes',
    'options.mix.1.test',
    'options.mix.2.fraction',
    'options.mix.2.type',
    'options.mix.3.unit',
    'options.mix.4.extra',
  ]);
});

test('redis-benchmark arguments: -t tests with -d/-r/-n, xadd as a command line (redis-benchmark 7.0 has no xadd test)', () => {
  const s = RedisWorkloadOptionsSchema.parse({ mix: [{ test: 'hset', value_bytes: 100, keys: 500, requests: 2000 }, { test: 'xadd', value_bytes: 3, requests: 10 }] }).mix ?? [];
  assert.deepEqual(mixStreamArgs(s[0] as never), ['-c', '8', '-P', '16', '-n', '2000', '-r', '500', '--csv', '-d', '100', '-t', 'hset']);
  assert.deepEqual(mixStreamArgs(s[1] as never), ['-c', '8', '-P', '16', '-n', '10', '-r', '100000', '--csv', 'XADD', 'mystream', '*', 'myfield', 'xxx']);
  assert.deepEqual(deleteByTypeArgs({ test: 'delete', type: 'hash', fraction: 0.45 }), ['hash', '5', '0.45', 'elements']);
  assert.deepEqual(deleteByTypeArgs({ test: 'delete', type: 'string', fraction: 0.3 }), ['string', '3', '0.3', 'keys']);
});

test('memory per type: load streams of a type add up, deletes report what they freed', () => {
  const after = { used_memory_bytes: 0, rss_bytes: 0, allocator_allocated_bytes: 0, allocator_active_bytes: 0, allocator_resident_bytes: 0, mem_fragmentation_ratio: 1.5, allocator_frag_ratio: 1.1, allocator_rss_ratio: 1, rss_overhead_ratio: 1, memory_stats: {}, keys_by_db: {} };
  const delta = (used: number) => ({ used_memory_bytes: used, allocator_allocated_bytes: 0, allocator_active_bytes: used, allocator_resident_bytes: 0, rss_bytes: used * 2, dataset_bytes: 0, keys: 0 });
  const m = mixLoadMetrics([
    { index: 0, label: 'lpush', kind: 'load', type: 'list', ms: 1, after, delta: delta(100) },
    { index: 1, label: 'rpush', kind: 'load', type: 'list', ms: 1, after: { ...after, allocator_frag_ratio: 1.3 }, delta: delta(50) },
    { index: 2, label: 'delete list', kind: 'delete', type: 'list', ms: 1, after, delta: delta(-30), deleted: { keys: 0, elements: 7 } },
  ]);
  assert.equal(m['used_memory_delta_bytes_list'], 150);
  assert.equal(m['rss_delta_bytes_list'], 300);
  assert.equal(m['allocator_frag_ratio_after_list'], 1.3, 'after the last load stream of the type');
  assert.equal(m['used_memory_freed_bytes_list'], 30);
  assert.equal(m['deleted_elements_list'], 7);
  for (const name of Object.keys(m)) assert.ok(catalogueEntry('redis', name), name);
  assert.equal(catalogueEntry('redis', 'used_memory_delta_bytes_json'), undefined, 'only the types of the table');
  assert.equal(catalogueEntry('redis', 'mix_zadd_ops_per_s')?.name, 'mix_<test>_ops_per_s');
});

test('an objective or guard on a type the mix does not load or delete is refused before the campaign starts', () => {
  const redis: CampaignSpecInput['workloads'][number] = { kind: 'redis', options: { mix: [{ test: 'hset' }, { test: 'get', phase: 'measured' }, { test: 'delete', type: 'string', fraction: 0.5 }] } };
  const spec = (metric: string) => CampaignSpecSchema.parse(smallCampaign({ workloads: [redis], objective: { metric, direction: 'min' }, constraints: [] }));
  for (const ok of ['used_memory_delta_bytes_hash', 'redis.allocator_frag_ratio_after_hash', 'deleted_keys_string', 'mix_get_ops_per_s']) assert.deepEqual(metricAvailabilityProblems(spec(ok), undefined), [], ok);
  const [problem] = metricAvailabilityProblems(spec('used_memory_delta_bytes_zset'), undefined);
  assert.equal(problem?.path, 'objective.metric');
  assert.match(problem?.message ?? '', /needs what used_memory_delta_bytes_<type> stands for in workloads\.0\.options\.mix .*reports used_memory_delta_bytes_hash$/);
  assert.match(metricAvailabilityProblems(spec('deleted_keys_hash'), undefined)[0]?.message ?? '', /reports deleted_keys_string$/);
  assert.match(metricAvailabilityProblems(spec('used_memory_delta_bytes_capture'), undefined)[0]?.message ?? '', /options\.capture/);
  assert.match(metricAvailabilityProblems(spec('capture_errors'), undefined)[0]?.message ?? '', /'capture_errors' is not reported when no capture is replayed \(workloads\.0\.options\.capture\)/);
});
