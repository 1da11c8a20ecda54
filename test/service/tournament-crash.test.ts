import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import type { TournamentSpecInput } from '../../src/core/tournament-spec.js';
import { TrialQueue } from '../../src/queue/trial-queue.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { TournamentController } from '../../src/service/tournament-controller.js';
import { buildTournamentView } from '../../src/service/tournament-view.js';
import { CampaignStore } from '../../src/store/campaign-store.js';
import { KEYS } from '../../src/store/keys.js';
import { TournamentStore } from '../../src/store/tournament-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startCli, startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { startStallProxy, type RedisCommand, type StallProxy } from '../helpers/redis-stall-proxy.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'tournament-crash-token';

/** Two allocators, one explore trial each, short duels: the least a tournament with a final round needs. */
function tinyTournament(name: string): TournamentSpecInput {
  return {
    name,
    allocators: ['glibc', 'jemalloc'],
    workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300' } }],
    objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
    budget: { trials: 2, minutes: 5 },
    repeats: 1,
    duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 8 } },
    distill: { enabled: false },
    sampler: 'random',
    seed: 7,
  };
}

/** The service storing the second child campaign (the atomic create script, src/store/campaign-store.ts). */
const secondChildStored = (c: RedisCommand): boolean => c[0]?.toLowerCase() === 'eval' && /^alloctune:campaign:c[0-9a-z]+_2$/.test(c[3] ?? '');

/** The service storing tournament `id` as running (every child exists). */
const storedRunning = (id: string) => (c: RedisCommand): boolean => c[0]?.toLowerCase() === 'set' && c[1] === KEYS.tournament(id) && (c[2] ?? '').includes('"state":"running"');

describe('a service killed while creating a tournament', () => {
  let temp: Awaited<ReturnType<typeof startTempRedis>>;
  let redis: Redis;
  let proxy: StallProxy;
  let worker: CliProcess;
  const services: CliProcess[] = [];

  before(async () => {
    temp = await startTempRedis('alloctune-tcrash-');
    redis = new Redis(temp.server.url);
    proxy = await startStallProxy(temp.server.port);
    // The worker talks to Redis directly: it keeps running while the service is frozen and killed.
    worker = startWorker(temp.server.url, 'tcw1');
    await until('worker registered', async () => (await listWorkers(redis)).length === 1, 60_000, worker.log);
  });
  after(async () => {
    for (const s of services) await s.stop(2000);
    await worker.stop(2000);
    await proxy.close();
    redis.disconnect();
    await temp.stop();
  });

  async function serve(redisUrl: string): Promise<{ cli: CliProcess; url: string }> {
    const cli = startCli(['serve', '--redis', redisUrl, '--port', '0'], { ALLOCTUNE_TOKEN: TOKEN });
    services.push(cli);
    const url = await until('service to listen', async () => /serving on (http:\/\/[0-9.:]+)/.exec(cli.log())?.[1], 60_000, cli.log);
    return { cli, url };
  }

  /** Kill the service where the proxy froze it; its lease would lapse in 10 s: it is dead, so free it now. */
  async function kill(cli: CliProcess): Promise<void> {
    cli.proc.kill('SIGKILL');
    await cli.proc.done;
    await redis.del(KEYS.controllerLease);
  }

  /** Post a tournament and wait until the proxy freezes the service at `stalled`: an answer first is a failure. */
  async function postUntil(url: string, body: unknown, stalled: Promise<RedisCommand>): Promise<void> {
    const answered = fetch(`${url}/v1/tournaments`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) })
      .then(async (r) => `answered ${r.status} before the stall: ${await r.text()}`, () => 'the request failed before the stall');
    const first = await Promise.race([stalled.then(() => undefined), answered]);
    assert.equal(first, undefined);
  }

  /** Every campaign record stored, indexed or not (`alloctune:campaign:<id>`, without the sub-keys). */
  async function storedCampaignIds(): Promise<string[]> {
    const keys = await redis.keys('alloctune:campaign:*');
    return keys.filter((k) => /^alloctune:campaign:[^:]+$/.test(k)).map((k) => k.slice('alloctune:campaign:'.length)).sort();
  }

  async function onlyTournamentCreating(): Promise<TournamentRecord> {
    const all = await new TournamentStore(redis).list();
    const creating = all.filter((t) => t.state === 'creating');
    assert.equal(creating.length, 1, JSON.stringify(all.map((t) => [t.id, t.state])));
    return creating[0] as TournamentRecord;
  }

  it('killed after one child and again before it is running: the restarted services adopt and create the children, no campaign is orphaned, the tournament finishes', async () => {
    // 1. Killed while storing the second child: the first exists, the second does not.
    const first = await serve(proxy.url);
    const stalled = proxy.stallOn(secondChildStored);
    await postUntil(first.url, tinyTournament('crash mid-children'), stalled);
    await kill(first.cli);
    const planned = await onlyTournamentCreating();
    const [one, two] = planned.children;
    assert.deepEqual(planned.children.map((c) => c.allocator), ['glibc', 'jemalloc']);
    assert.deepEqual(await storedCampaignIds(), [one?.campaign_id], 'the first child was stored whole, the second not at all');
    assert.deepEqual((await new CampaignStore(redis).list()).map((c) => c.id), [one?.campaign_id], 'the stored child is indexed (it resumes)');

    // 2. The restarted service adopts the first, creates the second, and is killed storing the tournament as running.
    // Armed before the service starts: it resumes the tournament on its first pass.
    const running = proxy.stallOn(storedRunning(planned.id));
    const second = await serve(proxy.url);
    await running;
    await kill(second.cli);
    assert.match(second.cli.log(), new RegExp(`child ${one?.campaign_id} \\(glibc\\) already exists: adopted`));
    assert.match(second.cli.log(), new RegExp(`child ${two?.campaign_id} \\(jemalloc\\) created`));
    assert.equal((await onlyTournamentCreating()).id, planned.id);
    assert.deepEqual(await storedCampaignIds(), planned.children.map((c) => c.campaign_id).sort());

    // 3. Restarted straight on Redis: both children exist, the tournament runs to its end.
    const third = await serve(temp.server.url);
    const done = await until('tournament finished', async () => {
      const t = await new TournamentStore(redis).get(planned.id);
      return t && (t.state === 'finished' || t.state === 'failed') ? t : undefined;
    }, 240_000, () => third.cli.log() + worker.log());
    assert.equal(done.state, 'finished', done.stop_reason);
    assert.deepEqual(done.children, planned.children, 'the children planned before the first crash, kept once');
    assert.match(third.cli.log(), new RegExp(`tournament ${planned.id}: child ${two?.campaign_id} \\(jemalloc\\) already exists: adopted`));
    assert.doesNotMatch(third.cli.log(), /\) created/, 'nothing created twice');
    for (const c of done.children) assert.equal((await new CampaignStore(redis).get(c.campaign_id))?.state, 'finished', c.campaign_id);
    assert.equal(done.rounds[0]?.status, 'done', done.rounds[0]?.reason);
    assert.ok((done.rounds[0]?.trials.filter((t) => t.state === 'completed').length ?? 0) > 0, 'the final round measured blocks');
    // No orphan: every campaign stored is one of the tournament's children.
    assert.deepEqual(await storedCampaignIds(), done.children.map((c) => c.campaign_id).sort());
    await third.cli.stop();
  });

  it('cancelled while creating (after a crash), it cancels the children that exist and never creates the others', async () => {
    const before = await storedCampaignIds();
    const service = await serve(proxy.url);
    const stalled = proxy.stallOn(secondChildStored);
    await postUntil(service.url, tinyTournament('crash then cancel'), stalled);
    await kill(service.cli);
    const planned = await onlyTournamentCreating();
    const [one, two] = planned.children;
    // Controllers driven by hand (no loop), so that the cancel comes before any resume.
    const queue = new TrialQueue(temp.server.url);
    const campaigns = new CampaignController({ redis, queue });
    const tournaments = new TournamentController({ redis, queue, campaigns });
    try {
      await campaigns.resumeAll();
      const cancelling = await tournaments.cancel(planned.id);
      assert.equal(cancelling.state, 'cancelling');
      const end = await until('tournament cancelled', async () => {
        await campaigns.tick();
        await tournaments.tick();
        const t = await tournaments.record(planned.id);
        return t.state === 'cancelled' ? t : undefined;
      }, 60_000, worker.log);
      assert.equal(end.stop_reason, 'cancelled by request');
      assert.equal((await campaigns.record(one?.campaign_id ?? '')).state, 'cancelled');
      assert.equal(await campaigns.exists(two?.campaign_id ?? ''), false, 'the child not created before the crash is never created');
      const view = await buildTournamentView(redis, end, campaigns);
      assert.deepEqual(view.per_threads[0]?.children.map((c) => c.state), ['cancelled', 'not_created']);
      assert.deepEqual(await storedCampaignIds(), [...before, one?.campaign_id].sort(), 'no other campaign appeared');
    } finally {
      await tournaments.stop();
      await campaigns.stop();
      await queue.close();
    }
  });
});
