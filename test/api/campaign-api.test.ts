import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'test-token-123';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('campaign API: bad input gets a clear 4xx and stores nothing', () => {
  let service: RunningService;
  let redis: Awaited<ReturnType<typeof startTempRedis>>;

  before(async () => {
    redis = await startTempRedis();
    service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 60_000 });
  });
  after(async () => {
    await service.close();
    await redis.stop();
  });

  async function post(body: unknown, headers: Record<string, string> = auth) {
    return service.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { 'content-type': 'application/json', ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('malformed JSON is a 400', async () => {
    const res = await post('{"name": ');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'ALLOCTUNE_ERR_INVALID_INPUT');
  });

  it('an unknown allocator is a 400 naming body.allocator', async () => {
    const res = await post(smallCampaign({ allocator: 'supermalloc' as never }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.allocator');
    assert.match(res.json().message, /body\.allocator/);
  });

  it('an unknown parameter is a 400 naming the space field and the parameter', async () => {
    const res = await post(smallCampaign({ space: { freeze: { no_such_knob: 1 } } }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.space.freeze.no_such_knob');
    assert.match(res.json().message, /not a parameter of the space/);
  });

  it('an out-of-range target is a 400 naming the constraint', async () => {
    const res = await post(smallCampaign({ constraints: [{ metric: 'fragmentation_ratio_at_300ms', max: -1 }] }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.constraints.0.max');
  });

  it('a warm start from an unknown campaign is a 400 naming body.warm_start.0; a malformed id names body.warm_start', async () => {
    const res = await post(smallCampaign({ warm_start: ['c-not-there'] }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.warm_start.0');
    assert.match(res.json().message, /no campaign c-not-there/);
    const bad = await post(smallCampaign({ warm_start: ['../etc'] }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().issues[0].path, /^body\.warm_start/);
  });

  it('a metric no workload reports is a 400 naming objective.metric', async () => {
    const res = await post(smallCampaign({ objective: { metric: 'p99_us', direction: 'min' } }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.objective.metric');
    assert.match(res.json().message, /p99_us/);
  });

  it('a bad MALLOC_CONF baseline is a 400 quoting the pair', async () => {
    const res = await post(smallCampaign({ baseline: { malloc_conf: 'narenas:0' } }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.baseline.malloc_conf');
    assert.match(res.json().message, /narenas/);
  });

  it('a bad reference setting is a 400 naming the reference; duplicate names are refused', async () => {
    const bad = await post(smallCampaign({ references: [{ name: 'seed', malloc_conf: 'tcache:yes' }] }));
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().issues[0].path, 'body.references.0.malloc_conf');
    const twice = await post(smallCampaign({ references: [{ name: 'a', config: {} }, { name: 'a', config: {} }] }));
    assert.equal(twice.statusCode, 400);
    assert.match(twice.json().message, /references/);
  });

  it('too few duel pairs to ever confirm a win is a 400', async () => {
    const res = await post(smallCampaign({ duel: { candidates: 1, pairs: 4, confirm: { rule: 'fixed' } } }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().issues[0].path, 'body.duel.pairs');
  });

  it('an oversized body is a 413', async () => {
    const res = await post(smallCampaign({ name: 'x'.repeat(300 * 1024) }));
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'ALLOCTUNE_ERR_BODY_TOO_LARGE');
  });

  it('a missing or wrong token is a 401', async () => {
    const missing = await post(smallCampaign(), {});
    assert.equal(missing.statusCode, 401);
    assert.match(missing.json().message, /missing bearer token/);
    const wrong = await post(smallCampaign(), { authorization: 'Bearer nope' });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.json().message, /wrong bearer token/);
  });

  it('an unknown campaign id is a 404, a malformed one a 400', async () => {
    assert.equal((await service.app.inject({ url: '/v1/campaigns/cnosuch/leaderboard' })).statusCode, 404);
    assert.equal((await service.app.inject({ url: '/v1/campaigns/bad%20id' })).statusCode, 400);
  });

  it('none of the rejected requests stored anything', async () => {
    const res = await service.app.inject({ url: '/v1/campaigns' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().campaigns, []);
  });

  it('a valid campaign is a 201 with defaults filled in', async () => {
    const res = await post(smallCampaign());
    assert.equal(res.statusCode, 201, res.body);
    const { campaign } = res.json();
    // No worker is live in this file: the campaign says what it waits for instead of pretending to run.
    assert.equal(campaign.state, 'waiting_for_workers');
    assert.deepEqual(campaign.waiting_for, { worker_labels: {}, commands: [], allocator: 'jemalloc', reason: 'no live worker' });
    assert.equal(campaign.spec.duel.alpha, 0.05);
    assert.equal((await service.app.inject({ url: `/v1/campaigns/${campaign.id}` })).json().campaign.id, campaign.id);
    // A memory objective with jemalloc's THP knobs searched: the known trap is said at creation, and kept.
    const traps = (campaign.warnings as { code: string; message: string }[]).filter((w) => w.code === 'knob_trap').map((w) => w.message.split(':')[0]);
    assert.deepEqual(traps.sort(), ['metadata_thp', 'thp']);
  });

  it('serves the OpenAPI document, health and Prometheus metrics', async () => {
    const docs = await service.app.inject({ url: '/docs/json' });
    assert.equal(docs.statusCode, 200);
    assert.ok(docs.json().paths['/v1/campaigns']);
    assert.equal((await service.app.inject({ url: '/healthz' })).json().status, 'ok');
    const metrics = await service.app.inject({ url: '/metrics' });
    assert.match(metrics.body, /^alloctune_campaigns\{state="waiting_for_workers"\} 1$/m);
    assert.match(metrics.body, /^alloctune_campaigns\{state="running"\} 0$/m);
    assert.match(metrics.headers['content-type'] as string, /text\/plain/);
  });
});
