import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';
import { FIXTURE_SPACES_DIR, LEAN_KNOBS, userSpacesDir } from '../helpers/user-spaces.js';

const TOKEN = 'byo-token';
const STANDIN = nativeTool('libhakmem-standin.so');

/** Every measurement of every completed trial: the allocator the runner verified and read back. */
function measurements(results: readonly TrialResult[]) {
  return results.filter((r) => r.status === 'completed').flatMap((r) => r.repeats.flatMap((rep) => rep.workloads.map((w) => ({ result: r, allocator: w.allocator }))));
}

describe('bring your own allocator: definitions outside search-spaces/ run whole campaigns, no code change', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  let worker: CliProcess;
  let redis: Redis;
  let userDir: string;
  let configDir: string;

  before(async () => {
    userDir = userSpacesDir();
    // The service reads the variable; the worker gets the same directories through --spaces only.
    process.env['ALLOCTUNE_SPACES_DIR'] = `${FIXTURE_SPACES_DIR}:${userDir}`;
    redisServer = await startTempRedis();
    redis = new Redis(redisServer.server.url);
    service = await startService({ redisUrl: redisServer.server.url, token: TOKEN, controllerTickMs: 200 });
    configDir = mkdtempSync(join(tmpdir(), 'alloctune-byo-worker-'));
    const config = join(configDir, 'worker.json');
    // The stand-in is found by its definition's library file name in the worker's library_dir.
    writeFileSync(config, JSON.stringify({ library_dir: join(STANDIN, '..') }));
    worker = startWorker(redisServer.server.url, 'byo-w1', '1', '0', { args: ['--config', config, '--spaces', FIXTURE_SPACES_DIR, '--spaces', userDir], env: { ALLOCTUNE_SPACES_DIR: '' } });
    await until('worker registration', async () => (await listWorkers(redis)).length === 1, 60_000, worker.log);
  });
  after(async () => {
    await worker.stop();
    await service.close();
    redis.disconnect();
    await redisServer.stop();
    delete process.env['ALLOCTUNE_SPACES_DIR'];
    rmSync(userDir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  });

  it('lists the user definitions and the broken file over the API, and the worker advertises what it can load', async () => {
    const spaces = (await (await fetch(`${service.url}/v1/spaces`)).json()) as { spaces: { allocator: string }[]; problems: { file: string; path: string; reason: string }[] };
    assert.ok(spaces.spaces.some((s) => s.allocator === 'hakmem-standin'));
    assert.ok(spaces.spaces.some((s) => s.allocator === 'jemalloc-lean'));
    assert.deepEqual(spaces.problems.map((p) => [p.file, p.path]), [[join(userDir, 'broken.json'), '$.parameters[0].min']]);
    const detail = await fetch(`${service.url}/v1/spaces/hakmem-standin`);
    assert.equal(detail.status, 200);
    const [info] = await listWorkers(redis);
    const advertised = new Map((info?.allocators ?? []).map((a) => [a.name, a]));
    assert.deepEqual(advertised.get('hakmem-standin'), { name: 'hakmem-standin', path: STANDIN, version: 'standin-1.0' });
    assert.match(advertised.get('jemalloc-lean')?.version ?? '', /^5\.3/);
  });

  it('runs the hakmem stand-in and a trimmed jemalloc to the end, identity verified and options read back', async () => {
    const create = async (allocator: string): Promise<string> => {
      const res = await fetch(`${service.url}/v1/campaigns`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(smallCampaign({ name: `byo ${allocator}`, allocator, distill: { enabled: false } })),
      });
      const body = (await res.json()) as { campaign: { id: string } };
      assert.equal(res.status, 201, JSON.stringify(body));
      return body.campaign.id;
    };
    const ids = { standin: await create('hakmem-standin'), lean: await create('jemalloc-lean') };
    for (const id of Object.values(ids)) {
      await until(`campaign ${id} finished`, async () => {
        const status = (await (await fetch(`${service.url}/v1/campaigns/${id}`)).json()) as { campaign: { state: string } };
        return status.campaign.state === 'finished' ? true : undefined;
      }, 420_000, worker.log);
    }

    const standin = measurements(await listTrialResults(redis, ids.standin));
    assert.ok(standin.length >= 6, `stand-in trials measured: ${standin.length}`);
    for (const { result, allocator } of standin) {
      assert.equal(result.allocator, 'hakmem-standin');
      assert.equal(allocator.path, STANDIN, 'the stand-in served malloc()');
      assert.equal(allocator.version, 'standin-1.0');
      // Read back from inside the target: the values the allocator really runs with are the config's.
      for (const knob of ['HAKMEM_POOL_MAX_BYTES', 'HAKMEM_REFILL_BLOCKS', 'HAKMEM_PREFAULT']) {
        assert.equal(allocator.options[knob], result.config[knob], `${result.trial_id} ${knob}`);
      }
    }
    const sizes = new Set(standin.map((m) => m.allocator.options['HAKMEM_REFILL_BLOCKS']));
    assert.ok(sizes.size > 1, 'the search changed what the allocator runs with');

    const lean = measurements(await listTrialResults(redis, ids.lean));
    assert.ok(lean.length >= 6, `jemalloc-lean trials measured: ${lean.length}`);
    for (const { result, allocator } of lean) {
      assert.match(allocator.path ?? '', /libjemalloc\.so\.2$/);
      assert.deepEqual(Object.keys(result.config).sort(), [...LEAN_KNOBS].sort());
      assert.equal(allocator.options['dirty_decay_ms'], result.config['dirty_decay_ms'], 'opt.dirty_decay_ms read back through mallctl');
    }
    for (const id of Object.values(ids)) {
      const board = (await (await fetch(`${service.url}/v1/campaigns/${id}`)).json()) as { campaign: { state: string; stop_reason: string } };
      assert.match(board.campaign.stop_reason, /trial_budget|converged/);
      // The whole campaign ran: exploration, then the confirmation duels against the baseline.
      const trials = ((await (await fetch(`${service.url}/v1/campaigns/${id}/trials`)).json()) as { trials: { role: string; state: string }[] }).trials;
      for (const role of ['baseline', 'placebo', 'explore', 'duel']) assert.ok(trials.some((t) => t.role === role && t.state === 'completed'), `${id}: a completed ${role} trial`);
    }
  });
});
