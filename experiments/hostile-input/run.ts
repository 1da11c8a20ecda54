/**
 * The hostile-input benchmark: generated bad requests (experiments/hostile-input/hostile-requests.ts)
 * against the real service on a throwaway Redis. Prints the counts per category and status, writes
 * them to experiments/hostile-input/results.json, and exits non-zero on any 5xx, any answer not in
 * the error catalogue's shape, any 400 not naming the field, or any key stored in Redis.
 *
 *   node --import tsx experiments/hostile-input/run.ts [--per-category 60] [--seed 1]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startService } from '../../src/api/start-service.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { openRedis } from '../../src/redis/redis-connection.js';
import { smallCampaign } from '../../test/helpers/small-campaign.js';
import { startTempRedis } from '../../test/helpers/temp-redis.js';
import { hostileRequests, runHostileRequests } from './hostile-requests.js';

const { values } = parseArgs({ options: { 'per-category': { type: 'string', default: '60' }, seed: { type: 'string', default: '1' } } });
const perCategory = Number(values['per-category']);
const seed = Number(values.seed);
const TOKEN = 'hostile-bench-token';

const redis = await startTempRedis('alloctune-hostile-');
const service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 3_600_000, rateLimitPerMinute: 1_000_000 });
const client = openRedis(redis.server.url);
try {
  // One real campaign for the routes that need an id; cancelled so that nothing changes Redis during the run.
  const created = await service.app.inject({ method: 'POST', url: '/v1/campaigns', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: JSON.stringify(smallCampaign()) });
  const id = (created.json() as { campaign: { id: string } }).campaign.id;
  await service.app.inject({ method: 'POST', url: `/v1/campaigns/${id}/cancel`, headers: { authorization: `Bearer ${TOKEN}` } });
  const requests = hostileRequests({ seed, perCategory, id, token: TOKEN });
  const started = Date.now();
  const report = await runHostileRequests(service.app, client, requests);
  const elapsedMs = Date.now() - started;
  const result = { generated_at: new Date().toISOString(), seed, per_category: perCategory, elapsed_ms: elapsedMs, ...report };
  writeFileSync(join(REPO_ROOT, 'experiments', 'hostile-input', 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`${report.requests} hostile requests in ${elapsedMs} ms (seed ${seed}, ${perCategory} per category)`);
  console.log(`${'category'.padEnd(22)} ${'requests'.padStart(8)}  statuses`);
  for (const [name, c] of Object.entries(report.by_category)) {
    console.log(`${name.padEnd(22)} ${String(c.requests).padStart(8)}  ${Object.entries(c.statuses).map(([s, k]) => `${s}: ${k}`).join(', ')}`);
  }
  console.log(`all: ${Object.entries(report.statuses).map(([s, k]) => `${s}: ${k}`).join(', ')}; 5xx: ${report.server_errors}; failures: ${report.failures.length}; ` +
    `redis keys ${report.redis_keys_before} -> ${report.redis_keys_after} (changed: ${report.redis_keys_changed.length}); prototype polluted: ${report.prototype_polluted}; largest error body ${report.largest_error_body_bytes} bytes`);
  for (const f of report.failures.slice(0, 20)) console.log(`FAIL ${f.category}: ${f.problem}\n  ${f.request}\n  -> ${f.status} ${f.body}`);
  process.exitCode = report.server_errors === 0 && report.failures.length === 0 && report.redis_keys_changed.length === 0 && !report.prototype_polluted ? 0 : 1;
} finally {
  client.disconnect();
  await service.close();
  await redis.stop();
}
