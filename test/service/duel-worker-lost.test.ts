import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { collectDuels } from '../../src/service/duel-plan.js';
import { CampaignStore } from '../../src/store/campaign-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startCli, startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'duel-lost-token';
const PAIRS = 6;

describe('the duel worker is killed in the middle of the confirmation round', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let redis: Redis;
  const procs: CliProcess[] = [];

  before(async () => {
    redisServer = await startTempRedis();
    redis = new Redis(redisServer.server.url);
    procs.push(startWorker(redisServer.server.url, 'lost-w1', '1', '0'), startWorker(redisServer.server.url, 'lost-w2', '0', '1'));
    await until('two workers', async () => (await listWorkers(redis)).length === 2, 30_000, () => procs.map((p) => p.log()).join('\n'));
  });
  after(async () => {
    for (const p of procs) await p.stop(2000);
    redis.disconnect();
    await redisServer.stop();
  });

  it('re-runs the unfinished pairs on the other worker and finishes with every pair complete', async () => {
    const serve = startCli(['serve', '--redis', redisServer.server.url, '--port', '0', '--worker-timeout-ms', '3000'], { ALLOCTUNE_TOKEN: TOKEN });
    procs.push(serve);
    const url = await until('service to listen', async () => /serving on (http:\/\/[0-9.:]+)/.exec(serve.log())?.[1], 30_000, serve.log);
    // ~0.4 s per trial (8 MiB, snapshot 300 ms): 2 duels x 6 pairs x 2 sides take ~10 s on one worker.
    const res = await fetch(`${url}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(smallCampaign({ budget: { trials: 4, minutes: 10 }, duel: { candidates: 1, pairs: PAIRS, confirm: { rule: 'fixed' } } })),
    });
    assert.equal(res.status, 201);
    const id = ((await res.json()) as { campaign: { id: string } }).campaign.id;
    const store = new CampaignStore(redis);

    const duelWorker = await until('two duel trials done', async () => {
      const duels = (await store.trials(id)).filter((t) => t.role === 'duel');
      return duels.filter((t) => t.state === 'completed').length >= 2 ? duels[0]?.worker : undefined;
    }, 180_000, serve.log);
    const victim = procs.find((p) => p.proc.child.spawnargs.includes(duelWorker ?? ''));
    assert.ok(victim, `duel worker ${duelWorker} is one of ours`);
    victim.proc.kill('SIGKILL');
    await victim.proc.done;
    const survivor = duelWorker === 'lost-w1' ? 'lost-w2' : 'lost-w1';

    const finished = await until('the campaign to finish', async () => {
      const r = await store.get(id);
      return r && r.state !== 'running' ? r : undefined;
    }, 180_000, serve.log);
    assert.equal(finished.state, 'finished');
    assert.doesNotMatch(finished.stop_reason ?? '', /wall_time/, 'finished by its duels, not by the clock');
    assert.match(serve.log(), new RegExp(`duel pairs re-planned on ${survivor} \\(lost ${duelWorker}\\)`));

    const trials = await store.trials(id);
    assert.ok(trials.every((t) => t.state === 'completed' || t.state === 'failed'), 'nothing left in flight');
    const lost = trials.filter((t) => t.role === 'duel' && t.error?.code === 'ALLOCTUNE_ERR_WORKER_LOST');
    assert.ok(lost.length >= 1, 'the unfinished duel trials failed as WORKER_LOST');
    for (const t of lost) assert.equal(t.error?.params['worker'], duelWorker);
    const rerun = trials.filter((t) => t.role === 'duel' && t.worker === survivor);
    assert.ok(rerun.length >= 2 && rerun.every((t) => t.state === 'completed'), 'replacement pairs ran on the survivor');
    const record = await store.get(id);
    assert.ok(record?.metrics, 'metrics resolved at creation and stored');
    for (const duel of collectDuels({ spec: record.spec, metrics: record.metrics }, trials)) {
      assert.equal(duel.a_values.length, PAIRS, `${duel.duel_id} (${duel.a} vs ${duel.b}) has all ${PAIRS} pairs`);
    }
  });
});
