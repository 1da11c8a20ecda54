import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { definitionSha256 } from '../../src/core/definition-snapshot.js';
import { SpaceFileSchema } from '../../src/core/search-space.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import type { TrialResult } from '../../src/core/trial-result.js';
import { guardedSpawn } from '../../src/proc/guarded-spawn.js';
import { TrialQueue } from '../../src/queue/trial-queue.js';
import { freeLoopbackPort } from '../../src/redis/free-port.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startCli, until, type CliProcess } from '../helpers/child-processes.js';
import { forgeJob } from '../helpers/forge-job.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';
import { redisServerArgs, startRedisServer } from '../../workers/runners/redis/redis-server.js';

// The attacks of issue #14, tried for real: shared objects built here with gcc whose constructors
// write marker files, a redis-server config that loads one as a module, an LD_AUDIT library. Each is
// first shown to work when handed to the loader or redis-server directly (so the test can fail), then
// sent through the API (400 naming the field) and written straight into the workers' Redis queue
// (the worker refuses the job, records why on the trial and runs nothing: no marker appears).

const TOKEN = 'sec-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'alloctune-hostile-'));
const marker = (name: string): string => join(dir, `marker-${name}`);

/** A shared object whose constructor creates `marker(name)`; `extra` adds C code (e.g. an audit entry point). */
function markerLibrary(name: string, extra = ''): string {
  const source = join(dir, `${name}.c`);
  const lib = join(dir, `lib${name}.so`);
  writeFileSync(
    source,
    `#include <fcntl.h>\n#include <unistd.h>\n${extra}\n__attribute__((constructor)) static void mark(void) {\n  int fd = open("${marker(name)}", O_CREAT | O_WRONLY, 0644);\n  if (fd >= 0) close(fd);\n}\n`,
  );
  execFileSync('gcc', ['-shared', '-fPIC', '-o', lib, source]);
  return lib;
}

const moduleLib = markerLibrary('module');
const preloadLib = markerLibrary('preload');
const auditLib = markerLibrary('audit', 'unsigned int la_version(unsigned int v) { return v; }');
const evilConf = join(dir, 'evil.conf');
writeFileSync(evilConf, `loadmodule ${moduleLib}\n`);
const workerConfig = join(dir, 'worker.json');
writeFileSync(workerConfig, JSON.stringify({ commands: { probe: { argv: ['/bin/true'] } } }));

/** A shipped definition file as JSON (what a user would copy). */
function shippedDefinition(name: string): Record<string, unknown> & { parameters: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'search-spaces', `${name}.json`), 'utf8')) as Record<string, unknown> & { parameters: Record<string, unknown>[] };
}

/**
 * mimalloc's definition turned hostile: its own library file and a worker variable to read a path
 * from, a read-back that calls `system` inside the target, and a knob mimalloc does not document.
 */
function hostileDefinition(name: string): Record<string, unknown> {
  const mimalloc = shippedDefinition('mimalloc');
  return {
    ...mimalloc,
    allocator: name,
    load: { library_files: ['libpreload.so'], path_variable: 'EVIL_LIB' },
    readback: { kind: 'function', symbol: 'system' },
    parameters: [...mimalloc.parameters.slice(0, 1), { name: 'MIMALLOC_EVIL', kind: 'boolean', default: true, description: 'not a mimalloc knob' }],
  };
}

/** The redis workload, small: load, delete, one snapshot; no throughput or latency phase. */
function redisWorkload(serverConfig: Record<string, string>, snapshotMs = 200): Record<string, unknown> {
  return {
    kind: 'redis',
    options: {
      load: [{ value_bytes: 64, keys: 20_000 }],
      snapshot_offsets_ms: [snapshotMs],
      throughput: { enabled: false },
      latency: { enabled: false },
      server_config: serverConfig,
    },
  };
}

/** Addresses (`a.b.c.d:port` or raw IPv6 hex) of LISTEN sockets of redis-server processes below `ancestor`. */
function redisListenersBelow(ancestor: number): string[] {
  const inodes = new Set<string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'redis-server') continue;
      let pid = Number(entry);
      let below = false;
      while (pid > 1 && !below) {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        below = pid === ancestor;
      }
      if (!below) continue;
      for (const fd of readdirSync(`/proc/${entry}/fd`)) {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`));
        if (m?.[1] !== undefined) inodes.add(m[1]);
      }
    } catch {
      // The process went away while being read.
    }
  }
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue;
      const [hex = '', portHex = ''] = (f[1] ?? '').split(':');
      const address = hex.length === 8 ? (hex.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.') : hex;
      found.push(`${address}:${parseInt(portHex, 16)}`);
    }
  }
  return found;
}

describe('hostile campaigns and jobs cannot run code or expose anything on a worker', () => {
  let redis: Awaited<ReturnType<typeof startTempRedis>>;
  let client: Redis;
  let service: RunningService;
  let worker: CliProcess;

  before(async () => {
    redis = await startTempRedis('alloctune-hostile-redis-');
    client = new Redis(redis.server.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    service = await startService({ redisUrl: redis.server.url, token: TOKEN, controllerTickMs: 60_000 });
    worker = startCli(
      ['worker', '--redis', redis.server.url, '--name', 'sec-w', '--cpus', '1', '--client-cpus', '0', '--config', workerConfig,
        '--lock-ms', '4000', '--stalled-ms', '2000', '--heartbeat-ms', '500'],
      // EVIL_LIB: a variable of the worker's own environment that a posted definition could name as
      // its load.path_variable to have the worker preload whatever it points at.
      { HAKMEM_LIB: '', EVIL_LIB: preloadLib },
    );
    await until('the worker to register', async () => (await listWorkers(client)).some((w) => w.name === 'sec-w'), 60_000, worker.log);
  });

  after(async () => {
    await worker?.stop();
    await service?.close();
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('control: handed over directly, each attack runs its code (so the checks below can fail)', async () => {
    // redis-server loads modules once it listens; with nowhere to listen it exits before.
    const port = await freeLoopbackPort();
    spawnSync('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--include', evilConf], { timeout: 10_000, cwd: dir });
    assert.ok(existsSync(marker('module')), 'redis-server loadmodule through an included file ran the constructor');
    spawnSync('/bin/true', { env: { PATH: '/usr/bin:/bin', LD_AUDIT: auditLib }, timeout: 10_000 });
    assert.ok(existsSync(marker('audit')), 'LD_AUDIT loaded the library');
    spawnSync('/bin/true', { env: { PATH: '/usr/bin:/bin', LD_PRELOAD: preloadLib }, timeout: 10_000 });
    assert.ok(existsSync(marker('preload')), 'LD_PRELOAD loaded the library');
    for (const name of ['module', 'audit', 'preload']) unlinkSync(marker(name));
  });

  async function post(body: unknown) {
    const res = await service.app.inject({
      method: 'POST',
      url: '/v1/campaigns',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      payload: JSON.stringify(body),
    });
    return { status: res.statusCode, body: res.json() as { code: string; message: string; issues?: { path: string; message: string }[] } };
  }

  it('the API refuses server_config outside the allow-list and library_path with a 400 naming each field, storing nothing', async () => {
    const redisCampaign = (serverConfig: Record<string, string>): unknown =>
      smallCampaign({ workloads: [redisWorkload(serverConfig) as never], objective: { metric: 'redis.rss_bytes_at_200ms', direction: 'min' }, constraints: [] });
    const exposed = await post(redisCampaign({ bind: '0.0.0.0', 'protected-mode': 'no' }));
    assert.equal(exposed.status, 400);
    const paths = (exposed.body.issues ?? []).map((i) => i.path);
    assert.ok(paths.includes('body.workloads.0.options.server_config.bind'), JSON.stringify(exposed.body));
    assert.ok(paths.includes('body.workloads.0.options.server_config.protected-mode'), JSON.stringify(exposed.body));

    const included = await post(redisCampaign({ include: evilConf }));
    assert.equal(included.status, 400);
    assert.deepEqual((included.body.issues ?? []).map((i) => i.path), ['body.workloads.0.options.server_config.include']);
    assert.match(included.body.message, /'include' is not an allowed redis-server directive/);

    const badValue = await post(redisCampaign({ hz: '10\nloadmodule x' }));
    assert.equal(badValue.status, 400);
    assert.match(badValue.body.message, /server_config\.hz/);

    const withPath = await post(smallCampaign({ allocator: 'hakmem', library_path: preloadLib } as never));
    assert.equal(withPath.status, 400);
    assert.match(JSON.stringify(withPath.body), /library_path/);

    const list = await service.app.inject({ method: 'GET', url: '/v1/campaigns' });
    assert.deepEqual((list.json() as { campaigns: unknown[] }).campaigns, []);
  });

  it('jobs written straight into Redis are refused by the worker, recorded with the reason, and run nothing', async () => {
    const base = { campaign_id: 'hostile', allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'probe' }], steal_max_pct: 100 };
    const jobs: Record<string, Record<string, unknown>> = {
      bind: { workloads: [redisWorkload({ bind: '0.0.0.0', 'protected-mode': 'no' })], allocator: 'jemalloc' },
      include: { workloads: [redisWorkload({ include: evilConf })], allocator: 'jemalloc' },
      capture: { workloads: [{ kind: 'redis', options: { capture: '../../etc/passwd', throughput: { enabled: false }, latency: { enabled: false } } }], allocator: 'jemalloc' },
      library: { allocator: 'hakmem', library_path: preloadLib },
      hakmem: { allocator: 'hakmem' },
      preload: { env: { LD_PRELOAD: preloadLib } },
      audit: { env: { LD_AUDIT: auditLib } },
      libpath: { env: { LD_LIBRARY_PATH: dir } },
      gconv: { env: { GCONV_PATH: dir } },
      path: { env: { PATH: dir } },
      prof: { allocator: 'jemalloc', env: { MALLOC_CONF: `prof:true,prof_final:true,prof_prefix:${join(dir, 'jeprof')}` } },
      foreign: { allocator: 'mimalloc', env: { MALLOC_CONF: 'narenas:1' } },
    };
    for (const [trial, extra] of Object.entries(jobs)) await forgeJob(redis.server.url, { ...base, trial_id: trial, ...extra });

    const results = new Map<string, TrialResult>();
    await until('a result for every forged job', async () => {
      for (const trial of Object.keys(jobs)) {
        const r = results.get(trial) ?? (await getTrialResult(client, 'hostile', trial));
        if (r) results.set(trial, r);
      }
      return results.size === Object.keys(jobs).length;
    }, 60_000, worker.log);

    const expect = (trial: string, code: string, reason: RegExp): void => {
      const r = results.get(trial);
      assert.equal(r?.status, 'failed', trial);
      assert.equal(r?.error?.code, code, `${trial}: ${JSON.stringify(r?.error)}`);
      assert.match(r?.error?.message ?? '', reason, trial);
      assert.deepEqual(r?.repeats, [], `${trial}: nothing measured`);
    };
    expect('bind', 'ALLOCTUNE_ERR_INVALID_INPUT', /workloads\.0\.options\.server_config\.bind: .*not an allowed/);
    expect('include', 'ALLOCTUNE_ERR_INVALID_INPUT', /workloads\.0\.options\.server_config\.include: .*not an allowed/);
    expect('capture', 'ALLOCTUNE_ERR_INVALID_INPUT', /workloads\.0\.options\.capture: .*a trace name/);
    expect('library', 'ALLOCTUNE_ERR_INVALID_INPUT', /library_path/);
    expect('hakmem', 'ALLOCTUNE_ERR_LIBRARY_MISSING', /no libhakmem\.so/);
    expect('preload', 'ALLOCTUNE_ERR_INVALID_INPUT', /invalid env\.LD_PRELOAD: LD_PRELOAD is not a variable of glibc/);
    expect('audit', 'ALLOCTUNE_ERR_INVALID_INPUT', /invalid env\.LD_AUDIT: /);
    expect('libpath', 'ALLOCTUNE_ERR_INVALID_INPUT', /invalid env\.LD_LIBRARY_PATH: /);
    expect('gconv', 'ALLOCTUNE_ERR_INVALID_INPUT', /invalid env\.GCONV_PATH: /);
    expect('path', 'ALLOCTUNE_ERR_INVALID_INPUT', /invalid env\.PATH: /);
    expect('prof', 'ALLOCTUNE_ERR_INVALID_INPUT', /MALLOC_CONF sets prof, prof_final, prof_prefix/);
    expect('foreign', 'ALLOCTUNE_ERR_INVALID_INPUT', /MALLOC_CONF is not a variable of mimalloc/);

    for (const name of ['module', 'audit', 'preload']) assert.ok(!existsSync(marker(name)), `${name} constructor never ran`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('jeprof')), [], 'no heap profile written');
    const log = worker.log();
    assert.match(log, /trial hostile--include: rejected as invalid, nothing run: workloads\.0\.options\.server_config\.include/);
    assert.match(log, /trial hostile--audit: failed: ALLOCTUNE_ERR_INVALID_INPUT invalid env\.LD_AUDIT/);
    assert.ok((await listWorkers(client)).some((w) => w.name === 'sec-w'), 'the worker carries on');
  });

  it('a hostile definition posted with a campaign is a 400 naming every field, storing nothing', async () => {
    const res = await post(smallCampaign({ allocator: 'evil', definition: hostileDefinition('evil') as never }));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const paths = (res.body.issues ?? []).map((i) => i.path).sort();
    assert.deepEqual(paths, ['body.definition.load', 'body.definition.parameters.1.name', 'body.definition.readback'], JSON.stringify(res.body));
    assert.match(JSON.stringify(res.body), /cannot choose a library/);
    const list = await service.app.inject({ method: 'GET', url: '/v1/campaigns' });
    assert.deepEqual((list.json() as { campaigns: unknown[] }).campaigns, []);
  });

  it('forged jobs carrying a hostile definition are refused by the worker with a clear error, and run nothing', async () => {
    const base = { campaign_id: 'hostile-def', config: {}, workloads: [{ kind: 'command', name: 'probe' }], steal_max_pct: 100 };
    const withCopy = (content: Record<string, unknown>, sha?: string) => {
      const parsed = SpaceFileSchema.parse(content);
      return { sha256: sha ?? definitionSha256(parsed), content: parsed };
    };
    const jemalloc = shippedDefinition('jemalloc');
    const loader = {
      allocator: 'loader', library: 'none', encoding: { format: 'env', key_prefix: '', true_token: '1', false_token: '0' }, load: { preload: false },
      identity: { symbols: ['malloc'] }, parameters: [{ name: 'LD_PRELOAD', kind: 'categorical', choices: ['x'], default: 'x', description: 'loads code' }],
    };
    const prof = { ...jemalloc, parameters: [...jemalloc.parameters, { name: 'prof_prefix', kind: 'categorical', choices: ['jeprof'], default: 'jeprof', description: 'writes heap profiles' }, { name: 'prof', kind: 'boolean', default: true, description: 'profiles' }] };
    const trimmed = { ...jemalloc, allocator: 'jemalloc-trim', parameters: jemalloc.parameters.slice(0, 2), extras: [] };
    const jobs: Record<string, Record<string, unknown>> = {
      'def-loader': { allocator: 'loader', env: { LD_PRELOAD: preloadLib }, definition: withCopy(loader) },
      'def-pathvar': { allocator: 'evil', env: {}, definition: withCopy(hostileDefinition('evil')) },
      'def-prof': { allocator: 'jemalloc', env: { MALLOC_CONF: 'prof:true,prof_prefix:jeprof' }, definition: withCopy(prof) },
      'def-hash': { allocator: 'jemalloc-trim', env: {}, definition: withCopy(trimmed, 'b'.repeat(64)) },
    };
    for (const [trial, extra] of Object.entries(jobs)) await forgeJob(redis.server.url, { ...base, trial_id: trial, ...extra });
    const results = new Map<string, TrialResult>();
    await until('a result for every forged definition job', async () => {
      for (const trial of Object.keys(jobs)) {
        const r = results.get(trial) ?? (await getTrialResult(client, 'hostile-def', trial));
        if (r) results.set(trial, r);
      }
      return results.size === Object.keys(jobs).length;
    }, 60_000, worker.log);
    const expect = (trial: string, reason: RegExp): void => {
      const r = results.get(trial);
      assert.equal(r?.status, 'failed', trial);
      assert.equal(r?.error?.code, 'ALLOCTUNE_ERR_INVALID_INPUT', `${trial}: ${JSON.stringify(r?.error)}`);
      assert.match(r?.error?.message ?? '', reason, trial);
      assert.deepEqual(r?.repeats, [], `${trial}: nothing measured`);
    };
    expect('def-loader', /invalid definition: the job's definition of loader \(sha256 [0-9a-f]{64}\) is not one this worker runs: this worker's glibc is .*glibc\.json \(sha256 [0-9a-f]{64}\);.*parameters\.0\.name: 'LD_PRELOAD' is not a knob/);
    expect('def-pathvar', /this worker loads no definition it could stand on .*load: must be the load section of a definition this host loads/);
    expect('def-prof', /parameters\.\d+\.name: 'prof_prefix' is not a knob of the base definition jemalloc/);
    expect('def-hash', new RegExp(`invalid definition\\.sha256: the job says sha256 ${'b'.repeat(64)}, but its definition hashes to [0-9a-f]{64}`));
    assert.ok(!existsSync(marker('preload')), 'the preload constructor never ran');
    assert.deepEqual(readdirSync(REPO_ROOT).filter((f) => f.startsWith('jeprof')), [], 'no heap profile written');
    assert.ok((await listWorkers(client)).some((w) => w.name === 'sec-w'), 'the worker carries on');
  });

  it('the redis runner refuses a directive that got past the schema, and its bind, protected-mode and port win anyway', async () => {
    await assert.rejects(
      startRedisServer({ serverPath: 'redis-server', cpus: '0', env: { PATH: '/usr/bin:/bin' }, serverConfig: { include: evilConf }, startTimeoutMs: 10_000 }),
      (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_INVALID_INPUT') && /server_config\.include/.test(err.message),
    );
    assert.ok(!existsSync(marker('module')));
    // Started from the runner's command line with hostile directives (no check at all): the runner's come last and win.
    const port = await freeLoopbackPort();
    const args = redisServerArgs({ cpus: '0', serverPath: 'redis-server', serverConfig: { bind: '0.0.0.0', 'protected-mode': 'no', port: '1' } }, port);
    const proc = guardedSpawn('taskset', args, { env: { PATH: '/usr/bin:/bin' }, cwd: dir, deathSignal: 'KILL' });
    const server = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 50 ? null : 100) });
    server.on('error', () => undefined);
    try {
      const config = async (name: string): Promise<string | undefined> => ((await server.call('CONFIG', 'GET', name)) as string[])[1];
      assert.equal(await config('bind'), '127.0.0.1');
      assert.equal(await config('protected-mode'), 'yes');
      assert.equal(await config('port'), String(port));
      const listeners = redisListenersBelow(process.pid).filter((a) => a.endsWith(`:${port}`));
      assert.deepEqual(listeners, [`127.0.0.1:${port}`]);
    } finally {
      await server.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      server.disconnect();
      proc.kill('SIGKILL');
      await proc.done;
    }
  });

  it('during a normal Redis trial the benchmark server listens on loopback only', async () => {
    const queue = new TrialQueue(redis.server.url);
    try {
      await queue.enqueueTrial({
        campaign_id: 'normal',
        trial_id: 'r1',
        allocator: 'jemalloc',
        config: {},
        env: {},
        workloads: [redisWorkload({ hz: '20', 'jemalloc-bg-thread': 'no' }, 1500) as never],
        steal_max_pct: 100,
      });
      const seen = new Set<string>();
      const result = await until('the redis trial', async () => {
        for (const a of redisListenersBelow(worker.proc.pid)) seen.add(a);
        return getTrialResult(client, 'normal', 'r1');
      }, 120_000, worker.log);
      assert.equal(result.status, 'completed', JSON.stringify(result.error));
      assert.ok(seen.size > 0, 'the benchmark redis-server was seen listening');
      for (const address of seen) assert.match(address, /^127\.0\.0\.1:\d+$/, `listens beyond loopback: ${address}`);
      assert.match(result.preload ?? '', /libjemalloc\.so\.2$/, 'the result names the library the worker preloaded');
    } finally {
      await queue.close();
    }
  });
});
