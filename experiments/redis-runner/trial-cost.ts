/**
 * Benchmark (not a test): wall time of one default-size Redis trial (the schema defaults: ~0.7 GB
 * loaded, 60 % deleted, snapshots at +1 s and +12 s, P16 throughput of 1M requests, 50k RTT requests),
 * split by phase, with the default and `dirty_decay_ms:0` interleaved (A B A B) so the RSS effect at
 * +1 s is measured in the same run; plus the RTT probe's percentiles against an idle server.
 * Run: npx tsx experiments/redis-runner/trial-cost.ts [rounds=2]  -> trial-cost.json
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { redisRunner } from '../../workers/runners/redis-runner.js';
import { runRttProbe } from '../../workers/runners/redis/rtt-probe.js';
import { targetEnv } from '../../workers/target-env.js';

const rounds = Number(process.argv[2] ?? 2);
const spec = WorkloadSpecSchema.parse({ kind: 'redis' }) as Extract<WorkloadSpec, { kind: 'redis' }>;
const arms = [
  ['default', {}],
  ['decay0', { MALLOC_CONF: 'dirty_decay_ms:0' }],
] as const;

const trials: unknown[] = [];
for (let r = 0; r < rounds; r++) {
  for (const [arm, env] of r % 2 === 0 ? arms : [...arms].reverse()) {
    const t0 = performance.now();
    const m = await redisRunner.run(spec, { env: targetEnv({ allocator: 'jemalloc', env }), allocator: 'jemalloc', definition: allocatorDefinition('jemalloc'), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 120_000 });
    const wall_ms = performance.now() - t0;
    const d = m.details as { phases: Record<string, { ms: number; steal_pct?: number }> };
    const row = {
      round: r,
      arm,
      wall_ms,
      steal_pct: m.steal_pct,
      phases_ms: Object.fromEntries(Object.entries(d.phases).map(([k, v]) => [k, Math.round(v.ms)])),
      metrics: m.metrics,
    };
    trials.push(row);
    console.log(
      `${arm.padEnd(8)} wall ${(wall_ms / 1000).toFixed(2)} s  steal ${m.steal_pct.toFixed(2)} %  rss@1s ${((m.metrics['rss_bytes_at_1000ms'] ?? 0) / 2 ** 20).toFixed(1)} MB  ` +
        `rss@12s ${((m.metrics['rss_bytes_at_12000ms'] ?? 0) / 2 ** 20).toFixed(1)} MB  SET ${Math.round(m.metrics['set_ops_per_s'] ?? 0)}/s  GET ${Math.round(m.metrics['get_ops_per_s'] ?? 0)}/s  ` +
        `p50 ${m.metrics['p50_us']} us  p99 ${m.metrics['p99_us']} us  phases ${JSON.stringify(row.phases_ms)}`,
    );
  }
}

// Idle server: no load at all, 5 runs of 20k mixed SET/GET round trips, probe on CPU 0.
const dataDir = mkdtempSync(join(tmpdir(), 'alloctune-rtt-idle-'));
const idle = await EmbeddedRedis.start({ dataDir });
const idleRuns = [];
try {
  for (let i = 0; i < 5; i++) {
    const p = await runRttProbe({ port: idle.port, requests: 20_000, value_bytes: 256, cpus: '0', timeout_ms: 60_000 });
    idleRuns.push({ p50_us: p.p50_us, p90_us: p.p90_us, p99_us: p.p99_us, p999_us: p.p999_us, max_us: p.max_us, mean_us: p.mean_us });
    console.log(`idle rtt: p50 ${p.p50_us} us  p99 ${p.p99_us} us  p99.9 ${p.p999_us} us  max ${p.max_us} us`);
  }
} finally {
  await idle.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

const out = join(dirname(fileURLToPath(import.meta.url)), 'trial-cost.json');
writeFileSync(out, `${JSON.stringify({ measured_at: new Date().toISOString(), rounds, trials, idle_rtt: idleRuns }, null, 2)}\n`);
console.log(`wrote ${out}`);
