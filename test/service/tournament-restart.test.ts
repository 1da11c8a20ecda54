import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { TournamentStore } from '../../src/store/tournament-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'tournament-restart-token';
let temp: Awaited<ReturnType<typeof startTempRedis>>;
let redis: Redis;
let worker: CliProcess;
let service: RunningService | undefined;

before(async () => {
  temp = await startTempRedis('alloctune-trestart-');
  redis = new Redis(temp.server.url);
  worker = startWorker(temp.server.url, 'trw1');
  await until('worker registered', async () => (await listWorkers(redis)).length === 1, 60_000, worker.log);
});
after(async () => {
  await worker.stop(2000);
  await service?.close();
  redis.disconnect();
  await temp.stop();
});

it('a service restarted during the final round resumes the tournament (baseline: today\'s setting): every block measured once, the round judged', async () => {
  service = await startService({ redisUrl: temp.server.url, token: TOKEN, controllerTickMs: 200 });
  const reply = await service.app.inject({
    method: 'POST',
    url: '/v1/tournaments',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    payload: JSON.stringify({
      name: 'restart',
      allocators: ['glibc', 'jemalloc'],
      // What runs today is not the defaults: the defaults become one more arm.
      baseline: { config: { 'glibc.malloc.tcache_count': 3 } },
      workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300' } }],
      objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
      budget: { trials: 2, minutes: 5 },
      repeats: 1,
      duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 8 } },
      distill: { enabled: false },
      sampler: 'random',
      seed: 3,
    }),
  });
  assert.equal(reply.statusCode, 201, reply.body);
  const { id } = reply.json<{ tournament: TournamentRecord }>().tournament;
  const store = new TournamentStore(redis);
  // Stop the service as soon as the final round has queued its first blocks.
  await until('final round queued', async () => ((await store.get(id))?.rounds[0]?.trials.length ?? 0) > 0, 120_000, worker.log);
  await service.close();
  const atStop = await store.get(id);
  assert.equal(atStop?.state, 'running');
  service = await startService({ redisUrl: temp.server.url, token: TOKEN, controllerTickMs: 200 });
  const done = await until('tournament finished', async () => {
    const t = await store.get(id);
    return t && (t.state === 'finished' || t.state === 'failed') ? t : undefined;
  }, 120_000, worker.log);
  assert.equal(done.state, 'finished', done.stop_reason);
  const [round] = done.rounds;
  assert.equal(round?.status, 'done', round?.reason);
  assert.match(round?.baseline?.env['GLIBC_TUNABLES'] ?? '', /glibc\.malloc\.tcache_count=3/);
  assert.ok(round?.arms.some((a) => a.arm === 'glibc:defaults' && Object.keys(a.env).length === 0), 'the defaults of the allocator run today are an arm');
  // Every trial recorded before the stop is still there, none was lost or run twice.
  for (const t of atStop?.rounds[0]?.trials ?? []) assert.ok(round?.trials.some((x) => x.trial_id === t.trial_id), t.trial_id);
  const results = await listTrialResults(redis, id);
  assert.equal(new Set(results.map((r) => r.trial_id)).size, results.length);
  assert.equal(results.length, round?.trials.filter((t) => t.state === 'completed' || t.state === 'failed').length);
  assert.ok(round?.trials.every((t) => t.state !== 'queued'));
});
