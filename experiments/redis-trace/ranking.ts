/**
 * The ranking benchmark of issue #20: does the replay of redis-server rank jemalloc configs as
 * redis-server does? Records redis-server once through the Redis workload's load and delete
 * (campaign.json), then measures fixed configs both ways, interleaved, `--repeats` times each:
 *   - replay: the trace workload as a stand-in for Redis runs it, with Redis's forced background
 *     thread (src/service/stand-in-env.ts), scored two ways from the same runs: by
 *     `rss_above_baseline_bytes_at_1000ms` (RSS net of all that was resident before the first call,
 *     the allocator's start-up too) and by `rss_minus_replayer_bytes_at_1000ms` (RSS net of exactly
 *     the replayer's own tables);
 *   - real: the Redis workload's runner (workers/runners/redis-runner.ts), metric `rss_bytes_at_1000ms`.
 * Reports Spearman's rho of the per-config means with a bootstrap interval (src/stats/rank-correlation.ts),
 * and the same for the replay's gross `rss_bytes_at_1000ms` without the forced thread (the old stand-in),
 * the pairs of configs redis-server tells apart that each orders the same, and where thp:always lands.
 *
 *   node --import tsx experiments/redis-trace/ranking.ts [--out DIR] [--repeats 3] [--cpus 1] [--client-cpus 0]
 *   node --import tsx experiments/redis-trace/ranking.ts --report-only   (rewrites ranking.md from DIR/ranking.json)
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
import { separatedPairAgreement, spearmanInterval, type PairAgreement, type RankCorrelation } from '../../src/stats/rank-correlation.js';
import { createRedisRunner } from '../../workers/runners/redis-runner.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { recordRedis, type RecordedLoad } from './record-redis.js';

const HERE = join(REPO_ROOT, 'experiments', 'redis-trace');
const TRACE = 'redis-delete';
const OFFSET_MS = 1000;
/** The stand-in's second score, read from the same runs' metrics (absent from runs before it existed). */
const NET_METRIC = `rss_minus_replayer_bytes_at_${OFFSET_MS}ms`;
/** The declared memory trap whose place in each ranking the report states. */
const TRAP = 'thp:always';

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
  // The second sample (14 configs): more decay settings between the extremes, the muzzy stage off,
  // more arenas, and huge pages (a declared memory trap), so the ranks are not carried by two outliers.
  { name: 'dirty_decay_ms:300', knobs: { dirty_decay_ms: 300 } },
  { name: 'dirty_decay_ms:3000', knobs: { dirty_decay_ms: 3000 } },
  { name: 'dirty_decay_ms:10000', knobs: { dirty_decay_ms: 10000 } },
  { name: 'muzzy_decay_ms:0', knobs: { muzzy_decay_ms: 0 } },
  { name: 'narenas:4', knobs: { narenas: 4 } },
  { name: 'thp:always', knobs: { thp: 'always' } },
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

interface Meta {
  repeats: number;
  wall_s: number;
  load1_at_start: number;
  load1_at_end: number;
  host_cpus: number;
  cpus: string;
  client_cpus: string;
}

/** Measures every config `repeats` times each way, interleaved (configs inside repeats). */
async function measure(repeats: number, cpuList: string, clientCpus: string): Promise<{ measurements: Measurement[]; meta: Meta }> {
  const campaign = JSON.parse(readFileSync(join(HERE, 'campaign.json'), 'utf8')) as { workloads: unknown[] };
  const redisSpec = WorkloadSpecSchema.parse(campaign.workloads[0]) as Extract<WorkloadSpec, { kind: 'redis' }>;
  const replaySpec = WorkloadSpecSchema.parse({ kind: 'trace', trace: TRACE, label: 'redis', snapshot_offsets_ms: [OFFSET_MS] }) as Extract<WorkloadSpec, { kind: 'trace' }>;
  const space = loadSpace('jemalloc');
  const traces = mkdtempSync(join(tmpdir(), 'alloctune-ranking-'));
  const load1 = loadavg()[0] ?? 0;
  const started = Date.now();
  const measurements: Measurement[] = [];
  try {
    await recordRedis(traces, TRACE, redisSpec.options as RecordedLoad, clientCpus);
    const replay = new TraceRunner(new TraceDir(traces));
    const redis = createRedisRunner();
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const c of CONFIGS) {
        const encoded = encodeConfig(space, completeConfig(space, c.knobs), { only: new Set(Object.keys(c.knobs)) });
        const base = { ...encoded.env, PATH: '/usr/local/bin:/usr/bin:/bin', ...(encoded.preload ? { LD_PRELOAD: encoded.preload } : {}) };
        const ctx = (env: Record<string, string>): RunContext => ({ env, allocator: 'jemalloc', definition: space, cpus: cpuList, clientCpus, seed: 20 + repeat, phaseTimeoutMs: 300_000 });
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
  const meta = { repeats, wall_s: (Date.now() - started) / 1000, load1_at_start: load1, load1_at_end: loadavg()[0] ?? 0, host_cpus: cpus().length, cpus: cpuList, client_cpus: clientCpus };
  return { measurements, meta };
}

/** The result file's figures, derived from the measurements alone (so the report can be rewritten from them). */
function summarise(measurements: readonly Measurement[], meta: Meta) {
  const names = [...new Set(measurements.map((m) => m.config))];
  // A score: a way's own value, or (net) the stand-in's runs read by NET_METRIC.
  type Score = Measurement['way'] | 'replay-standin-net';
  const values = (config: string, score: Score): number[] =>
    score === 'replay-standin-net'
      ? measurements.filter((m) => m.config === config && m.way === 'replay-standin' && m.metrics[NET_METRIC] !== undefined).map((m) => m.metrics[NET_METRIC] as number)
      : measurements.filter((m) => m.config === config && m.way === score).map((m) => m.value_bytes);
  const means = (score: Score): number[] => names.map((c) => mean(values(c, score)));
  const real = means('redis');
  const standIn = means('replay-standin');
  const net = means('replay-standin-net');
  const hasNet = names.every((c) => values(c, 'replay-standin-net').length === values(c, 'replay-standin').length);
  const plain = means('replay-plain');
  const agreement = (score: Score): PairAgreement => separatedPairAgreement(names.map((name) => ({ name, reference: values(name, 'redis'), proxy: values(name, score) })));
  // Where the trap lands: its rank (1 = least memory) and its mean minus the defaults'.
  const trap = (xs: readonly number[]) => {
    const i = names.indexOf(TRAP), d = names.indexOf('defaults');
    const x = xs[i], base = xs[d];
    if (x === undefined || base === undefined) return null;
    return { rank: 1 + xs.filter((v) => v < x).length, of: xs.length, minus_defaults_bytes: x - base };
  };
  return {
    configs: names.map((name, i) => ({ name, redis_rss_bytes_at_1000ms: real[i], standin_rss_above_baseline_bytes_at_1000ms: standIn[i], standin_rss_minus_replayer_bytes_at_1000ms: hasNet ? net[i] : null, plain_rss_bytes_at_1000ms: plain[i] })),
    spearman_standin_vs_redis: spearmanInterval(standIn, real, { seed: 20 }),
    spearman_standin_net_vs_redis: hasNet ? spearmanInterval(net, real, { seed: 20 }) : null,
    spearman_plain_vs_redis: spearmanInterval(plain, real, { seed: 20 }),
    pairs_standin_vs_redis: agreement('replay-standin'),
    pairs_standin_net_vs_redis: hasNet ? agreement('replay-standin-net') : null,
    pairs_plain_vs_redis: agreement('replay-plain'),
    trap: { config: TRAP, redis: trap(real), standin: trap(standIn), standin_net: hasNet ? trap(net) : null, plain: trap(plain) },
    ...meta,
    measurements,
  };
}

function reportMarkdown(result: ReturnType<typeof summarise>): string {
  const rows = result.configs.map((c) => `| ${c.name} | ${mb(c.redis_rss_bytes_at_1000ms ?? 0)} | ${mb(c.standin_rss_above_baseline_bytes_at_1000ms ?? 0)} | ${c.standin_rss_minus_replayer_bytes_at_1000ms === null ? 'n/a' : mb(c.standin_rss_minus_replayer_bytes_at_1000ms ?? 0)} | ${mb(c.plain_rss_bytes_at_1000ms ?? 0)} |`);
  type Trap = (typeof result.trap)['redis'];
  const trapText = (t: Trap): string => (t === null ? 'n/a' : `rank ${t.rank} of ${t.of}, ${t.minus_defaults_bytes >= 0 ? '+' : ''}${mb(t.minus_defaults_bytes)} MB against the defaults`);
  const net = result.pairs_standin_net_vs_redis;
  const pairs = (p: PairAgreement): string => `${p.agreed} of ${p.separated}`;
  const misses = (p: PairAgreement): string => p.disagreed.map((d) => `${d.a} / ${d.b} (${d.proxy}; redis-server gap ${mb(Math.abs(d.reference_gap))} MB)`).join(', ') || 'none';
  return [
    '# Does the replay rank jemalloc configs as redis-server does? (#20)',
    '',
    `Written by \`ranking.ts\` (${result.configs.length} configs, ${result.repeats} repeats, means in MB = 2^20 bytes, ${result.wall_s.toFixed(0)} s, 1-min load ${result.load1_at_start.toFixed(1)} at start on ${result.host_cpus} CPUs). Raw: \`ranking.json\`.`,
    '',
    '| config | redis-server RSS 1 s after the delete | stand-in replay, RSS above its baseline 1 s after the last call (background_thread on) | the same stand-in runs, RSS minus the replayer\'s own tables 1 s after the last call | plain replay, RSS 1 s after the last call |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `Spearman rho, stand-in vs redis-server: ${rhoText(result.spearman_standin_vs_redis)} (95 % percentile bootstrap over configs, ${result.spearman_standin_vs_redis.used} resamples used)`,
    '',
    `Spearman rho, stand-in by RSS minus the replayer's tables vs redis-server: ${result.spearman_standin_net_vs_redis === null ? 'n/a (runs before the metric existed)' : rhoText(result.spearman_standin_net_vs_redis)}`,
    '',
    `Spearman rho, plain replay vs redis-server: ${rhoText(result.spearman_plain_vs_redis)}`,
    '',
    'Pairs of configs redis-server tells apart (its repeats do not overlap) that the replay also tells apart in the same order:',
    '',
    `- stand-in replay, RSS above its baseline: ${pairs(result.pairs_standin_vs_redis)}; the others: ${misses(result.pairs_standin_vs_redis)}`,
    `- stand-in replay, RSS minus the replayer's tables: ${net === null ? 'n/a' : `${pairs(net)}; the others: ${misses(net)}`}`,
    `- plain replay: ${pairs(result.pairs_plain_vs_redis)}; ${result.pairs_plain_vs_redis.disagreed.filter((d) => d.proxy === 'reversed').length} of its misses reversed`,
    '',
    `Where ${result.trap.config} lands (rank 1 = least memory):`,
    '',
    `- redis-server: ${trapText(result.trap.redis)}`,
    `- stand-in, RSS above its baseline: ${trapText(result.trap.standin)}`,
    `- stand-in, RSS minus the replayer's tables: ${trapText(result.trap.standin_net)}`,
    `- plain replay: ${trapText(result.trap.plain)}`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(HERE, 'raw', 'ranking') }, repeats: { type: 'string', default: '3' }, cpus: { type: 'string', default: '1' }, 'client-cpus': { type: 'string', default: '0' }, 'report-only': { type: 'boolean', default: false } }, strict: true });
  const out = values.out;
  let result: ReturnType<typeof summarise>;
  if (values['report-only']) {
    const saved = JSON.parse(readFileSync(join(out, 'ranking.json'), 'utf8')) as Meta & { measurements: Measurement[] };
    const { measurements, ...meta } = saved;
    result = summarise(measurements, { repeats: meta.repeats, wall_s: meta.wall_s, load1_at_start: meta.load1_at_start, load1_at_end: meta.load1_at_end, host_cpus: meta.host_cpus, cpus: meta.cpus, client_cpus: meta.client_cpus });
  } else {
    mkdirSync(out, { recursive: true });
    const { measurements, meta } = await measure(Number(values.repeats), values.cpus, values['client-cpus']);
    result = summarise(measurements, meta);
  }
  writeFileSync(join(out, 'ranking.json'), `${JSON.stringify(result, null, 2)}\n`);
  const md = reportMarkdown(result);
  writeFileSync(join(out, 'ranking.md'), md);
  process.stdout.write(md);
  return 0;
}

process.exitCode = await main();
