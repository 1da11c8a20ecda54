import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { hostileRequests, runHostileRequests } from '../../experiments/hostile-input/hostile-requests.js';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { openRedis } from '../../src/redis/redis-connection.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'hostile-test-token';
const PER_CATEGORY = 20;

describe('hostile input: generated bad requests against the real app and a real Redis', () => {
  let service: RunningService;
  let redis: Awaited<ReturnType<typeof startTempRedis>>;
  let client: Redis;
  let campaignId: string;

  before(async () => {
    redis = await startTempRedis();
    service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 3_600_000, rateLimitPerMinute: 1_000_000 });
    client = openRedis(redis.server.url);
    const created = await service.app.inject({ method: 'POST', url: '/v1/campaigns', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(smallCampaign()) });
    assert.equal(created.statusCode, 201, created.body);
    campaignId = (created.json() as { campaign: { id: string } }).campaign.id;
    // Cancelled: nothing but the requests under test may change Redis while they run.
    assert.equal((await service.app.inject({ method: 'POST', url: `/v1/campaigns/${campaignId}/cancel`, headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
  });
  after(async () => {
    client.disconnect();
    await service.close();
    await redis.stop();
  });

  it('no 5xx, every answer in the catalogue shape naming the field, nothing stored, no prototype polluted', async () => {
    const requests = hostileRequests({ seed: 1, perCategory: PER_CATEGORY, id: campaignId, token: TOKEN });
    assert.ok(requests.length >= 200, `${requests.length} requests`);
    const report = await runHostileRequests(service.app, client, requests);
    assert.equal(report.requests, requests.length);
    assert.ok(Object.keys(report.by_category).length >= 12, Object.keys(report.by_category).join(', '));
    assert.equal(report.server_errors, 0);
    assert.deepEqual(report.failures, []);
    assert.deepEqual(report.redis_keys_changed, []);
    assert.equal(report.prototype_polluted, false);
    // Every category was answered with a client error, never a success.
    for (const [category, counts] of Object.entries(report.by_category)) {
      assert.ok(Object.keys(counts.statuses).every((s) => Number(s) >= 400 && Number(s) < 500), `${category}: ${JSON.stringify(counts.statuses)}`);
    }
  });
});
