/**
 * The ranking benchmark of issue #20: does the replay of redis-server rank jemalloc configs as
 * redis-server does? Records redis-server once through the Redis workload's load and delete
 * (campaign.json), then measures fixed configs both ways, interleaved, `--repeats` times each:
 *   - replay: the trace workload as a stand-in for Redis runs it, with Redis's forced background
 *     thread (src/service/stand-in-env.ts), metric `rss_above_baseline_bytes_at_1000ms`;
 *   - real: the Redis workload's runner (workers/runners/redis-runner.ts), metric `rss_bytes_at_1000ms`.
 * Reports Spearman's rho of the per-config means with a bootstrap interval (src/stats/rank-correlation.ts),
 * and the same for the replay's gross `rss_bytes_at_1000ms` without the forced thread (the old stand-in).
 *
 *   node --import tsx experiments/redis-trace/ranking.ts [--out DIR] [--repeats 2] [--cpus 1] [--client-cpus 0]
 *
 * Writes DIR/ranking.json (every measurement) and DIR/ranking.md.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../../src/core/config.js';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { completeConfig, encodeConfig, loadSpace, withForcedKnobs } from '../../src/spaces/index.js';
import { spearmanInterval, type RankCorrelation } from '../../src/stats/rank-correlation.js';
import { createRedisRunner } from '../../workers/runners/redis-runner.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { recordRedis, type RecordedLoad } from './record-redis.js';

const HERE = join(REPO_ROOT, 'experiments', 'redis-trace');
const TRACE = 'redis-delete';
const OFFSET_MS = 1000;

/** The fixed configs (allocator-knobs.md, redis-measurement.md): the defaults and one change each. */
const CONFIGS: { name: string; knobs: Config }[] = [
  { name: 'defaults', knobs: {} },
  { name: 'dirty_decay_ms:0', knobs: { dirty_decay_ms: 0 } },
  { name: 'dirty_decay_ms:100', knobs: { dirty_decay_ms: 100 } },
  { name: 'dirty_decay_ms:1000', knobs: { dirty_decay_ms: 1000 } },
  { name: 'dirty_decay_ms:30000', knobs: { dirty_decay_ms: 30000 } },
  { name: 'dirty+muzzy_decay_ms:1000', knobs: { dirty_decay_ms: 1000, muzzy_decay_ms: 1000 } },
  { name: 'narenas:1', knobs: { narenas: 1 } },
  { name: 'tcache:false', knobs: { tcache: false } },
];

interface Measurement {
  config: string;
  repeat: number;
  way: 'replay-standin' | 'replay-plain' | 'redis';
  malloc_conf: string;
  value_bytes: number;
  background_thread: unknown;
  metrics: Record<string, number>;
}

const mean = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;
const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const rhoText = (r: RankCorrelation): string => `${r.rho.toFixed(2)} [${r.low.toFixed(2)}, ${r.high.toFixed(2)}]`;

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(HERE, 'raw', 'ranking') }, repeats: { type: 'string', default: '2' }, cpus: { type: 'string', default: '1' }, 'client-cpus': { type: 'string', default: '0' } }, strict: true });
  const repeats = Number(values.repeats);
  const campaign = JSON.parse(readFileSync(join(HERE, 'campaign.json'), 'utf8')) as { workloads: unknown[] };
  const redisSpec = WorkloadSpecSchema.parse(campaign.workloads[0]) as Extract<WorkloadSpec, { kind: 'redis' }>;
  const replaySpec = WorkloadSpecSchema.parse({ kind: 'trace', trace: TRACE, label: 'redis', snapshot_offsets_ms: [OFFSET_MS] }) as Extract<WorkloadSpec, { kind: 'trace' }>;
  const space = loadSpace('jemalloc');
  const traces = mkdtempSync(join(tmpdir(), 'alloctune-ranking-'));
  const out = values.out;
  mkdirSync(out, { recursive: true });
  const load1 = loadavg()[0] ?? 0;
  const started = Date.now();
  const measurements: Measurement[] = [];
  try {
    await recordRedis(traces, TRACE, redisSpec.options as RecordedLoad, values['client-cpus']);
    const replay = new TraceRunner(new TraceDir(traces));
    const redis = createRedisRunner();
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const c of CONFIGS) {
        const encoded = encodeConfig(space, completeConfig(space, c.knobs), { only: new Set(Object.keys(c.knobs)) });
        const base = { ...encoded.env, PATH: '/usr/local/bin:/usr/bin:/bin', ...(encoded.preload ? { LD_PRELOAD: encoded.preload } : {}) };
        const ctx = (env: Record<string, string>): RunContext => ({ env, allocator: 'jemalloc', definition: space, cpus: values.cpus, clientCpus: values['client-cpus'], seed: 20 + repeat, phaseTimeoutMs: 300_000 });
        const standIn = withForcedKnobs(space, base, { background_thread: true });
        const runs: [Measurement['way'], Record<string, string>, () => Promise<{ metrics: Record<string, number>; allocator: { options: Record<string, unknown> } }>][] = [
          ['replay-standin', standIn, () => replay.run(replaySpec, ctx(standIn))],
          ['replay-plain', base, () => replay.run(replaySpec, ctx(base))],
          ['redis', base, () => redis.run(redisSpec, ctx(base))],
        ];
        for (const [way, env, run] of runs) {
          const m = await run();
          const key = way === 'replay-standin' ? `rss_above_baseline_bytes_at_${OFFSET_MS}ms` : `rss_bytes_at_${OFFSET_MS}ms`;
          const value = m.metrics[key];
          if (value === undefined) throw new Error(`${way} ${c.name}: no ${key}`);
          measurements.push({ config: c.name, repeat, way, malloc_conf: env['MALLOC_CONF'] ?? '', value_bytes: value, background_thread: m.allocator.options['background_thread'], metrics: m.metrics });
          process.stderr.write(`${c.name} #${repeat} ${way}: ${mb(value)} MB\n`);
        }
      }
    }
  } finally {
    rmSync(traces, { recursive: true, force: true });
  }
  const means = (way: Measurement['way']): number[] => CONFIGS.map((c) => mean(measurements.filter((m) => m.config === c.name && m.way === way).map((m) => m.value_bytes)));
  const real = means('redis');
  const standIn = means('replay-standin');
  const plain = means('replay-plain');
  const result = {
    configs: CONFIGS.map((c, i) => ({ name: c.name, redis_rss_bytes_at_1000ms: real[i], standin_rss_above_baseline_bytes_at_1000ms: standIn[i], plain_rss_bytes_at_1000ms: plain[i] })),
    spearman_standin_vs_redis: spearmanInterval(standIn, real, { seed: 20 }),
    spearman_plain_vs_redis: spearmanInterval(plain, real, { seed: 20 }),
    repeats,
    wall_s: (Date.now() - started) / 1000,
    load1_at_start: load1,
    load1_at_end: loadavg()[0] ?? 0,
    host_cpus: cpus().length,
    cpus: values.cpus,
    client_cpus: values['client-cpus'],
    measurements,
  };
  writeFileSync(join(out, 'ranking.json'), `${JSON.stringify(result, null, 2)}\n`);
  const rows = result.configs.map((c) => `| ${c.name} | ${mb(c.redis_rss_bytes_at_1000ms ?? 0)} | ${mb(c.standin_rss_above_baseline_bytes_at_1000ms ?? 0)} | ${mb(c.plain_rss_bytes_at_1000ms ?? 0)} |`);
  const md = [
    '# Does the replay rank jemalloc configs as redis-server does? (#20)',
    '',
    `Written by \`ranking.ts\` (${repeats} repeats, means in MB = 2^20 bytes, ${result.wall_s.toFixed(0)} s, 1-min load ${load1.toFixed(1)} at start on ${cpus().length} CPUs). Raw: \`ranking.json\`.`,
    '',
    '| config | redis-server RSS 1 s after the delete | stand-in replay, RSS above its baseline 1 s after the last call (background_thread on) | plain replay, RSS 1 s after the last call |',
    '|---|---|---|---|',
    ...rows,
    '',
    `Spearman rho, stand-in vs redis-server: ${rhoText(result.spearman_standin_vs_redis)} (95 % percentile bootstrap over configs, ${result.spearman_standin_vs_redis.used} resamples used)`,
    '',
    `Spearman rho, plain replay vs redis-server: ${rhoText(result.spearman_plain_vs_redis)}`,
    '',
  ].join('\n');
  writeFileSync(join(out, 'ranking.md'), md);
  process.stdout.write(md);
  return 0;
}

process.exitCode = await main();
