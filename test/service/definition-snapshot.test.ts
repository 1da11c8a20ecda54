import assert from 'node:assert/strict';
import { readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import type { DefinitionSnapshot } from '../../src/core/definition-snapshot.js';
import { definitionSha256 } from '../../src/core/definition-snapshot.js';
import { SpaceFileSchema } from '../../src/core/search-space.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';
import { LEAN_KNOBS, userSpacesDir } from '../helpers/user-spaces.js';

// A campaign's allocator definition is snapshotted at creation: one posted with the campaign (a
// user's trimmed jemalloc under a new name, on no disk anywhere) and one read from a user's spaces
// directory, whose file is then edited down and deleted mid-campaign, with a service restart in
// between. Both run to the end on a real worker with the real jemalloc, from the snapshot.

const TOKEN = 'snapshot-token';
const TRIM_KNOBS = ['dirty_decay_ms', 'narenas'];

function trimmedJemalloc(): Record<string, unknown> {
  const jemalloc = JSON.parse(readFileSync(join(REPO_ROOT, 'search-spaces', 'jemalloc.json'), 'utf8')) as { parameters: { name: string }[] } & Record<string, unknown>;
  return { ...jemalloc, allocator: 'jemalloc-trim', notes: ['a user trimmed jemalloc to two knobs'], parameters: jemalloc.parameters.filter((p) => TRIM_KNOBS.includes(p.name)), extras: [] };
}

interface Detail {
  campaign: { id: string; state: string; stop_reason?: string; definition?: DefinitionSnapshot; spec: Record<string, unknown> };
}

describe('a campaign runs with the definition snapshotted at creation, whatever happens to the file', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  let worker: CliProcess;
  let redis: Redis;
  let userDir: string;

  const start = (): Promise<RunningService> => startService({ redisUrl: redisServer.server.url, token: TOKEN, controllerTickMs: 200 });
  const request = async (method: 'GET' | 'POST', url: string, body?: unknown) => {
    const res = await service.app.inject({ method, url, headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
    return { status: res.statusCode, text: res.body, json: () => res.json() as unknown };
  };
  const detail = async (id: string): Promise<Detail> => (await request('GET', `/v1/campaigns/${id}`)).json() as Detail;
  const completed = async (id: string): Promise<TrialResult[]> => (await listTrialResults(redis, id)).filter((r) => r.status === 'completed');

  before(async () => {
    userDir = userSpacesDir();
    process.env['ALLOCTUNE_SPACES_DIR'] = userDir;
    redisServer = await startTempRedis('alloctune-snapshot-');
    redis = new Redis(redisServer.server.url);
    service = await start();
    worker = startWorker(redisServer.server.url, 'snap-w1', '1', '0', { args: ['--spaces', userDir], env: { ALLOCTUNE_SPACES_DIR: '' } });
    await until('worker registration', async () => (await listWorkers(redis)).length === 1, 60_000, worker.log);
  });
  after(async () => {
    await worker.stop();
    await service.close();
    redis.disconnect();
    await redisServer.stop();
    delete process.env['ALLOCTUNE_SPACES_DIR'];
    rmSync(userDir, { recursive: true, force: true });
  });

  it('a posted definition and an edited, then deleted file both run to the end from their snapshots', async () => {
    const posted = trimmedJemalloc();
    const created = await request('POST', '/v1/campaigns', smallCampaign({ name: 'posted trim', allocator: 'jemalloc-trim', definition: posted as never, distill: { enabled: false } }));
    assert.equal(created.status, 201, created.text);
    const postedId = (created.json() as Detail).campaign.id;
    const leanFile = join(userDir, 'jemalloc-lean.json');
    const leanSha = definitionSha256(SpaceFileSchema.parse(JSON.parse(readFileSync(leanFile, 'utf8'))));
    const leanCreated = await request('POST', '/v1/campaigns', smallCampaign({ name: 'lean from file', allocator: 'jemalloc-lean', distill: { enabled: false } }));
    assert.equal(leanCreated.status, 201, leanCreated.text);
    const leanId = (leanCreated.json() as Detail).campaign.id;

    // The snapshots, with their hashes, are on the record; the posted copy is kept once.
    const postedDetail = await detail(postedId);
    assert.equal(postedDetail.campaign.definition?.source, 'posted');
    assert.equal(postedDetail.campaign.definition?.base, 'jemalloc');
    assert.equal(postedDetail.campaign.definition?.sha256, definitionSha256(SpaceFileSchema.parse(posted)));
    assert.equal(postedDetail.campaign.spec['definition'], undefined);
    const leanDetail = await detail(leanId);
    assert.equal(leanDetail.campaign.definition?.source, 'registry');
    assert.equal(leanDetail.campaign.definition?.file, leanFile);
    assert.equal(leanDetail.campaign.definition?.sha256, leanSha);

    // Mid-campaign the user edits the file down to one knob, then deletes it, and the service restarts.
    await until('a measured lean trial', async () => ((await completed(leanId)).length > 0 ? true : undefined), 120_000, worker.log);
    const file = JSON.parse(readFileSync(leanFile, 'utf8')) as { parameters: { name: string }[] };
    writeFileSync(leanFile, JSON.stringify({ ...file, parameters: file.parameters.filter((p) => p.name === 'narenas') }));
    const afterEdit = (await completed(leanId)).length;
    await until('another lean trial after the edit', async () => ((await completed(leanId)).length > afterEdit ? true : undefined), 120_000, worker.log);
    unlinkSync(leanFile);
    await service.close();
    service = await start();

    for (const id of [postedId, leanId]) {
      await until(`campaign ${id} finished`, async () => ((await detail(id)).campaign.state === 'finished' ? true : undefined), 300_000, worker.log);
    }
    const expectations: [string, string[]][] = [[postedId, TRIM_KNOBS], [leanId, LEAN_KNOBS]];
    for (const [id, knobs] of expectations) {
      const results = await listTrialResults(redis, id);
      assert.deepEqual(results.filter((r) => r.status !== 'completed').map((r) => r.error?.message), [], `${id}: every trial ran`);
      assert.ok(results.length >= 6, `${id}: ${results.length} trials`);
      for (const r of results) {
        // Every trial searched the snapshot's knobs, never the edited file's one.
        assert.deepEqual(Object.keys(r.config).sort(), [...knobs].sort(), `${id} ${r.trial_id}`);
        for (const w of r.repeats.flatMap((rep) => rep.workloads)) assert.match(w.allocator.path ?? '', /libjemalloc\.so\.2$/);
      }
      const trials = ((await request('GET', `/v1/campaigns/${id}/trials`)).json() as { trials: { role: string; state: string }[] }).trials;
      for (const role of ['baseline', 'explore', 'duel']) assert.ok(trials.some((t) => t.role === role && t.state === 'completed'), `${id}: a completed ${role} trial`);
    }
    // The restarted service still has the snapshot of the deleted file, and the export shows it.
    assert.equal((await detail(leanId)).campaign.definition?.sha256, leanSha);
    const exported = await request('GET', `/v1/campaigns/${leanId}/export?format=json`);
    assert.equal(exported.status, 200, exported.text);
    const evidence = exported.json() as { definition?: DefinitionSnapshot };
    assert.equal(evidence.definition?.sha256, leanSha);
    assert.deepEqual(evidence.definition?.content.parameters.map((p) => p.name).sort(), [...LEAN_KNOBS].sort());
    const text = await request('GET', `/v1/campaigns/${postedId}/export?format=env&with_evidence=true`);
    assert.equal(text.status, 200, text.text);
    assert.match(text.text, new RegExp(`definition: jemalloc-trim sha256 ${definitionSha256(SpaceFileSchema.parse(posted))} \\(posted with the campaign, a view over jemalloc\\)`));
  });
});
