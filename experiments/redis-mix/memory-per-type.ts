/**
 * Benchmark (not a test): memory per type of load of a mixed-type Redis command mix (strings, one
 * list, one hash, one sorted set, one stream, then scattered deletes of strings, hash fields and list
 * entries), under jemalloc's default and `dirty_decay_ms:0`, interleaved (A B B A ...). Prints, per
 * stream, the change of used_memory, allocator_active and RSS, and what each delete handed back to
 * the OS by the time it returned; plus the time each stream took, including the wait for Redis's
 * next allocator-statistics refresh.
 * Run: npx tsx experiments/redis-mix/memory-per-type.ts [rounds=2]  -> memory-per-type.json
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { redisRunner } from '../../workers/runners/redis-runner.js';
import type { StreamRecord } from '../../workers/runners/redis/mix-load.js';
import { targetEnv } from '../../workers/target-env.js';

const rounds = Number(process.argv[2] ?? 2);
const KEYS = 100_000;
const spec = WorkloadSpecSchema.parse({
  kind: 'redis',
  options: {
    mix: [
      { test: 'set', value_bytes: 64, keys: KEYS },
      { test: 'lpush', value_bytes: 300, requests: KEYS },
      { test: 'hset', value_bytes: 80, keys: KEYS },
      { test: 'zadd', keys: KEYS },
      { test: 'xadd', value_bytes: 100, requests: KEYS / 2 },
      { test: 'delete', type: 'string', fraction: 0.6 },
      { test: 'delete', type: 'hash', fraction: 0.6 },
      { test: 'delete', type: 'list', fraction: 0.6 },
    ],
    snapshot_offsets_ms: [1000],
    throughput: { enabled: false },
    latency: { enabled: false },
  },
}) as Extract<WorkloadSpec, { kind: 'redis' }>;
const arms = [
  ['default', {}],
  ['decay0', { MALLOC_CONF: 'dirty_decay_ms:0' }],
] as const;

const MB = 2 ** 20;
const mb = (b: number): string => (b / MB).toFixed(2).padStart(7);
const trials: unknown[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [arm, env] of r % 2 === 0 ? arms : [...arms].reverse()) {
    const m = await redisRunner.run(spec, { env: targetEnv({ allocator: 'jemalloc', env }), allocator: 'jemalloc', definition: allocatorDefinition('jemalloc'), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 120_000 });
    const streams = (m.details as { streams: StreamRecord[] }).streams;
    trials.push({ round: r, arm, steal_pct: m.steal_pct, metrics: m.metrics, streams });
    console.log(`round ${r} ${arm}: load ${(m.metrics['load_ms'] ?? 0).toFixed(0)} ms, rss@1s ${mb(m.metrics['rss_bytes_at_1000ms'] ?? 0)} MB, steal ${m.steal_pct.toFixed(1)} %`);
    console.log('  stream          ms   used_memory Δ MB  allocator_active Δ MB  RSS Δ MB  allocator_frag after');
    for (const s of streams) {
      console.log(`  ${s.label.padEnd(14)} ${s.ms.toFixed(0).padStart(4)}   ${mb(s.delta.used_memory_bytes)}          ${mb(s.delta.allocator_active_bytes)}             ${mb(s.delta.rss_bytes)}    ${s.after.allocator_frag_ratio.toFixed(3)}`);
    }
  }
}
const out = join(dirname(fileURLToPath(import.meta.url)), 'memory-per-type.json');
writeFileSync(out, `${JSON.stringify({ spec, rounds, trials }, null, 1)}\n`);
console.log(`wrote ${out}`);
