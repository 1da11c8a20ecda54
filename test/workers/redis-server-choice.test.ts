import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { redisBuildMalloc, redisBuildProblem } from '../../src/core/redis-server-build.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { parseRedisServers } from '../../src/cli/commands/worker.js';
import { forgeJob } from '../helpers/forge-job.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { until, type CliProcess } from '../helpers/child-processes.js';

// A worker whose default redis-server is missing and whose jemalloc trials get their own
// redis-server (a copy of Debian's, built with jemalloc): jemalloc trials can only have run on that
// copy, glibc ones fail with a clear setup error, and a Redis campaign for an allocator Debian's
// build cannot measure is refused at creation, saying how to provide a redis-server for it.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-redis-choice-'));
const jemallocServer = join(dir, 'redis-server-jemalloc');
copyFileSync('/usr/bin/redis-server', jemallocServer);
const missingDefault = join(dir, 'no-such-redis-server');

const redisWorkload = { kind: 'redis', options: { load: [{ value_bytes: 64, keys: 20_000 }], snapshot_offsets_ms: [200], throughput: { enabled: false }, latency: { enabled: false } } };

describe('a redis-server per allocator', () => {
  let env: ServiceWithWorkers;
  let worker: CliProcess;

  before(async () => {
    env = await startServiceWithWorkers({ controllerTickMs: 60_000 });
    worker = await env.startWorker('redis-choice-w', { config: { redis_server: missingDefault, redis_servers: { jemalloc: jemallocServer, mimalloc: '/usr/bin/redis-server' } } });
  });
  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the worker advertises each redis-server with its build, and the missing default with why', async () => {
    const [info] = await listWorkers(env.redis);
    const servers = info?.redis_servers ?? [];
    assert.deepEqual(servers.find((s) => s.allocator === 'jemalloc'), { allocator: 'jemalloc', path: jemallocServer, malloc: 'jemalloc-5.3.0' });
    const fallback = servers.find((s) => s.allocator === undefined);
    assert.equal(fallback?.path, missingDefault);
    assert.match(fallback?.problem ?? '', /does not exist/);
    assert.match(worker.log(), /redis-server \(default\): .*no-such-redis-server does not exist/);
  });

  it('a Redis campaign for an allocator no worker can measure is a 400 saying how to provide a redis-server; jemalloc is accepted', async () => {
    const campaign = (allocator: string) => smallCampaign({ allocator, workloads: [redisWorkload as never], objective: { metric: 'redis.rss_bytes_at_200ms', direction: 'min' }, constraints: [] });
    const refused = await env.request('POST', '/v1/campaigns', campaign('glibc'));
    assert.equal(refused.statusCode, 400, refused.body);
    const body = refused.json() as { issues: { path: string; message: string }[] };
    const issue = body.issues.find((i) => i.path === 'body.workloads.0');
    assert.ok(issue, refused.body);
    assert.match(issue.message, /no live worker has a redis-server that can measure glibc: redis-choice-w's .*no-such-redis-server does not exist/);
    assert.match(issue.message, /make MALLOC=libc/);
    assert.match(issue.message, /--redis-server glibc=\/path\/to\/redis-server/);
    // Debian's redis-server configured for mimalloc: its jemalloc build would keep Redis's heap statistics.
    const debian = await env.request('POST', '/v1/campaigns', campaign('mimalloc'));
    assert.equal(debian.statusCode, 400, debian.body);
    assert.match(debian.body, /redis-choice-w's \/usr\/bin\/redis-server it is built with jemalloc-5\.3\.0 \(malloc=jemalloc-5\.3\.0\), which keeps serving or reporting Redis's heap when mimalloc is preloaded/);
    const accepted = await env.request('POST', '/v1/campaigns', campaign('jemalloc'));
    assert.equal(accepted.statusCode, 201, accepted.body);
  });

  it('jemalloc trials run on their own redis-server; others fail with a clear error naming the missing default', async () => {
    const base = { campaign_id: 'redis-choice', config: {}, env: {}, workloads: [redisWorkload], steal_max_pct: 100 };
    await forgeJob(env.redisUrl, { ...base, trial_id: 'jem', allocator: 'jemalloc' });
    await forgeJob(env.redisUrl, { ...base, trial_id: 'libc', allocator: 'glibc' });
    const results = new Map<string, TrialResult>();
    await until('both results', async () => {
      for (const t of ['jem', 'libc']) {
        const r = results.get(t) ?? (await getTrialResult(env.redis, 'redis-choice', t));
        if (r) results.set(t, r);
      }
      return results.size === 2;
    }, 90_000, worker.log);
    const jem = results.get('jem');
    assert.equal(jem?.status, 'completed', JSON.stringify(jem?.error));
    const server = (jem?.repeats[0]?.workloads[0]?.details as { server?: { path?: string; mem_allocator?: string } } | undefined)?.server;
    assert.equal(server?.path, jemallocServer);
    assert.match(server?.mem_allocator ?? '', /^jemalloc/);
    const libc = results.get('libc');
    assert.equal(libc?.status, 'failed');
    assert.equal(libc?.error?.code, 'ALLOCTUNE_ERR_SETUP');
    assert.match(libc?.error?.message ?? '', /redis-server for glibc: .*no-such-redis-server does not exist.*\(set by redis_server in the worker config\)/);
    assert.ok((await listWorkers(env.redis)).some((w) => w.name === 'redis-choice-w'), 'the worker carries on');
  });

  it('a libc build measures any allocator; a jemalloc build only jemalloc', () => {
    const mimalloc = { allocator: 'mimalloc', readback: { kind: 'stats-api' as const, api: 'mimalloc' } };
    assert.equal(redisBuildProblem(mimalloc, 'libc'), undefined);
    assert.match(redisBuildProblem(mimalloc, 'jemalloc-5.3.0') ?? '', /built with jemalloc-5\.3\.0/);
    assert.equal(redisBuildProblem({ allocator: 'jemalloc', readback: { kind: 'stats-api', api: 'jemalloc' } }, 'jemalloc-5.3.0'), undefined);
    assert.equal(redisBuildMalloc('Redis server v=7.0.15 sha=00000000:0 malloc=libc bits=64 build=1'), 'libc');
  });

  it('--redis-server takes ALLOCATOR=/absolute/path and names a bad entry', () => {
    assert.deepEqual(parseRedisServers(['mimalloc=/opt/redis-libc/redis-server', 'jemalloc=/usr/bin/redis-server']), { mimalloc: '/opt/redis-libc/redis-server', jemalloc: '/usr/bin/redis-server' });
    assert.throws(() => parseRedisServers(['mimalloc=redis-server']), /invalid redis-server: 'mimalloc=redis-server' is not ALLOCATOR=\/absolute\/path/);
    assert.throws(() => parseRedisServers(['/usr/bin/redis-server']), /is not ALLOCATOR=/);
  });
});
