import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { WorkloadMeasurementSchema } from '../../src/core/trial-result.js';
import { catalogueEntry } from '../../src/service/metric-catalogue.js';
import { allocatorDefinition, type AllocatorName } from '../../src/spaces/index.js';
import { redisRunner } from '../../workers/runners/redis-runner.js';
import type { StreamRecord } from '../../workers/runners/redis/mix-load.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { targetEnv } from '../../workers/target-env.js';

// A Redis trial with a mixed-type command mix on real redis-server and redis-benchmark: memory is
// read after each stream and reported per type of load; delete streams take their share of a type.

type RedisSpec = Extract<WorkloadSpec, { kind: 'redis' }>;

function ctx(allocator: AllocatorName): RunContext {
  return { env: targetEnv({ allocator, env: {} }), allocator, definition: allocatorDefinition(allocator), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 60_000 };
}

const KEYS = 4000;
const MIX = [
  { test: 'set', value_bytes: 100, keys: KEYS },
  { test: 'lpush', value_bytes: 300, requests: 3000 },
  { test: 'hset', value_bytes: 80, keys: KEYS },
  { test: 'zadd', keys: KEYS },
  { test: 'delete', type: 'hash', fraction: 0.5 },
  { test: 'delete', type: 'string', fraction: 0.3 },
  { test: 'delete', type: 'list', fraction: 0.4 },
  { test: 'get', keys: KEYS, requests: 10_000, phase: 'measured' },
];

const spec = WorkloadSpecSchema.parse({
  kind: 'redis',
  options: { mix: MIX, snapshot_offsets_ms: [100], throughput: { enabled: false }, latency: { enabled: false } },
}) as RedisSpec;

// Debian's redis-server is built with jemalloc: other allocators under test are refused (redis-runner.test.ts).
test('a mixed-type command mix reports memory per type of load', async () => {
  const m = WorkloadMeasurementSchema.parse(await redisRunner.run(spec, ctx('jemalloc')));
  const x = m.metrics;
  const streams = (m.details as { streams: StreamRecord[] }).streams;
  assert.deepEqual(
    streams.map((s) => [s.label, s.kind, s.type]),
    [
      ['set', 'load', 'string'],
      ['lpush', 'load', 'list'],
      ['hset', 'load', 'hash'],
      ['zadd', 'load', 'zset'],
      ['delete hash', 'delete', 'hash'],
      ['delete string', 'delete', 'string'],
      ['delete list', 'delete', 'list'],
    ],
  );
  // Each load stream's own keys: set spreads over key:<N>, the collections write one key each.
  const set = streams[0] as StreamRecord;
  assert.ok(set.delta.keys > KEYS / 2 && set.delta.keys <= KEYS, `set keys ${set.delta.keys}`);
  for (const s of streams.slice(1, 4)) assert.equal(s.delta.keys, 1, `${s.label} adds one key`);
  // The data each stream wrote shows in its own memory: at least the values it sent.
  assert.ok((x['used_memory_delta_bytes_string'] ?? 0) > set.delta.keys * 100, `string ${x['used_memory_delta_bytes_string']}`);
  assert.ok((x['used_memory_delta_bytes_list'] ?? 0) > 3000 * 300, `list ${x['used_memory_delta_bytes_list']}`);
  for (const type of ['hash', 'zset']) {
    assert.ok((x[`used_memory_delta_bytes_${type}`] ?? 0) > 0, `${type} ${x[`used_memory_delta_bytes_${type}`]}`);
    assert.ok((x[`allocator_frag_ratio_after_${type}`] ?? 0) >= 1, `${type} frag`);
    assert.equal(streams.find((s) => s.type === type)?.after.memory_stats['keys_count'], streams.find((s) => s.type === type)?.after.keys_by_db['db0']);
  }
  // Deletes: scattered shares of each type, memory handed back to Redis.
  const hashDelete = streams[4] as StreamRecord;
  assert.ok(((streams[2] as StreamRecord).ops_per_s ?? 0) > 0, 'hset reported its throughput');
  // hset draws its fields from -r KEYS as set draws its keys: about as many distinct fields as keys.
  const hashShare = (x['deleted_elements_hash'] ?? 0) / set.delta.keys;
  assert.ok(hashShare > 0.35 && hashShare < 0.65, `hash fields deleted ${x['deleted_elements_hash']} of about ${set.delta.keys}`);
  assert.equal(x['deleted_keys_hash'], 0, 'half the fields leave the hash in place');
  assert.ok((x['used_memory_freed_bytes_hash'] ?? 0) > 0 && hashDelete.delta.used_memory_bytes < 0);
  const stringShare = (x['deleted_keys_string'] ?? 0) / set.delta.keys;
  assert.ok(stringShare > 0.2 && stringShare < 0.4, `strings deleted ${stringShare}`);
  // redis-benchmark may send up to clients x pipeline (8 x 16) requests past -n.
  const listDeleted = x['deleted_elements_list'] ?? 0;
  assert.ok(listDeleted >= Math.floor(3000 * 0.4) && listDeleted <= Math.floor(3128 * 0.4), `list elements deleted ${listDeleted}`);
  assert.equal(x['keys_deleted'], x['deleted_keys_string'], 'only whole string keys went');
  assert.equal(x['keys_after_load'], set.delta.keys + 3 - (x['deleted_keys_string'] ?? 0));
  assert.ok((x['mix_get_ops_per_s'] ?? 0) > 0, 'the measured stream ran');
  assert.equal(x['rss_bytes_after_load'] !== undefined && x['rss_bytes_at_100ms'] !== undefined, true);
  // Every metric the mix reports is catalogued, so it can be an objective or a guard.
  for (const name of Object.keys(x)) assert.ok(catalogueEntry('redis', name), `catalogued: ${name}`);
});

test('the default workload (no mix) still loads s<size>: strings and runs its own delete phase', async () => {
  const plain = WorkloadSpecSchema.parse({
    kind: 'redis',
    options: { load: [{ value_bytes: 64, keys: 3000 }], snapshot_offsets_ms: [50], throughput: { enabled: false }, latency: { enabled: false } },
  }) as RedisSpec;
  assert.equal('mix' in plain.options || 'capture' in plain.options, false, 'no mix or capture fields appear in a parsed default spec');
  const m = await redisRunner.run(plain, ctx('jemalloc'));
  const details = m.details as Record<string, unknown>;
  assert.equal(details['streams'], undefined);
  assert.equal(details['delete_digit_bound'], 6);
  assert.ok((m.details as { phases: Record<string, unknown> }).phases['delete'], 'a delete phase');
  assert.equal(Object.keys(m.metrics).some((k) => k.includes('_delta_bytes_')), false);
  const share = (m.metrics['keys_deleted'] ?? 0) / (m.metrics['keys_after_load'] ?? 1);
  assert.ok(share > 0.5 && share < 0.7, `deleted share ${share}`);
});
