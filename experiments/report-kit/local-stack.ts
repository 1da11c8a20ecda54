/**
 * The one-machine stack an experiment runs its campaigns on: an embedded Redis in a temporary
 * directory, the service on it, and one `alloctune worker` (registered before `start` returns).
 * `stop` takes everything down and removes the data directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startService } from '../../src/api/start-service.js';
import { guardedSpawn } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { listWorkers } from '../../src/store/worker-registry.js';

export interface LocalStackOptions {
  /** Names the data directory and the worker (`<name>-w1`), and is the service token. */
  name: string;
  cpus: string;
  clientCpus: string;
  /** More `alloctune worker` arguments, e.g. `['--traces', DIR]`. */
  workerArgs?: readonly string[];
}

export interface LocalStack {
  redisUrl: string;
  serviceUrl: string;
  token: string;
  workerName: string;
  /** A client on the stack's Redis (for the store's raw records). */
  redis: Redis;
  stop: () => Promise<void>;
}

const REGISTER_TIMEOUT_MS = 60_000;

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `alloctune-${o.name}-`));
  const server = await EmbeddedRedis.start({ dataDir });
  const token = o.name;
  const service = await startService({ redisUrl: server.url, token, controllerTickMs: 300 });
  const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
  const workerName = `${o.name}-w1`;
  const worker = guardedSpawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'worker', '--redis', server.url, '--name', workerName, '--cpus', o.cpus, '--client-cpus', o.clientCpus, ...(o.workerArgs ?? [])],
    { env: process.env, cwd: REPO_ROOT, deathSignal: 'TERM' },
  );
  const stop = async (): Promise<void> => {
    worker.kill('SIGTERM');
    await worker.done;
    redis.disconnect();
    await service.close();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    for (const t0 = Date.now(); !(await listWorkers(redis)).some((w) => w.name === workerName); ) {
      if (Date.now() - t0 > REGISTER_TIMEOUT_MS) throw new Error(`the worker did not register within ${REGISTER_TIMEOUT_MS / 1000} s`);
      await sleep(300);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { redisUrl: server.url, serviceUrl: service.url, token, workerName, redis, stop };
}
