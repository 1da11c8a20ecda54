import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { composeExport, renderExport } from '../../src/api/export/export-formats.js';
import { DEFAULT_EXPORT_TARGET } from '../../src/api/export/export-target.js';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { ExportEvidenceSchema } from '../../src/core/export-evidence.js';
import { openRedis } from '../../src/redis/redis-connection.js';
import { loadSpace, parseConfigText, parseEnvText } from '../../src/spaces/index.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'findings-token';
const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const UNPRINTABLE = ['\u0085', '\u2028', '\u2029', '\u001b', '\u009b', '\u202e', '\u200b', '\ud800', '\n', '\u007f'];

/** A campaign spec as JSON text with `patch` merged in at the top level (`__proto__` survives only in text). */
function specText(patch: string): string {
  const base = JSON.stringify(smallCampaign());
  return `${base.slice(0, -1)},${patch}}`;
}

describe('small findings of the hostile-input review (real service, real Redis)', () => {
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

  const post = (payload: string) =>
    service.app.inject({ method: 'POST', url: '/v1/campaigns', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload });

  it('config keys named like Object.prototype members are refused wherever a map takes user keys', async () => {
    for (const name of PROTOTYPE_NAMES) {
      const key = JSON.stringify(name);
      for (const patch of [
        `"baseline":{"config":{${key}:1}}`,
        `"space":{"freeze":{${key}:true}}`,
        `"space":{"narrow":{${key}:{"min":1}}}`,
        `"worker_labels":{${key}:"a"}`,
        `"references":[{"name":"r","env":{${key}:"1"}}]`,
      ]) {
        const res = await post(specText(patch));
        assert.equal(res.statusCode, 400, `${patch}: ${res.body}`);
        const body = res.json() as { code: string; message: string; issues?: { path: string }[] };
        assert.ok(['ALLOCTUNE_ERR_INVALID_INPUT'].includes(body.code), res.body);
        assert.ok(res.body.includes(name) || body.message.includes('prototype'), `${patch}: ${res.body}`);
      }
    }
    const client = openRedis(redis.server.url);
    try {
      // The only key is the running service's controller lease: no campaign, trial or event.
      assert.deepEqual(await client.keys('*'), ['alloctune:controller:lease'], 'nothing was stored');
    } finally {
      client.disconnect();
    }
  });

  it('text settings refuse prototype names like unknown keys, with the right rule', () => {
    for (const name of PROTOTYPE_NAMES) {
      assert.throws(() => parseConfigText(loadSpace('jemalloc'), `${name}:1`), /not a key of the jemalloc search space/);
      assert.throws(() => parseConfigText(loadSpace('mimalloc'), `${name}=1`), /rule unknown-key/);
      assert.throws(() => parseEnvText(`${name}=1`), /rule unknown-key/);
    }
  });

  it('campaign names with control characters, C1, line/paragraph separators or bidi overrides are a 400 that does not quote them', async () => {
    for (const ch of UNPRINTABLE) {
      const res = await post(JSON.stringify(smallCampaign({ name: `evil${ch}name: x` })));
      assert.equal(res.statusCode, 400, JSON.stringify(ch));
      assert.equal(res.json().issues[0].path, 'body.name');
      assert.ok(!res.body.includes('evil'), res.body);
    }
    const ok = await post(JSON.stringify(smallCampaign({ name: 'Mémoire après suppression, 60 % – zstd' })));
    assert.equal(ok.statusCode, 201, ok.body);
  });

  it('metric names have a length limit and the 400 does not echo a huge input', async () => {
    const huge = 'a'.repeat(100_000);
    for (const spec of [
      smallCampaign({ objective: { metric: huge, direction: 'min' } }),
      smallCampaign({ constraints: [{ metric: huge, max: 1 }] }),
      { ...smallCampaign(), [huge]: 1 },
      smallCampaign({ baseline: { malloc_conf: `${huge}:1` } }),
      smallCampaign({ baseline: { config: { [huge]: 1 } } }),
      smallCampaign({ baseline: { config: { narenas: huge } } }),
    ]) {
      const res = await post(JSON.stringify(spec));
      assert.equal(res.statusCode, 400, res.body.slice(0, 300));
      assert.ok(res.body.length < 2000, `answer of ${res.body.length} bytes: ${res.body.slice(0, 300)}`);
    }
  });

  it('a reserved label or more labels than a worker carries are refused in worker_labels', async () => {
    const reserved = await post(JSON.stringify(smallCampaign({ worker_labels: { worker: 'w1' } })));
    assert.equal(reserved.statusCode, 400);
    assert.equal(reserved.json().issues[0].path, 'body.worker_labels.worker');
    assert.match(reserved.json().message, /reserved/);
    const many = await post(JSON.stringify(smallCampaign({ worker_labels: { a: '1', b: '2', c: '3', d: '4', e: '5' } })));
    assert.equal(many.statusCode, 400);
    assert.equal(many.json().issues[0].path, 'body.worker_labels');
  });

  it('an invalid Last-Event-ID or ?after= is a 400, a valid one streams', async () => {
    const created = await post(JSON.stringify(smallCampaign({ name: 'sse ids' })));
    const id = (created.json() as { campaign: { id: string } }).campaign.id;
    for (const bad of ['18446744073709551616-0', '0-18446744073709551616', '18446744073709551615-18446744073709551615', 'garbage', '1-2-3', '-1-0', '1', ' 1-0']) {
      const viaHeader = await service.app.inject({ url: `/v1/campaigns/${id}/events`, headers: { 'last-event-id': bad } });
      assert.equal(viaHeader.statusCode, 400, `${bad}: ${viaHeader.body}`);
      assert.equal(viaHeader.json().issues[0].path, 'headers.last-event-id');
      const viaQuery = await service.app.inject({ url: `/v1/campaigns/${id}/events?after=${encodeURIComponent(bad)}` });
      assert.equal(viaQuery.statusCode, 400, bad);
      assert.equal(viaQuery.json().issues[0].path, 'querystring.after');
    }
    // The largest id Redis still accepts as an exclusive start streams (nothing after it).
    const controller = new AbortController();
    const res = await fetch(`${service.url}/v1/campaigns/${id}/events`, { headers: { 'last-event-id': '18446744073709551615-0' }, signal: controller.signal });
    assert.equal(res.status, 200);
    controller.abort();
  });
});

describe('exports stay well-formed whatever the campaign name holds', () => {
  it('PyYAML reads the k8s export as exactly one env list, name and comments included', () => {
    const hostile = 'x\u0085evil: injected\u2028other: 1\u2029"quoted" \\ \u{1f600}';
    const evidence = ExportEvidenceSchema.parse({
      campaign_id: 'c1',
      campaign_name: hostile,
      allocator: 'jemalloc',
      beats_baseline: false,
      verdict: `nothing beat the baseline\u0085verdict: forged`,
      chosen: { label: 'baseline', config: {}, env: { MALLOC_CONF: 'narenas:2' }, metrics: {} },
      baseline: { label: 'baseline', config: {}, env: {}, metrics: {} },
      claims: [],
      duels: [],
      generated_at: '2026-12-01T00:00:00.000Z',
    });
    // The bare env list with the evidence comments appended: comments must stay comments.
    const target = { ...DEFAULT_EXPORT_TARGET, k8s: { ...DEFAULT_EXPORT_TARGET.k8s, form: 'env' as const } };
    const body = composeExport(renderExport('k8s', evidence, { encoding: 'malloc-conf', target }), true);
    const python = spawnSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: body, encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
    assert.deepEqual(JSON.parse(python.stdout), { env: [{ name: 'MALLOC_CONF', value: 'narenas:2' }] });
    for (const line of body.split('\n')) assert.ok(!/[\u0085\u2028\u2029]/.test(line));
  });
});

describe('/healthz while Redis is down', () => {
  it('answers degraded with the reason within a second', async () => {
    const redis = await startTempRedis();
    const service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 60_000 });
    try {
      const up = await service.app.inject({ url: '/healthz' });
      assert.equal(up.statusCode, 200);
      assert.equal(up.json().status, 'ok');
      await redis.server.stop();
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const down = await service.app.inject({ url: '/healthz' });
        const elapsedMs = Date.now() - started;
        assert.equal(down.statusCode, 503);
        assert.equal(down.json().status, 'degraded');
        assert.match(down.json().reason, /^redis: /);
        assert.ok(elapsedMs < 1000, `answered in ${elapsedMs} ms`);
      }
    } finally {
      await service.close();
      await redis.stop();
    }
  });
});
