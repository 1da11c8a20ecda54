import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Response as LightMyRequestResponse } from 'light-my-request';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startCli, until, type CliProcess } from './child-processes.js';
import { startTempRedis } from './temp-redis.js';

/** What a test's worker is started with besides its name. */
export interface TestWorkerOptions {
  /** Routing labels (`--labels k=v,...`). */
  labels?: Record<string, string>;
  /** The worker's config file content (`--config`), e.g. `{ commands: { ... } }`. */
  config?: unknown;
  cpus?: string;
  clientCpus?: string;
}

/** A real service on a temporary Redis, with real `alloctune worker` processes started on demand. */
export interface ServiceWithWorkers {
  service: RunningService;
  redis: Redis;
  redisUrl: string;
  token: string;
  /** An authorised request to the service (in-process `inject`); `body` is sent as JSON. */
  request: (method: 'GET' | 'POST', url: string, body?: unknown) => Promise<LightMyRequestResponse>;
  /** Start a worker and wait until it is registered. */
  startWorker: (name: string, options?: TestWorkerOptions) => Promise<CliProcess>;
  close: () => Promise<void>;
}

/**
 * Start a temporary Redis and the service (`controllerTickMs` 200 by default, so campaigns move
 * quickly; `workerTimeoutMs` shortens how long a silent worker counts as live); workers are started by the test when it wants them. `close` stops everything it started.
 */
export async function startServiceWithWorkers(options: { token?: string; controllerTickMs?: number; workerTimeoutMs?: number } = {}): Promise<ServiceWithWorkers> {
  const token = options.token ?? 'service-with-workers-token';
  const temp = await startTempRedis('alloctune-sww-');
  const service = await startService({ redisUrl: temp.server.url, token, controllerTickMs: options.controllerTickMs ?? 200, ...(options.workerTimeoutMs === undefined ? {} : { workerTimeoutMs: options.workerTimeoutMs }) });
  const redis = new Redis(temp.server.url);
  const configDir = mkdtempSync(join(tmpdir(), 'alloctune-worker-config-'));
  const workers: CliProcess[] = [];
  return {
    service,
    redis,
    redisUrl: temp.server.url,
    token,
    request: (method, url, body) =>
      service.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    startWorker: async (name, worker = {}) => {
      const args = ['worker', '--redis', temp.server.url, '--name', name, '--cpus', worker.cpus ?? '1', '--client-cpus', worker.clientCpus ?? '0', '--lock-ms', '4000', '--stalled-ms', '2000', '--heartbeat-ms', '500'];
      const labels = Object.entries(worker.labels ?? {}).map(([k, v]) => `${k}=${v}`);
      if (labels.length > 0) args.push('--labels', labels.join(','));
      if (worker.config !== undefined) {
        const file = join(configDir, `${name}.json`);
        writeFileSync(file, JSON.stringify(worker.config));
        args.push('--config', file);
      }
      const proc = startCli(args);
      workers.push(proc);
      await until(`worker ${name} registered`, async () => (await listWorkers(redis)).some((w) => w.name === name), 60_000, proc.log);
      return proc;
    },
    close: async () => {
      for (const w of workers) await w.stop(2000);
      await service.close();
      redis.disconnect();
      await temp.stop();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
