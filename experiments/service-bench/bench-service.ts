/**
 * Service benchmark (issue 7): leaderboard GET latency with 2,000 stored trials, and 200 concurrent
 * SSE clients receiving a burst of events without errors.
 *
 * Starts an embedded Redis and the real service on a loopback port. The 2,000 trials are synthetic
 * records (realistic shapes: 6 metrics per trial, 200 configs, 3 duels of 16 pairs), written through
 * the campaign store: the benchmark measures the service, not an allocator. Figures are printed and
 * written to results.json next to this file.
 *
 * Usage: node --import tsx experiments/service-bench/bench-service.ts [--trials 2000] [--clients 200]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startService } from '../../src/api/start-service.js';
import type { CampaignRecord, TrialRecord } from '../../src/core/campaign-record.js';
import { withResolvedMetrics } from '../../src/service/metric-resolver.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { buildLeaderboard } from '../../src/service/leaderboard.js';
import { CampaignStore } from '../../src/store/campaign-store.js';
import { SeededRng } from '../../src/core/seeded-rng.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { trials: { type: 'string', default: '2000' }, clients: { type: 'string', default: '200' } } });
const TRIALS = Number(values.trials);
const CLIENTS = Number(values.clients);
const EVENTS = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function syntheticTrials(campaignId: string, rng: SeededRng): TrialRecord[] {
  const trials: TrialRecord[] = [];
  const summary = (base: number) => {
    const metric = (m: number) => ({ mean: m, sd: m * 0.01, n: 2, min: m * 0.99, max: m * 1.01 });
    return {
      'harness:fragmentation.rss_bytes_at_1000ms': metric(base),
      'harness:fragmentation.fragmentation_ratio_at_1000ms': metric(base / 2e7),
      'harness:fragmentation.ops_per_s': metric(3e5 * (1 + rng.next())),
      'harness:fragmentation.malloc_p99_ns': metric(800 + 400 * rng.next()),
      'harness:fragmentation.peak_rss_bytes': metric(base * 1.2),
      'harness:fragmentation.user_ms': metric(15),
    };
  };
  for (let i = 1; i <= TRIALS; i++) {
    const duel = i > TRIALS - 96;
    const role = i === 1 ? 'baseline' : i === 2 ? 'placebo' : duel ? 'duel' : 'explore';
    const config = role === 'baseline' || role === 'placebo' ? {} : { dirty_decay_ms: (i % 200) * 100, narenas: 1 + (i % 4) };
    const env = role === 'baseline' || role === 'placebo' ? {} : { MALLOC_CONF: `dirty_decay_ms:${(i % 200) * 100},narenas:${1 + (i % 4)}` };
    const record: TrialRecord = {
      trial_id: `t${i}`,
      campaign_id: campaignId,
      role,
      config_key: Object.keys(env).length === 0 ? '(defaults)' : `MALLOC_CONF=${env.MALLOC_CONF}`,
      config,
      env,
      state: 'completed',
      proposed_at: new Date().toISOString(),
      finished_at: new Date().toISOString(),
      summary: summary(2e7 + 2e7 * rng.next()),
      worker: 'bench',
    };
    if (duel) {
      const k = i - (TRIALS - 96) - 1;
      const pairIndex = Math.floor(k / 2) % 16;
      const side = k % 2 === 0 ? 'a' : 'b';
      record.duel = { duel_id: `d${1 + Math.floor(k / 32)}`, pair_index: pairIndex, side, arm: side === 'a' ? `t${3 + Math.floor(k / 32)}` : 'baseline' };
      if (side === 'b') record.config_key = '(defaults)';
    }
    trials.push(record);
  }
  return trials;
}

const dir = mkdtempSync(join(tmpdir(), 'alloctune-bench-service-'));
const server = await EmbeddedRedis.start({ dataDir: join(dir, 'redis') });
const redis = new Redis(server.url);
const store = new CampaignStore(redis);
const service = await startService({ redisUrl: server.url, token: 'bench', controllerTickMs: 60_000, rateLimitPerMinute: 1_000_000 });
try {
  const spec = CampaignSpecSchema.parse({
    name: 'service benchmark',
    allocator: 'jemalloc',
    workloads: [{ kind: 'harness', workload: 'fragmentation' }],
    objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' },
    constraints: [{ metric: 'fragmentation_ratio_at_1000ms', max: 5 }],
  });
  const now = new Date().toISOString();
  const stored: CampaignRecord = { id: 'cbench', spec, state: 'finished', created_at: now, updated_at: now, finished_at: now, baseline_config: {}, reference_configs: [] };
  const record = withResolvedMetrics(stored);
  await store.create(record);
  const trials = syntheticTrials(record.id, new SeededRng(1));
  await store.putTrials(record.id, trials);

  // Cold: building the leaderboard from 2,000 records (what a running campaign pays after each change).
  const buildMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    buildLeaderboard(record, trials);
    buildMs.push(performance.now() - t);
  }
  // Over HTTP: the first GET reads the trials from Redis and builds; later ones are served from cache.
  const getMs: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    const res = await fetch(`${service.url}/v1/campaigns/${record.id}/leaderboard`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`leaderboard GET ${res.status}`);
    getMs.push(performance.now() - t);
  }
  const firstGetMs = getMs[0] ?? Number.NaN;
  const sortedGet = [...getMs].sort((a, b) => a - b);
  const sortedBuild = [...buildMs].sort((a, b) => a - b);

  // 200 SSE clients, then a burst of events: every client must receive every event, in order.
  const controllers: AbortController[] = [];
  let errors = 0;
  const received = new Array<number>(CLIENTS).fill(0);
  const outOfOrder = new Array<number>(CLIENTS).fill(0);
  const connected = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const controller = new AbortController();
      controllers.push(controller);
      const res = await fetch(`${service.url}/v1/campaigns/${record.id}/events`, { signal: controller.signal });
      if (res.status !== 200 || !res.body) {
        errors++;
        return;
      }
      void (async () => {
        const decoder = new TextDecoder();
        let last = -1;
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            for (const m of decoder.decode(chunk, { stream: true }).matchAll(/data: \{"seq":(\d+)\}/g)) {
              const seq = Number(m[1]);
              if (seq <= last) outOfOrder[c] = (outOfOrder[c] ?? 0) + 1;
              last = seq;
              received[c] = (received[c] ?? 0) + 1;
            }
          }
        } catch (err) {
          if ((err as Error).name !== 'AbortError') errors++;
        }
      })();
    }),
  );
  void connected;
  await new Promise((r) => setTimeout(r, 1500));
  const burstStart = performance.now();
  for (let i = 0; i < EVENTS; i++) await store.appendEvent(record.id, 'trial_queued', { seq: i });
  const deadline = Date.now() + 30_000;
  while (received.some((n) => n < EVENTS) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const deliveryMs = performance.now() - burstStart;
  for (const c of controllers) c.abort();
  const complete = received.filter((n) => n === EVENTS).length;

  const results = {
    measured_at: new Date().toISOString(),
    trials: TRIALS,
    leaderboard_build_ms: { p50: percentile(sortedBuild, 50), p99: percentile(sortedBuild, 99) },
    leaderboard_get_ms: { first: firstGetMs, p50: percentile(sortedGet, 50), p99: percentile(sortedGet, 99), max: sortedGet[sortedGet.length - 1] },
    leaderboard_get_target_p99_ms: 20,
    sse: { clients: CLIENTS, events: EVENTS, clients_with_every_event: complete, out_of_order: outOfOrder.reduce((s, n) => s + n, 0), errors, delivery_ms: deliveryMs },
  };
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} finally {
  await service.close();
  redis.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
