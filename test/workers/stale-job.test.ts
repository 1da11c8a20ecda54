import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { KEYS } from '../../src/store/keys.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

// A worker killed with SIGKILL leaves its job active; BullMQ's stalled check puts it back in the
// queue. If the campaign finished meanwhile, the next worker must drop it, never run it.
const TOKEN = 'stale-token';
const WORKER = 'stale-w1';

describe('a job left active by a killed worker, after its campaign was cancelled', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  let redis: Redis;
  const workers: CliProcess[] = [];

  before(async () => {
    redisServer = await startTempRedis('alloctune-stale-');
    redis = new Redis(redisServer.server.url);
    service = await startService({ redisUrl: redisServer.server.url, token: TOKEN, controllerTickMs: 200 });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.stop(2000)));
    await service.close();
    redis.disconnect();
    await redisServer.stop();
  });

  async function events(campaignId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
    const entries = await redis.xrange(KEYS.campaignEvents(campaignId), '-', '+');
    return entries.map(([, fields]) => ({ type: fields[1] ?? '', data: JSON.parse(fields[3] ?? '{}') as Record<string, unknown> }));
  }

  it('is dropped by the worker that takes it over, and no result is stored', async () => {
    const first = startWorker(redisServer.server.url, WORKER);
    workers.push(first);
    // Trials that take 30 s: the harness reads memory 30 s after its free burst.
    const spec = smallCampaign({
      workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,30000' } }],
      objective: { metric: 'rss_bytes_at_30000ms', direction: 'min' },
      constraints: [],
    });
    const created = await fetch(`${service.url}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(spec),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const id = ((await created.json()) as { campaign: { id: string } }).campaign.id;

    const started = await until('a trial started on the first worker', async () => (await events(id)).find((e) => e.type === 'trial_started'), 60_000, first.log);
    const trialId = String(started.data['trial_id']);
    first.proc.kill('SIGKILL');
    await first.proc.done;

    const cancelled = await fetch(`${service.url}/v1/campaigns/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(cancelled.status, 200, await cancelled.clone().text());

    // Same name: it listens on the same queues, and its stalled check returns the job to waiting.
    const second = await until('a second worker with the same name', async () => {
      const candidate = startWorker(redisServer.server.url, WORKER);
      workers.push(candidate);
      const exited = (): boolean => candidate.proc.child.exitCode !== null || candidate.proc.child.signalCode !== null;
      const state = await until('ready or refused', async () => (/ready/.test(candidate.log()) ? 'ready' : exited() ? 'refused' : undefined), 60_000);
      return state === 'ready' ? candidate : undefined;
    }, 30_000);
    const dropped = new RegExp(`trial ${id}--${trialId}: dropped, not run: withdrawn by the service`);
    // Either outcome ends the wait: the job dropped (right) or started again (the bug).
    await until('the stale job taken over', async () => dropped.test(second.log()) || /: start \(attempt/.test(second.log()), 60_000, second.log);
    assert.match(second.log(), dropped);

    assert.doesNotMatch(second.log(), /: start \(attempt/, 'the second worker ran nothing');
    assert.equal((await events(id)).filter((e) => e.type === 'trial_started').length, 1, 'only the first run ever started');
    assert.equal(await getTrialResult(redis, id, trialId), undefined, 'no result stored');
  });
});
