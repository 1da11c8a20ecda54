import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'test-token-export';

describe('export route: format fit and target parameters are checked before anything is rendered', () => {
  let service: RunningService;
  let redis: Awaited<ReturnType<typeof startTempRedis>>;
  let mimalloc = '';
  let jemalloc = '';

  async function create(allocator: 'mimalloc' | 'jemalloc'): Promise<string> {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(smallCampaign({ name: `export ${allocator}`, allocator })),
    });
    assert.equal(res.statusCode, 201, res.body);
    return (res.json() as { campaign: { id: string } }).campaign.id;
  }

  const get = (id: string, query: string) => service.app.inject({ method: 'GET', url: `/v1/campaigns/${id}/export?${query}` });

  before(async () => {
    redis = await startTempRedis();
    // No worker and a slow tick: the campaigns stay unmeasured, which these checks must not need.
    service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 60_000 });
    mimalloc = await create('mimalloc');
    jemalloc = await create('jemalloc');
  });
  after(async () => {
    await service.close();
    await redis.stop();
  });

  it('malloc_conf for a mimalloc campaign is a 400 naming the formats that fit', async () => {
    for (const format of ['malloc_conf', 'malloc.conf']) {
      const res = await get(mimalloc, `format=${format}`);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as { code: string; message: string };
      assert.equal(body.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
      assert.match(body.message, new RegExp(`^invalid format: ${format.replace('.', '\\.')} does not fit mimalloc .*formats that fit: env, systemd, docker, k8s, json$`));
    }
  });

  it('a fitting format passes the check and meets the unmeasured baseline (409)', async () => {
    assert.equal((await get(mimalloc, 'format=env')).statusCode, 409);
    assert.equal((await get(jemalloc, 'format=malloc_conf&with_evidence=true')).statusCode, 409);
  });

  it('bad target parameters are 400s naming each field', async () => {
    const res = await get(jemalloc, 'format=k8s&k8s_kind=Pod&k8s_name=Redis_1&k8s_container=-x&unit=../../etc/x&with_evidence=yes');
    assert.equal(res.statusCode, 400, res.body);
    const paths = (res.json() as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    for (const field of ['k8s_kind', 'k8s_name', 'k8s_container', 'unit', 'with_evidence']) {
      assert.ok(paths.some((p) => p.endsWith(field)), `${field} in ${paths.join(', ')}`);
    }
  });

  it('an unknown query parameter is a 400 (a misspelt k8s_form must not silently give the default)', async () => {
    const res = await get(jemalloc, 'format=k8s&k8s_from=env');
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /k8s_from/);
  });

  it('the OpenAPI document lists the export parameters', async () => {
    const docs = (await service.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    const names = (docs.paths['/v1/campaigns/{id}/export']?.get?.parameters ?? []).map((p) => p.name);
    for (const name of ['format', 'with_evidence', 'parts', 'k8s_form', 'k8s_kind', 'k8s_name', 'k8s_container', 'unit']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
  });
});
