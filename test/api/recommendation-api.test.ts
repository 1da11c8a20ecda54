import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { ExportEvidenceSchema, type ExportEvidence } from '../../src/core/export-evidence.js';
import { registerFakeWorker } from '../helpers/fake-trial-queue.js';
import { runScriptedCampaign, scripted } from '../helpers/scripted-campaign.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'test-token-456';

/**
 * Campaigns run to their end by a controller on a fake queue (scripted measurements), then read
 * through a real service on the same Redis: importance, export variants, guards, reachability.
 */
describe('recommendations through the API (importance, minimal export, guards, reachability, relative constraints)', () => {
  let redis: Redis;
  let temp: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  const ids: Record<string, string> = {};

  before(async () => {
    temp = await startTempRedis('alloctune-recommend-');
    redis = new Redis(temp.server.url);
    await registerFakeWorker(redis, 'w1', 4);
    // A 10 % loss of ops per CPU-second with tcache_max:1024, beyond the 3 % guard margin.
    const costly = scripted((job) => ({ 'harness:fragmentation.ops_per_cpu_s': job.env['MALLOC_CONF'] !== undefined && job.config['tcache_max'] === 1024 ? 0.9e6 : 1e6 }));
    ids['plain'] = (await runScriptedCampaign(redis, 'plain', scripted())).id;
    ids['costly'] = (await runScriptedCampaign(redis, 'costly', costly)).id;
    ids['unreachable'] = (await runScriptedCampaign(redis, 'unreachable', scripted(), { constraints: [{ metric: 'fragmentation_ratio_at_300ms', max: 1.5 }] })).id;
    ids['relative'] = (await runScriptedCampaign(redis, 'relative', scripted(), { constraints: [{ metric: 'fragmentation_ratio_at_300ms', max_ratio_to_baseline: 1.03 }] })).id;
    service = await startService({ redisUrl: temp.server.url, token: TOKEN, controllerTickMs: 60_000, workerTimeoutMs: 3_600_000 });
  });
  after(async () => {
    await service?.close();
    redis.disconnect();
    await temp.stop();
  });

  async function evidence(id: string, query = ''): Promise<ExportEvidence> {
    const res = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/export?format=json${query}` });
    assert.equal(res.statusCode, 200, res.body);
    return ExportEvidenceSchema.parse(res.json());
  }

  it('GET /importance: every judged metric, knobs most important first, with intervals, cached for a stopped campaign', async () => {
    const url = `/v1/campaigns/${ids['plain']}/importance`;
    const first = await service.app.inject({ method: 'GET', url });
    assert.equal(first.statusCode, 200, first.body);
    const body = first.json() as { version: number; computed_at: string; knobs: string[]; metrics: { metric: string; role: string; method: string; trials: number; knobs: { name: string; total: number; total_low: number; total_high: number }[] }[] };
    assert.equal(body.version, -1, 'a stopped campaign: final');
    assert.deepEqual(body.metrics.map((m) => m.role), ['objective', 'constraint', 'guard', 'guard']);
    const objective = body.metrics[0];
    assert.ok(objective);
    assert.equal(objective.metric, 'harness:fragmentation.rss_bytes_at_300ms');
    assert.match(objective.method, /Sobol/);
    assert.equal(objective.knobs.length, body.knobs.length);
    for (let i = 1; i < objective.knobs.length; i++) assert.ok((objective.knobs[i - 1]?.total ?? 0) >= (objective.knobs[i]?.total ?? 0), 'sorted by total share');
    for (const k of objective.knobs) assert.ok(k.total_low <= k.total_high && k.total_high <= 1, `${k.name}: an interval within [0, 1]`);
    const again = await service.app.inject({ method: 'GET', url });
    assert.equal((again.json() as { computed_at: string }).computed_at, body.computed_at, 'served from the cache');
    const missing = await service.app.inject({ method: 'GET', url: '/v1/campaigns/c-nope/importance' });
    assert.equal(missing.statusCode, 404);
  });

  it('the export is the distilled minimal config with each kept knob\'s share; ?variant=full gives the winner as found', async () => {
    const minimal = await evidence(ids['plain'] as string);
    assert.equal(minimal.variant, 'minimal');
    assert.deepEqual(Object.keys(minimal.chosen.config).sort(), ['dirty_decay_ms', 'tcache_max']);
    assert.equal(minimal.chosen.env['MALLOC_CONF'], 'dirty_decay_ms:0,tcache_max:1024');
    assert.equal(minimal.recommendation?.kind, 'improvement');
    assert.deepEqual(minimal.knobs.map((k) => k.knob), ['dirty_decay_ms', 'tcache_max']);
    for (const k of minimal.knobs) assert.ok(k.share !== undefined && k.share > 0, `${k.knob} carries a share of the gain`);
    // Reverting dirty_decay_ms loses more of the gain than reverting tcache_max.
    const share = (knob: string): number => minimal.knobs.find((k) => k.knob === knob)?.share ?? 0;
    assert.ok(share('dirty_decay_ms') > share('tcache_max'));
    assert.equal(minimal.distillation?.steps.filter((s) => !s.kept).length, 6, 'six knobs dropped as contributing nothing');
    assert.ok(minimal.claims.some((c) => /minimal config/.test(c.test)));
    const guardNames = minimal.guards.map((g) => `${g.metric}:${g.status}`);
    assert.deepEqual(guardNames, ['harness:fragmentation.ops_per_cpu_s:not_measured', 'harness:fragmentation.malloc_p99_ns:not_measured'], 'unmeasured guards are named');
    assert.match(minimal.verdict, /not measured: harness:fragmentation\.ops_per_cpu_s, harness:fragmentation\.malloc_p99_ns/);

    const full = await evidence(ids['plain'] as string, '&variant=full');
    assert.equal(full.variant, 'full');
    assert.ok(Object.keys(full.chosen.config).length > 8, 'the whole winning config');
    const text = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['plain']}/export?format=env&with_evidence=true` });
    assert.match(text.body, /dropped, contributes nothing measurable/);
    assert.match(text.body, /% of the gain/);
    if (process.env['SHOW_EXPORT']) process.stdout.write(text.body);
    const bad = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['plain']}/export?variant=most` });
    assert.equal(bad.statusCode, 400);
  });

  it('a guard regression beyond its margin turns the confirmed win into a reported trade-off', async () => {
    const e = await evidence(ids['costly'] as string);
    assert.equal(e.beats_baseline, true);
    const guard = e.guards.find((g) => g.metric === 'harness:fragmentation.ops_per_cpu_s');
    assert.equal(guard?.status, 'regressed');
    assert.ok(guard?.change_pct !== undefined && guard.change_pct !== null && Math.abs(guard.change_pct + 10) < 0.01, 'the paired change is -10 %');
    assert.equal(e.recommendation?.kind, 'trade_off');
    assert.match(e.verdict, /trade-off: -52\.0% rss_bytes_at_300ms, costs 10\.0% harness:fragmentation\.ops_per_cpu_s/);
    assert.doesNotMatch(e.verdict, /guards hold/);
  });

  it('a constraint nobody meets, the baseline included, is stated with the gap instead of "nothing beat the baseline"', async () => {
    const e = await evidence(ids['unreachable'] as string);
    assert.equal(e.beats_baseline, false);
    const reach = e.reachability[0];
    assert.equal(reach?.met_by, 0);
    assert.equal(reach?.baseline_value, 2);
    assert.ok(Math.abs((reach?.shortfall ?? 0) - 1 / 3) < 1e-9);
    assert.match(e.verdict, /^[^;]*fragmentation_ratio_at_300ms <= 1\.5 is not reached by any measured config, the baseline included: the closest was 2.*33\.3% short/);
    assert.equal(e.verdict.match(/the baseline included/g)?.length, 1, 'the reason is said once');
    assert.doesNotMatch(e.verdict, /nothing beat the baseline/);
    const record = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['unreachable']}` });
    assert.equal((record.json() as { reachability: { met_by: number }[] }).reachability[0]?.met_by, 0, 'GET /v1/campaigns/:id carries it too');
  });

  it('a constraint relative to the baseline gets its limit from the baseline\'s mean and judges feasibility with it', async () => {
    const res = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['relative']}` });
    const campaign = (res.json() as { campaign: { metrics: { limits: (number | null)[] } } }).campaign;
    assert.ok(Math.abs((campaign.metrics.limits[0] ?? 0) - 2.06) < 1e-9, '1.03 x the baseline mean of 2');
    const board = (await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['relative']}/leaderboard` })).json() as { rows: { arm: string; feasible: boolean }[] };
    assert.ok(board.rows.find((r) => r.arm === 'baseline')?.feasible, 'fragmentation 2 <= 2.06');
    const e = await evidence(ids['relative'] as string);
    assert.equal(e.reachability[0]?.limit, 2.06);
  });

  it('a bad relative constraint is a 400 naming the field', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(smallCampaign({ constraints: [{ metric: 'fragmentation_ratio_at_300ms', max_ratio_to_baseline: -1 }] })),
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.constraints.0.max_ratio_to_baseline');
  });

  it('a result without the worker\'s library read-back: no guessed path in any export, a warning that it is unknown', async () => {
    const json = await evidence(ids['plain'] ?? '');
    assert.equal(json.preload, undefined, 'no library path invented');
    for (const format of ['env', 'systemd', 'k8s', 'malloc_conf']) {
      const res = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['plain'] ?? ''}/export?format=${format}&with_evidence=true` });
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /LD_PRELOAD=|name: LD_PRELOAD|\/usr\/lib/, `${format}: no library path`);
      assert.match(res.body, /library path is unknown/, `${format}: warns that the path is unknown`);
    }
    const raw = await service.app.inject({ method: 'GET', url: `/v1/campaigns/${ids['plain'] ?? ''}/export?format=json` });
    assert.ok((raw.json() as { deploy_warnings: string[] }).deploy_warnings.some((w) => /library path is unknown/.test(w)));
  });
});
