import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { isInFlight } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { trialJobId } from '../../src/core/trial-job.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { readEventsAfter } from '../../src/store/campaign-events.js';
import { heartbeatWorker } from '../../src/store/worker-registry.js';
import { completeJob, failJob, FakeTrialQueue, fakeWorker } from '../helpers/fake-trial-queue.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  const temp = await startTempRedis('alloctune-states-');
  stopRedis = temp.stop;
  redis = new Redis(temp.server.url);
});
after(async () => {
  redis.disconnect();
  await stopRedis();
});

const spec = (overrides: Parameters<typeof smallCampaign>[0] = {}) => CampaignSpecSchema.parse(smallCampaign(overrides));

/** A fake worker with routing labels and the trials it reports running. */
async function register(name: string, labels: Record<string, string>, activeJobIds: string[] = []): Promise<void> {
  await heartbeatWorker(redis, { ...fakeWorker(name, 4), labels, active_trials: activeJobIds });
}

async function eventTypes(id: string): Promise<string[]> {
  return (await readEventsAfter(redis, id, '0', 100_000)).map((e) => (e.type === 'campaign_state' ? `campaign_state:${String(e.data['state'])}` : e.type));
}

describe('honest campaign states (controller, real Redis, fake queue)', () => {
  it('waits for a worker with its labels, enqueues nothing meanwhile, and runs once one appears', async () => {
    await register('plain', { worker: 'plain' });
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const { id, state, waiting_for } = await controller.create(spec({ worker_labels: { zone: 'b' } }));
    assert.equal(state, 'waiting_for_workers');
    assert.deepEqual(waiting_for?.worker_labels, { zone: 'b' });
    assert.match(waiting_for?.reason ?? '', /plain lacks label zone=b/);
    for (let i = 0; i < 3; i++) await controller.tick();
    assert.equal((await controller.record(id)).state, 'waiting_for_workers');
    assert.deepEqual(queue.calls.filter((c) => c.campaign_id === id), [], 'nothing queued while no worker could take it');
    assert.deepEqual(await controller.trials(id), []);

    await register('zoned', { worker: 'zoned', zone: 'b' });
    await controller.tick();
    const record = await controller.record(id);
    assert.equal(record.state, 'running');
    assert.equal(record.waiting_for, undefined, 'no stale waiting detail');
    assert.ok(queue.jobs(id).length >= 2, 'baseline and placebo queued');
    assert.deepEqual((await eventTypes(id)).filter((t) => t.startsWith('campaign_')), ['campaign_created', 'campaign_state:running']);
    await controller.cancel(id);
  });

  it('cancelling while a trial runs: queued trials withdrawn at once, cancelled once the running one reports; a second cancel is a 409', async () => {
    await register('w1', { worker: 'w1' });
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const { id } = await controller.create(spec({ name: 'cancel while running' }));
    await controller.tick();
    const queued = queue.jobs(id).length;
    assert.ok(queued >= 3, `${queued} trials queued`);
    const [running] = queue.take(id, 1);
    assert.ok(running);
    await register('w1', { worker: 'w1' }, [trialJobId(running)]);

    const cancelling = await controller.cancel(id);
    assert.equal(cancelling.state, 'cancelling');
    const during = await controller.trials(id);
    assert.equal(during.filter(isInFlight).length, 1, 'only the running trial is still in flight');
    assert.equal(during.filter((t) => t.state === 'withdrawn').length, queued - 1, 'every waiting trial withdrawn');
    assert.deepEqual(queue.jobs(id), [], 'nothing left in the queue');
    await assert.rejects(controller.cancel(id), (err: unknown) => isAlloctuneError(err) && err.status === 409 && /already cancelling: 1 running trial/.test(err.message));

    await controller.tick();
    assert.equal((await controller.record(id)).state, 'cancelling', 'waits for the running trial');
    await completeJob(redis, running, 'w1');
    await controller.tick();
    const done = await controller.record(id);
    assert.equal(done.state, 'cancelled');
    assert.equal(done.stop_reason, 'cancelled by request');
    const trials = await controller.trials(id);
    assert.equal(trials.filter(isInFlight).length, 0);
    assert.equal(trials.find((t) => t.trial_id === running.trial_id)?.state, 'completed', 'the running trial was measured and kept');
    assert.deepEqual((await eventTypes(id)).filter((t) => t.startsWith('campaign_')), ['campaign_created', 'campaign_state:cancelling', 'campaign_finished']);
    await assert.rejects(controller.cancel(id), (err: unknown) => isAlloctuneError(err) && err.code === 'ALLOCTUNE_ERR_CONFLICT' && /already cancelled/.test(err.message));
  });

  it('a cancel does not wait for a trial no live worker runs (its worker died): withdrawn after the grace period', async () => {
    await register('w1', { worker: 'w1' });
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000, cancelGraceMs: 300 });
    const { id } = await controller.create(spec({ name: 'cancel orphan' }));
    await controller.tick();
    const [lost] = queue.take(id, 1);
    assert.ok(lost);
    assert.equal((await controller.cancel(id)).state, 'cancelling');
    await controller.tick();
    assert.equal((await controller.record(id)).state, 'cancelling', 'within the grace period');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await controller.tick();
    assert.equal((await controller.record(id)).state, 'cancelled');
    const trials = await controller.trials(id);
    assert.equal(trials.find((t) => t.trial_id === lost.trial_id)?.state, 'withdrawn');
    assert.equal(trials.filter(isInFlight).length, 0);
  });

  it('a baseline that fails with an input error fails the campaign at once with that reason', async () => {
    await register('w1', { worker: 'w1' });
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const { id } = await controller.create(spec({ name: 'bad baseline' }));
    await controller.tick();
    const jobs = queue.take(id);
    const baseline = jobs.find((j) => j.trial_id === 't1');
    assert.ok(baseline, 'the baseline is the first trial');
    await failJob(redis, baseline, 'w1', { code: 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED', message: 'allocator rejected the config: <jemalloc>: Invalid conf value: narenas:0' });
    await controller.tick();
    const record = await controller.record(id);
    assert.equal(record.state, 'failed');
    assert.match(record.stop_reason ?? '', /^baseline trial t1 failed: ALLOCTUNE_ERR_ALLOCATOR_REJECTED: .*Invalid conf value: narenas:0/);
    assert.equal((await controller.trials(id)).filter(isInFlight).length, 0, 'the other trials are withdrawn');

    // A failure that blames the machine (a lost worker is retried elsewhere) does not.
    const other = await controller.create(spec({ name: 'lost baseline' }));
    await controller.tick();
    const otherBaseline = queue.take(other.id).find((j) => j.trial_id === 't1');
    assert.ok(otherBaseline);
    await failJob(redis, otherBaseline, 'w1', { code: 'ALLOCTUNE_ERR_TARGET_CRASHED', message: 'allocbench killed by SIGKILL' });
    await controller.tick();
    assert.notEqual((await controller.record(other.id)).state, 'failed');
    await controller.cancel(other.id);
  });
});
