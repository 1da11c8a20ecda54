import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { CampaignStore } from '../../src/store/campaign-store.js';
import { listResultTrialIds } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startCli, startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'restart-token';

async function startServe(redisUrl: string): Promise<{ cli: CliProcess; url: string }> {
  const cli = startCli(['serve', '--redis', redisUrl, '--port', '0'], { ALLOCTUNE_TOKEN: TOKEN });
  const url = await until('service to listen', async () => /serving on (http:\/\/[0-9.:]+)/.exec(cli.log())?.[1], 30_000, cli.log);
  return { cli, url };
}

describe('service killed mid-campaign and restarted', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let redis: Redis;
  let worker: CliProcess;
  const services: CliProcess[] = [];

  before(async () => {
    redisServer = await startTempRedis();
    redis = new Redis(redisServer.server.url);
    worker = startWorker(redisServer.server.url, 'restart-w1');
    await until('worker registration', async () => (await listWorkers(redis)).length === 1, 30_000, worker.log);
  });
  after(async () => {
    for (const s of services) await s.stop(2000);
    await worker.stop();
    redis.disconnect();
    await redisServer.stop();
  });

  it('finishes the campaign with every trial counted once', async () => {
    const first = await startServe(redisServer.server.url);
    services.push(first.cli);
    const res = await fetch(`${first.url}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(smallCampaign({ budget: { trials: 8, minutes: 10 } })),
    });
    assert.equal(res.status, 201);
    const id = ((await res.json()) as { campaign: { id: string } }).campaign.id;
    const store = new CampaignStore(redis);
    await until('a few explored trials', async () => (await store.trials(id)).filter((t) => t.role === 'explore' && t.state === 'completed').length >= 3, 120_000, first.cli.log);

    first.cli.proc.kill('SIGKILL');
    await first.cli.proc.done;
    const before = await store.trials(id);
    assert.equal((await store.get(id))?.state, 'running', 'still running while the service is down');

    const second = await startServe(redisServer.server.url);
    services.push(second.cli);
    const finished = await until('the campaign to finish', async () => {
      const r = await store.get(id);
      return r && r.state !== 'running' ? r : undefined;
    }, 240_000, second.cli.log);
    assert.equal(finished.state, 'finished');
    assert.match(second.cli.log(), new RegExp(`campaign ${id}: resumed with ${before.length} trials`));

    const trials = await store.trials(id);
    const ids = trials.map((t) => t.trial_id);
    assert.equal(new Set(ids).size, ids.length, 'no trial id twice');
    assert.equal(trials.filter((t) => t.role === 'explore').length, 8, 'exactly the budget of explored configs');
    for (const t of before) assert.ok(ids.includes(t.trial_id), `trial ${t.trial_id} from before the crash kept`);
    const results = await listResultTrialIds(redis, id);
    assert.equal(new Set(results).size, results.length, 'each result stored once');
    assert.deepEqual([...results].sort(), trials.filter((t) => t.state === 'completed' || t.state === 'failed').map((t) => t.trial_id).sort());
    assert.ok(trials.every((t) => t.state === 'completed' || t.state === 'failed'), 'nothing left in flight');
  });
});
