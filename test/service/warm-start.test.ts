import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema, type CampaignSpecInput } from '../../src/core/campaign-spec.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { completeJob, FakeTrialQueue, redisWithFakeWorker } from '../helpers/fake-trial-queue.js';
import { smallCampaign } from '../helpers/small-campaign.js';

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  ({ redis, stop: stopRedis } = await redisWithFakeWorker('alloctune-warm-start-'));
});
after(() => stopRedis());

const gpCampaign = (overrides: Partial<CampaignSpecInput> = {}) => CampaignSpecSchema.parse(smallCampaign({ sampler: 'gp', budget: { trials: 12, minutes: 10 }, duel: { enabled: false }, ...overrides }));

async function runToEnd(controller: CampaignController, queue: FakeTrialQueue, id: string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    await controller.tick();
    if ((await controller.record(id)).state !== 'running') return;
    for (const job of queue.take(id)) await completeJob(redis, job, 'w1');
  }
  assert.fail(`campaign ${id} still running`);
}

/** The configs of a new campaign's first exploration proposals (one controller pass). */
async function firstProposals(controller: CampaignController, id: string): Promise<string[]> {
  await controller.tick();
  return (await controller.trials(id)).filter((t) => t.role === 'explore').map((t) => t.config_key);
}

async function rejection(controller: CampaignController, spec: ReturnType<typeof gpCampaign>): Promise<{ field: unknown; message: string }> {
  try {
    await controller.create(spec);
  } catch (err) {
    assert.ok(isAlloctuneError(err), `an AlloctuneError, got ${String(err)}`);
    assert.equal(err.status, 400);
    return { field: err.params['field'], message: err.message };
  }
  return assert.fail('the campaign was created');
}

describe('warm start from earlier campaigns (real Redis, fake worker results)', () => {
  const queue = new FakeTrialQueue();
  let controller: CampaignController;
  let sourceId = '';
  let sourceExplored = 0;

  before(async () => {
    controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const source = await controller.create(gpCampaign({ name: 'source', seed: 5 }));
    await runToEnd(controller, queue, source.id);
    sourceId = source.id;
    sourceExplored = (await controller.trials(sourceId)).filter((t) => t.role === 'explore' && t.state === 'completed').length;
    assert.ok(sourceExplored >= 10, `the source explored (${sourceExplored} trials)`);
  });

  it('seeds the sampler: first proposals differ from a cold start, the record names the source, nothing of it is a trial', async () => {
    // One campaign at a time: campaigns running together share the worker's slots.
    const cold = await controller.create(gpCampaign({ name: 'cold' }));
    const coldFirst = await firstProposals(controller, cold.id);
    await controller.cancel(cold.id);
    const warm = await controller.create(gpCampaign({ name: 'warm', warm_start: [sourceId] }));
    assert.deepEqual(warm.warm_start?.sources, [{ campaign_id: sourceId, name: 'source', observations: sourceExplored }]);
    assert.equal(warm.warm_start?.mode, 'explicit');
    const warmFirst = await firstProposals(controller, warm.id);
    assert.ok(warmFirst.length > 0 && coldFirst.length > 0);
    assert.notDeepEqual(warmFirst, coldFirst, 'the prior observations change what is proposed');
    const trials = await controller.trials(warm.id);
    assert.deepEqual(trials.slice(0, 2).map((t) => t.role), ['baseline', 'placebo'], 'a fresh baseline and placebo are measured');
    assert.ok(trials.every((t) => t.campaign_id === warm.id));
    assert.equal(trials.filter((t) => t.role === 'explore').length, warmFirst.length, 'prior observations are not trials of the new campaign');
    const sourceKeys = new Set((await controller.trials(sourceId)).map((t) => t.trial_id));
    const board = await controller.leaderboard(warm.id);
    assert.ok(board.rows.every((r) => ['baseline', 'placebo'].includes(r.arm) || trials.some((t) => t.trial_id === r.arm)), 'the leaderboard holds only its own arms');
    assert.ok(sourceKeys.size > 0);
    await controller.cancel(warm.id);
  });

  it('is deterministic: same seed and same source give the same proposals', async () => {
    const a = await controller.create(gpCampaign({ name: 'a', seed: 21, warm_start: [sourceId] }));
    const first = await firstProposals(controller, a.id);
    await controller.cancel(a.id);
    const b = await controller.create(gpCampaign({ name: 'b', seed: 21, warm_start: [sourceId] }));
    assert.ok(first.length > 0);
    assert.deepEqual(await firstProposals(controller, b.id), first);
    await controller.cancel(b.id);
  });

  it('auto picks the most recent finished matching campaign', async () => {
    const auto = await controller.create(gpCampaign({ name: 'auto', warm_start: 'auto' }));
    assert.equal(auto.warm_start?.mode, 'auto');
    assert.deepEqual(auto.warm_start?.sources.map((s) => s.campaign_id), [sourceId], 'only the finished source matches (the others were cancelled)');
    await controller.cancel(auto.id);
  });

  it('rejects a warm start that cannot seed this campaign with a 400 naming warm_start.<i> and why', async () => {
    const missing = await rejection(controller, gpCampaign({ warm_start: [sourceId, 'c-nope'] }));
    assert.equal(missing.field, 'warm_start.1');
    assert.match(missing.message, /no campaign c-nope/);

    const running = await controller.create(gpCampaign({ name: 'running' }));
    const stillRunning = await rejection(controller, gpCampaign({ warm_start: [running.id] }));
    assert.equal(stillRunning.field, 'warm_start.0');
    assert.match(stillRunning.message, /still running/);
    await controller.cancel(running.id);

    const otherWorkload = await rejection(controller, gpCampaign({ warm_start: [sourceId], workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 16, 'snapshot-ms': '0,300' } }] }));
    assert.equal(otherWorkload.field, 'warm_start.0');
    assert.match(otherWorkload.message, /different workload options/);

    const otherSpace = await rejection(controller, gpCampaign({ warm_start: [sourceId], space: { freeze: { narenas: 4 } } }));
    assert.equal(otherSpace.field, 'warm_start.0');
    assert.match(otherSpace.message, /different space \(digest [0-9a-f]{16}/);

    const otherObjective = await rejection(controller, gpCampaign({ warm_start: [sourceId], objective: { metric: 'rss_bytes_at_0ms', direction: 'min' } }));
    assert.equal(otherObjective.field, 'warm_start.0');
    assert.match(otherObjective.message, /optimised min rss_bytes_at_300ms/);

    const twice = await rejection(controller, gpCampaign({ warm_start: [sourceId, sourceId] }));
    assert.equal(twice.field, 'warm_start');
  });
});
