import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { isInFlight, type CampaignRecord } from '../../src/core/campaign-record.js';
import { trialJobId } from '../../src/core/trial-job.js';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { readEventsAfter, type CampaignEvent } from '../../src/store/campaign-events.js';
import { CampaignStore, newCampaignId } from '../../src/store/campaign-store.js';
import { ControllerLease } from '../../src/store/controller-lease.js';
import { KEYS } from '../../src/store/keys.js';
import { loadReportsCursor, readTrialReports } from '../../src/store/trial-events.js';
import { completeJob, FakeTrialQueue, redisWithFakeWorker } from '../helpers/fake-trial-queue.js';
import { smallCampaign } from '../helpers/small-campaign.js';

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  ({ redis, stop: stopRedis } = await redisWithFakeWorker('alloctune-controller-'));
});
after(() => stopRedis());

/** Controller with the fake queue; the registry's fake worker stays live for the whole file. */
function controllerWith(queue: FakeTrialQueue): CampaignController {
  return new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
}

const spec = (overrides: Parameters<typeof smallCampaign>[0] = {}) => CampaignSpecSchema.parse(smallCampaign(overrides));

async function events(id: string): Promise<CampaignEvent[]> {
  return readEventsAfter(redis, id, '0', 100_000);
}

/** Tick, then let the fake worker measure every waiting job of `id`, until the campaign stops. */
async function runToEnd(controller: CampaignController, queue: FakeTrialQueue, ids: readonly string[], maxTicks = 60): Promise<void> {
  for (let i = 0; i < maxTicks; i++) {
    await controller.tick();
    const states = await Promise.all(ids.map(async (id) => (await controller.record(id)).state));
    if (states.every((s) => s !== 'running')) return;
    for (const id of ids) for (const job of queue.take(id)) await completeJob(redis, job, 'w1');
  }
  assert.fail(`campaigns ${ids.join(', ')} still running after ${maxTicks} passes`);
}

describe('campaign controller against a temporary Redis and a fake queue', () => {
  it('explores, stops at the budget, plans the confirmation round and finishes', async () => {
    const queue = new FakeTrialQueue();
    const controller = controllerWith(queue);
    const { id } = await controller.create(spec());
    await controller.tick();
    const first = await controller.trials(id);
    assert.deepEqual(first.map((t) => t.role), ['baseline', 'placebo', 'explore', 'explore'], 'baseline, placebo, then proposals for the free slots');
    assert.ok(first.every((t) => t.state === 'queued'));
    assert.equal(queue.jobs(id).length, 4);

    await runToEnd(controller, queue, [id]);
    const record = await controller.record(id);
    assert.equal(record.state, 'finished');
    assert.match(record.stop_reason ?? '', /^trial_budget: 4 of 4 trials used/);
    const trials = await controller.trials(id);
    assert.equal(trials.filter((t) => t.role === 'explore').length, 4, 'the trial budget');
    // Sequential confirmation: the placebo (identical values) is futile at the first look (3 pairs); the
    // leader's noise-free 40% gain can only pass the rank test (t needs spread), which needs more pairs.
    const pairsOf = (duelId: string) => new Set(trials.filter((t) => t.role === 'duel' && t.duel?.duel_id === duelId).map((t) => t.duel?.pair_index)).size;
    assert.equal(pairsOf('d1'), 3, 'the placebo (d1) stops for futility at the first look');
    const leaderPairs = pairsOf('d2');
    assert.ok(leaderPairs > 3 && leaderPairs <= 12, `the leader's duel (d2) was extended past the first look, within max_pairs: ${leaderPairs}`);
    const board = await controller.leaderboard(id);
    const leader = board.rows.find((r) => r.role === 'explore' && r.verdict);
    assert.equal(leader?.verdict?.rule, 'sequential');
    assert.equal(leader?.verdict?.action, 'claim', leader?.verdict?.reason);
    assert.equal(leader?.verdict?.pairs, leaderPairs);
    const extended = (await events(id)).filter((e) => e.type === 'duels_extended');
    assert.equal(extended.length, leaderPairs - 3, 'one extension per pair past the first look');
    assert.ok(trials.every((t) => t.state === 'completed'));
    const types = (await events(id)).map((e) => e.type);
    assert.equal(types.filter((t) => t === 'duels_planned').length, 1);
    assert.equal(types.filter((t) => t === 'trial_completed').length, trials.length, 'one completion event per trial');
    assert.equal(types.filter((t) => t === 'trial_started').length, trials.length, 'each start relayed once');
    assert.equal(types.at(-1), 'campaign_finished');
    assert.ok(board.rows.find((r) => r.arm === 'baseline')?.objective, 'the leaderboard reads the resolved objective key');
  });

  it('a cancel racing a tick is never followed by an enqueue, and withdraws everything queued (50 runs)', async () => {
    const rng = new SeededRng(13);
    for (let run = 0; run < 50; run++) {
      const queue = new FakeTrialQueue();
      const controller = controllerWith(queue);
      const { id } = await controller.create(spec({ name: `race ${run}` }));
      const tick = controller.tick();
      // Land the cancel anywhere in the pass: before the baseline, between proposals, after the last.
      const turns = rng.int(0, 60);
      for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
      let callsAtCancel = -1;
      const cancelled = controller.cancel(id).then((record) => {
        callsAtCancel = queue.calls.length;
        return record;
      });
      const [, record] = await Promise.all([tick, cancelled]);
      await controller.tick();
      assert.equal(record.state, 'cancelled', `run ${run}`);
      const late = queue.calls.slice(callsAtCancel).filter((c) => c.op === 'enqueue' && c.campaign_id === id);
      assert.deepEqual(late, [], `run ${run} (cancel after ${turns} turns): nothing enqueued after the cancel`);
      assert.deepEqual(queue.jobs(id), [], `run ${run}: every queued trial was withdrawn`);
      const stored = await new CampaignStore(redis).trials(id);
      const enqueued = new Set(queue.calls.filter((c) => c.op === 'enqueue' && c.campaign_id === id).map((c) => c.job_id));
      assert.deepEqual(stored.filter(isInFlight), [], `run ${run}: no trial left in flight`);
      const withdrawn = new Set(stored.filter((t) => t.state === 'withdrawn').map((t) => trialJobId(t)));
      for (const jobId of enqueued) assert.ok(withdrawn.has(jobId), `run ${run}: the record of ${jobId} says it was withdrawn`);
    }
  });

  it('a campaign whose metric cannot be resolved, and one whose processing throws, fail alone while another finishes', async () => {
    const store = new CampaignStore(redis);
    // A record as an older version stored it (no resolved metrics), naming a metric no workload reports.
    const prepared = prepareCampaign(spec());
    const now = new Date().toISOString();
    const broken: CampaignRecord = {
      id: newCampaignId(),
      spec: { ...prepared.spec, objective: { metric: 'no_such_metric_bytes', direction: 'min' } },
      state: 'running',
      created_at: now,
      updated_at: now,
      baseline_config: prepared.baselineConfig,
      reference_configs: [],
    };
    await store.create(broken);
    const queue = new FakeTrialQueue();
    const controller = controllerWith(queue);
    await controller.resumeAll();
    const throwing = await controller.create(spec({ name: 'refused by the queue' }));
    queue.refuse.add(throwing.id);
    const healthy = await controller.create(spec({ name: 'healthy' }));
    await runToEnd(controller, queue, [healthy.id, throwing.id, broken.id]);

    const unresolved = await store.get(broken.id);
    assert.equal(unresolved?.state, 'failed');
    assert.match(unresolved?.stop_reason ?? '', /no workload of this campaign reports 'no_such_metric_bytes'/);
    const refused = await store.get(throwing.id);
    assert.equal(refused?.state, 'failed');
    assert.match(refused?.stop_reason ?? '', /queue refuses jobs of/);
    assert.equal((await store.get(healthy.id))?.state, 'finished');
    for (const id of [broken.id, throwing.id]) {
      const finished = (await events(id)).filter((e) => e.type === 'campaign_finished');
      assert.equal(finished.length, 1);
      assert.equal(finished[0]?.data['state'], 'failed');
    }
    const record = await controller.record(broken.id);
    assert.equal(record.state, 'failed', 'a failed campaign stays readable');
  });

  it('a restarted controller resumes reading results at its stored cursor: none lost, none applied twice', async () => {
    const store = new CampaignStore(redis);
    const queue = new FakeTrialQueue();
    const first = controllerWith(queue);
    const { id } = await first.create(spec({ name: 'restart' }));
    await first.tick();
    const jobs = queue.take(id);
    assert.equal(jobs.length, 4);
    for (const job of jobs.slice(0, 2)) await completeJob(redis, job, 'w1');
    await first.tick();
    await first.stop();
    const cursor = await loadReportsCursor(redis);
    assert.ok(cursor !== undefined, 'the cursor is stored');
    // Results stored while no controller runs.
    for (const job of jobs.slice(2)) await completeJob(redis, job, 'w1');
    const unread = (await readTrialReports(redis, cursor, 100_000)).entries;
    assert.ok(unread >= 4, 'two starts and two results after the cursor');

    const second = controllerWith(queue);
    await second.resumeAll();
    await second.tick();
    assert.equal(second.reportsRead, unread, 'read from the cursor on, not from the start of the stream');
    const trials = await store.trials(id);
    for (const job of jobs) assert.equal(trials.find((t) => t.trial_id === job.trial_id)?.state, 'completed', `${job.trial_id} applied`);
    const completions = (await events(id)).filter((e) => e.type === 'trial_completed').map((e) => e.data['trial_id']);
    assert.deepEqual([...completions].sort(), jobs.map((j) => j.trial_id).sort(), 'each result announced exactly once');
    const snapshot = (await store.loadOptimizerState(id)) as { observed_trial_ids: string[] };
    assert.deepEqual([...snapshot.observed_trial_ids].sort(), jobs.map((j) => j.trial_id).sort(), 'the sampler learnt each result once');
    await second.cancel(id);
  });

  it('runs on one service per Redis: a second controller is refused while another holds the lease', async () => {
    const make = () => new CampaignController({ redis, queue: new FakeTrialQueue(), workerTimeoutMs: 3_600_000, leaseTtlMs: 800 });
    const first = make();
    await first.start();
    const second = make();
    const started = Date.now();
    await assert.rejects(second.start(), (err: unknown) => isAlloctuneError(err) && err.code === 'ALLOCTUNE_ERR_CONFLICT' && /another alloctune service \(pid \d+ [0-9a-f]+\)/.test(err.message));
    assert.ok(Date.now() - started >= 800, 'a crashed holder gets its lease TTL to expire first');
    await first.stop();
    const next = make();
    await next.start(); // released on stop: free at once
    await next.stop();
    // A holder killed without releasing: its lease runs out by itself.
    await new ControllerLease(redis, 800).takeOrRenew();
    const successor = make();
    await successor.start();
    await successor.stop();
  });

  it('a holder whose lease another service took writes nothing more: the next pass stops before any step', async () => {
    const queue = new FakeTrialQueue();
    const lines: string[] = [];
    const { id } = await controllerWith(queue).create(spec());
    const holder = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000, leaseTtlMs: 60_000, tickMs: 3_600_000, log: (l) => lines.push(l) });
    await holder.start(); // resumes the campaign; its first pass is a timer that has not fired yet
    // The lease lapsed while this process was blocked (a long pass) and a waiting service took it.
    // Both commands are queued on the shared connection before the first pass can send its own.
    const usurper = new ControllerLease(redis, 60_000);
    const [, took] = await Promise.all([redis.del(KEYS.controllerLease), usurper.takeOrRenew()]);
    assert.ok(took);
    await holder.tick();
    assert.deepEqual(await holder.trials(id), [], 'no trial planned');
    assert.equal(queue.jobs(id).length, 0, 'nothing enqueued');
    assert.ok(lines.some((l) => l.includes(`controller lease taken by ${usurper.holder}: stopping the control loop`)), lines.join('\n'));
    assert.equal(await usurper.currentHolder(), usurper.holder, 'the new holder keeps the lease');
    await holder.stop();
    await usurper.release();
    // The same steps under a held lease do plan trials (the check above could fail).
    const fresh = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000, leaseTtlMs: 60_000, tickMs: 3_600_000 });
    await fresh.start();
    await fresh.tick();
    assert.ok((await fresh.trials(id)).length > 0, 'the resumed campaign plans its first trials');
    await fresh.cancel(id);
    await fresh.stop();
  });
});
