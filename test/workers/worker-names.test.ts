import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { startTempRedis } from '../helpers/temp-redis.js';

// Real worker processes against a temp Redis: a second `--name w1` is refused while the first
// heartbeats; the name is free again once its owner stopped heartbeating (killed, lease lapsed).
let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
let redis: Redis;
const procs: CliProcess[] = [];

function worker(name: string): CliProcess {
  const proc = startWorker(redisServer.server.url, name);
  procs.push(proc);
  return proc;
}

async function registered(name: string): Promise<{ pid: number; last_seen_ms: number } | undefined> {
  return (await listWorkers(redis, 5000)).find((w) => w.name === name);
}

describe('worker names', () => {
  before(async () => {
    redisServer = await startTempRedis('alloctune-names-');
    redis = new Redis(redisServer.server.url);
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop(2000)));
    redis.disconnect();
    await redisServer.stop();
  });

  it('refuses a second worker with a live name, with one clear line, and leaves the first alone', async () => {
    const first = worker('names-w1');
    await until('names-w1 ready', async () => /worker names-w1 ready/.test(first.log()), 60_000, first.log);
    const firstRecord = await until('names-w1 registered', () => registered('names-w1'));

    const second = worker('names-w1');
    const outcome = await second.proc.done;
    assert.equal(outcome.exitCode, 1, second.log());
    const lines = outcome.stderr.trim().split('\n');
    assert.equal(lines.length, 1, outcome.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^alloctune worker: ALLOCTUNE_ERR_CONFLICT: worker name 'names-w1' is taken by a live worker \\(pid ${firstRecord.pid} on .+, last heartbeat [\\d.]+ s ago\\); choose another --name`));

    // The first still owns its record and keeps heartbeating.
    const seen = firstRecord.last_seen_ms;
    const later = await until('a later heartbeat of the first', async () => {
      const r = await registered('names-w1');
      return r && r.last_seen_ms > seen ? r : undefined;
    }, 10_000);
    assert.equal(later.pid, firstRecord.pid);
    assert.equal(first.proc.child.exitCode, null, 'the first worker still runs');
  });

  it('lets the name be reused once its owner stopped heartbeating', async () => {
    const holder = procs[0];
    assert.ok(holder);
    holder.proc.kill('SIGKILL');
    await holder.proc.done;
    // Lease: three heartbeats of 500 ms. Until it lapses the name is still refused.
    const again = await until('a worker named names-w1 accepted again', async () => {
      const candidate = worker('names-w1');
      const exited = (): boolean => candidate.proc.child.exitCode !== null || candidate.proc.child.signalCode !== null;
      const state = await until('ready or refused', async () => (/worker names-w1 ready/.test(candidate.log()) ? 'ready' : exited() ? 'refused' : undefined), 60_000);
      return state === 'ready' ? candidate : undefined;
    }, 30_000);
    const record = await until('names-w1 registered by the new process', async () => {
      const r = await registered('names-w1');
      return r && r.pid !== undefined && r.pid !== procs[0]?.proc.pid ? r : undefined;
    });
    assert.ok(record);
    assert.equal(again.proc.child.exitCode, null);
  });
});
