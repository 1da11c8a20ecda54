import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { TrialJobInput } from '../../src/core/trial-job.js';
import { guardedSpawn, type GuardedProcess } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { TrialQueue } from '../../src/queue/trial-queue.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { readTrialReports } from '../../src/store/trial-events.js';
import { getTrialResult, listTrialResults } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { processAlive, waitGone } from '../helpers/process-alive.js';

// Real Redis, real worker processes (`alloctune worker` under tsx), real commands and harness runs.
const dir = mkdtempSync(join(tmpdir(), 'alloctune-workers-'));
const configFile = join(dir, 'worker.json');
writeFileSync(
  configFile,
  JSON.stringify({
    commands: {
      quick: { argv: ['/bin/sh', '-c', 'sleep 0.1; grep Cpus_allowed_list /proc/self/status'], metric: { name: 'cpu', regex: 'Cpus_allowed_list:\\s+(\\d+)$' } },
      slow: { argv: ['/bin/sh', '-c', `echo $$ >> ${join(dir, 'slow.pids')}; exec sleep 4`] },
    },
  }),
);

let server: EmbeddedRedis;
let redis: Redis;
let queue: TrialQueue;
const workers: GuardedProcess[] = [];
const logs = new Map<string, string>();

function startWorker(name: string, cpus: string): GuardedProcess {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', server.url, '--name', name, '--cpus', cpus, '--client-cpus', cpus,
    '--config', configFile, '--lock-ms', '2000', '--stalled-ms', '1000', '--heartbeat-ms', '500'];
  const proc = guardedSpawn(process.execPath, args, { env: { ...process.env, ALLOCTUNE_TEST: '1' }, cwd: REPO_ROOT, deathSignal: 'KILL' });
  logs.set(name, '');
  proc.child.stderr?.on('data', (c: Buffer) => logs.set(name, (logs.get(name) ?? '') + c.toString()));
  workers.push(proc);
  return proc;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; logs:\n${[...logs].map(([n, l]) => `--- ${n}\n${l}`).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitRegistered(name: string): Promise<void> {
  await until(`${name} to register`, async () => (await listWorkers(redis)).some((w) => w.name === name));
}

async function stopWorker(proc: GuardedProcess): Promise<void> {
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await proc.done;
  clearTimeout(timer);
}

function trial(campaign: string, id: string, extra: Partial<TrialJobInput> = {}): TrialJobInput {
  return { campaign_id: campaign, trial_id: id, allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'quick' }], steal_max_pct: 100, ...extra };
}

before(async () => {
  server = await EmbeddedRedis.start({ dataDir: join(dir, 'redis') });
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  queue = new TrialQueue(server.url);
});

after(async () => {
  await Promise.all(workers.map(stopWorker));
  await queue.close();
  redis.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function countEvents(redis: Redis, campaign: string, type: string): Promise<number> {
  const { reports } = await readTrialReports(redis, '0', 100_000);
  return reports.filter((r) => r.campaign_id === campaign && r.type === type).length;
}

describe('workers with a real Redis and real processes', () => {
  it('two workers pinned to different CPUs drain 20 trials, each run and stored exactly once', async () => {
    startWorker('w-cpu0', '0');
    startWorker('w-cpu1', '1');
    await waitRegistered('w-cpu0');
    await waitRegistered('w-cpu1');
    const registered = await listWorkers(redis);
    assert.deepEqual(registered.find((w) => w.name === 'w-cpu1')?.cpus, '1');
    assert.ok(registered.find((w) => w.name === 'w-cpu0')?.allocators.some((a) => a.name === 'jemalloc' && a.version?.startsWith('5.')));

    const campaign = 'drain';
    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    for (const id of ids) await queue.enqueueTrial(trial(campaign, id));
    // Re-enqueueing the same trials must not add work.
    const again = await Promise.all(ids.slice(0, 5).map((id) => queue.enqueueTrial(trial(campaign, id))));
    assert.ok(again.every((o) => !o.created && o.jobId.startsWith('drain--')));

    const results = await until('20 results', async () => {
      const all = await listTrialResults(redis, campaign);
      return all.length === 20 ? all : undefined;
    });
    assert.deepEqual(results.map((r) => r.trial_id).sort(), [...ids].sort());
    for (const r of results) {
      assert.equal(r.status, 'completed', JSON.stringify(r.error));
      // The command saw the affinity of the worker that ran it.
      assert.equal(r.summary['command:quick.cpu']?.mean, Number(r.worker.cpus));
    }
    const byWorker = new Set(results.map((r) => r.worker.name));
    assert.equal(byWorker.size, 2, 'both workers took trials');
    assert.equal(await countEvents(redis, campaign, 'trial_result'), 20, 'one result event per trial');
    assert.ok((await countEvents(redis, campaign, 'trial_started')) >= 20, 'a start event for every trial');
    const starts = [...logs.values()].join('').match(/trial drain--t\d+: start/g) ?? [];
    assert.equal(starts.length, 20, 'no trial was measured twice');
  });

  it('an invalid MALLOC_CONF gives one failed trial quoting jemalloc, and the worker carries on', async () => {
    const campaign = 'badconf';
    const harness = { kind: 'harness' as const, workload: 'larson', args: { 'duration-ms': 100 } };
    // A documented knob with a bad value: the worker passes it, jemalloc judges it (unknown keys are refused earlier).
    await queue.enqueueTrial(trial(campaign, 'bad', { allocator: 'jemalloc', env: { MALLOC_CONF: 'narenas:abc' }, workloads: [harness] }));
    await queue.enqueueTrial(trial(campaign, 'good', { allocator: 'jemalloc', env: { MALLOC_CONF: 'dirty_decay_ms:0' }, workloads: [harness] }));
    const bad = await until('the failed trial', () => getTrialResult(redis, campaign, 'bad'));
    assert.equal(bad.status, 'failed');
    assert.equal(bad.error?.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
    assert.match(bad.error?.message ?? '', /<jemalloc>: Invalid conf value: narenas:abc/);
    const good = await until('the good trial', () => getTrialResult(redis, campaign, 'good'));
    assert.equal(good.status, 'completed');
    assert.equal(good.repeats[0]?.workloads[0]?.allocator.options['dirty_decay_ms'], 0);
    const counts = await queue.counts();
    assert.equal(counts['failed'], 0, 'a bad config is a failed trial, not a failed (retried) job');
  });

  it('kill -9 of a worker mid-trial: another worker completes the trial, exactly once', async () => {
    await Promise.all(workers.splice(0).map(stopWorker));
    const left = (await listWorkers(redis)).map((w) => w.name);
    assert.ok(!left.includes('w-cpu0') && !left.includes('w-cpu1'), 'a worker stopped with SIGTERM unregisters');
    const victim = startWorker('victim', '0');
    await waitRegistered('victim');
    await queue.enqueueTrial(trial('kill', 'k1', { workloads: [{ kind: 'command', name: 'slow' }] }));
    const pidFile = join(dir, 'slow.pids');
    const firstPid = await until('the slow command to start', async () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').split('\n')[0]) || undefined;
      } catch {
        return undefined;
      }
    });
    process.kill(victim.pid, 'SIGKILL');
    await victim.done;
    assert.ok(await waitGone(firstPid, 5000), 'the measured command died with its worker');
    startWorker('rescuer', '1');
    const result = await until('the recovered trial', () => getTrialResult(redis, 'kill', 'k1'), 40_000);
    assert.equal(result.status, 'completed');
    assert.equal(result.worker.name, 'rescuer');
    assert.equal(await countEvents(redis, 'kill', 'trial_result'), 1);
    assert.equal(readFileSync(pidFile, 'utf8').trim().split('\n').length, 2, 'run once by the victim, once by the rescuer');
    assert.ok(!processAlive(firstPid));
  });

  it('re-establishes a lost Redis connection (server restarted on the same port and data)', async () => {
    await waitRegistered('rescuer');
    const port = server.port;
    await server.stop();
    await new Promise((r) => setTimeout(r, 1500));
    server = await EmbeddedRedis.start({ dataDir: join(dir, 'redis'), port });
    await queue.enqueueTrial(trial('restart', 'r1'));
    const result = await until('a trial after the restart', () => getTrialResult(redis, 'restart', 'r1'), 40_000);
    assert.equal(result.status, 'completed');
    assert.equal(result.worker.name, 'rescuer');
    // Results stored before the restart survived it (append-only file).
    assert.equal((await listTrialResults(redis, 'drain')).length, 20);
  });
});
