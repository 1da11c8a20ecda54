import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessReachability, type MeasuredConfig } from '../../src/optimizer/recommend/reachability.js';

const MB = 2 ** 20;

/** A small Redis dataset as measured on Debian 12: ~1.3 MB used, ~9.5 MB file-backed RSS. */
function smallRedis(trial: string, role: string, anonMb: number, allocatorFrag: number): MeasuredConfig {
  const used = 1.3 * MB;
  const file = 9.5 * MB;
  const rss = anonMb * MB + file;
  return {
    trial_id: trial,
    role,
    metrics: {
      'redis.used_memory_bytes_at_1000ms': used,
      'redis.rss_file_bytes_at_1000ms': file,
      'redis.rss_bytes_at_1000ms': rss,
      'redis.mem_fragmentation_ratio_at_1000ms': rss / used,
      'redis.allocator_frag_ratio_at_1000ms': allocatorFrag,
    },
  };
}

test('a fragmentation-ratio limit under the file-backed floor is said to be out of reach of any allocator setting', () => {
  const configs = [smallRedis('t1', 'baseline', 1.9, 1.39), smallRedis('t3', 'explore', 1.6, 1.2), smallRedis('t4', 'explore', 1.7, 1.3)];
  const [reach] = assessReachability([{ metric: 'redis.mem_fragmentation_ratio_at_1000ms', max: 5 }], configs);
  assert.ok(reach);
  assert.equal(reach.met_by, 0);
  assert.equal(reach.best?.trial_id, 't3');
  assert.ok(reach.floor && reach.floor.value > 8 && reach.floor.value < 8.4, `floor ${reach.floor?.value}`);
  assert.match(reach.message, /not reached by any measured config, the baseline included/);
  assert.match(reach.message, /cannot be reached by any allocator setting/);
  assert.match(reach.message, /RssFile, 9\.5 MB/);
  assert.match(reach.message, /allocator_frag_ratio .* 1\.2\.\.1\.39/);
  assert.ok(reach.shortfall > 0.6, `shortfall ${reach.shortfall}`);
});

test('a baseline that violates a throughput floor: the message gives the closest value and the gap', () => {
  const configs: MeasuredConfig[] = [
    { trial_id: 't1', role: 'baseline', metrics: { 'redis.get_ops_per_s': 90_000 } },
    { trial_id: 't5', role: 'explore', metrics: { 'redis.get_ops_per_s': 95_000 } },
  ];
  const [reach] = assessReachability([{ metric: 'redis.get_ops_per_s', min: 100_000 }], configs);
  assert.equal(reach?.relation, '>=');
  assert.equal(reach?.best?.value, 95_000);
  assert.equal(reach?.baseline_value, 90_000);
  assert.ok(Math.abs((reach?.shortfall ?? 0) - 0.05) < 1e-12);
  assert.equal(reach?.floor, undefined);
  assert.match(reach?.message ?? '', /closest was 95000 \(t5\) \(baseline 90000\), 5\.0% short$/);
});

test('a met constraint counts who met it; an unmeasured one says so', () => {
  const configs = [smallRedis('t1', 'baseline', 1.9, 1.39)];
  const [met, unmeasured] = assessReachability([{ metric: 'redis.mem_fragmentation_ratio_at_1000ms', max: 10 }, { metric: 'redis.p99_us', max: 100 }], configs);
  assert.equal(met?.met_by, 1);
  assert.equal(met?.shortfall, 0);
  assert.match(met?.message ?? '', /met by 1 of 1/);
  assert.match(unmeasured?.message ?? '', /not measured/);
});
