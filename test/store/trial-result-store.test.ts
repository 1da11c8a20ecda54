import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { TrialResult } from '../../src/core/trial-result.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { KEYS } from '../../src/store/keys.js';
import { readTrialReports } from '../../src/store/trial-events.js';
import { getTrialResult, listTrialResults, storeTrialResult } from '../../src/store/trial-result-store.js';
import { heartbeatWorker, listWorkers, unregisterWorker } from '../../src/store/worker-registry.js';

const dataDir = mkdtempSync(join(tmpdir(), 'alloctune-store-'));
let server: EmbeddedRedis;
let redis: Redis;
before(async () => {
  server = await EmbeddedRedis.start({ dataDir });
  redis = new Redis(server.url);
});
after(async () => {
  redis.disconnect();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function result(campaign: string, trial: string, worker: string): TrialResult {
  const now = new Date().toISOString();
  return {
    schema: 'alloctune.trial/1',
    campaign_id: campaign,
    trial_id: trial,
    status: 'completed',
    worker: { name: worker, host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {} },
    allocator: 'jemalloc',
    config: { dirty_decay_ms: 0 },
    env: { MALLOC_CONF: 'dirty_decay_ms:0' },
    started_at: now,
    finished_at: now,
    duration_ms: 0,
    repeats: [],
    summary: {},
  };
}

describe('trial result store', () => {
  it('stores a result once: concurrent writers, one winner, one index entry, one report', async () => {
    const campaign = `c${Date.now()}`;
    const outcomes = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) => storeTrialResult(redis, result(campaign, 't1', w))));
    assert.equal(outcomes.filter((o) => o.stored).length, 1);
    const winner = outcomes.find((o) => o.stored)?.result.worker.name;
    for (const o of outcomes) assert.equal(o.result.worker.name, winner, 'losers get the stored result back');
    assert.equal((await getTrialResult(redis, campaign, 't1'))?.worker.name, winner);
    assert.equal(await redis.zcard(KEYS.campaignResults(campaign)), 1);
    const { reports } = await readTrialReports(redis, '0', 100_000);
    assert.deepEqual(
      reports.filter((r) => r.campaign_id === campaign).map(({ id: _id, ...r }) => r),
      [{ type: 'trial_result', campaign_id: campaign, trial_id: 't1', status: 'completed' }],
    );
    assert.equal(await redis.exists(KEYS.campaignEvents(campaign)), 0, 'the campaign stream is the controller\'s alone');
  });

  it('rejects a result that does not validate, writing nothing', async () => {
    const campaign = `c${Date.now()}x`;
    const bad = { ...result(campaign, 't1', 'w'), status: 'maybe' } as unknown as TrialResult;
    await assert.rejects(storeTrialResult(redis, bad));
    assert.equal(await redis.exists(KEYS.trialResult(campaign, 't1')), 0);
  });

  it('lists a campaign in finishing order', async () => {
    const campaign = `c${Date.now()}y`;
    const base = Date.now();
    for (const t of ['b', 'a', 'c']) await storeTrialResult(redis, { ...result(campaign, t, 'w'), finished_at: new Date(base + 1000 * t.charCodeAt(0)).toISOString() });
    assert.deepEqual((await listTrialResults(redis, campaign)).map((r) => r.trial_id), ['a', 'b', 'c']);
  });
});

describe('worker registry', () => {
  const info = (name: string): WorkerInfo => ({
    name, host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: { zone: 'a' }, pid: 1, concurrency: 1,
    queues: ['alloctune-trials'], allocators: [{ name: 'glibc', path: null, version: '2.36' }], started_at: new Date().toISOString(), last_seen_ms: 0, active_trials: [],
  });

  it('lists workers with a recent heartbeat only, and forgets unregistered ones', async () => {
    const now = Date.now();
    await heartbeatWorker(redis, info('fresh'), now);
    await heartbeatWorker(redis, info('stale'), now - 60_000);
    const names = (await listWorkers(redis, 15_000, now)).map((w) => w.name);
    assert.ok(names.includes('fresh'));
    assert.ok(!names.includes('stale'));
    assert.equal((await listWorkers(redis, 15_000, now)).find((w) => w.name === 'fresh')?.last_seen_ms, now);
    await unregisterWorker(redis, 'fresh');
    assert.ok(!(await listWorkers(redis, 15_000, now)).some((w) => w.name === 'fresh'));
  });
});
