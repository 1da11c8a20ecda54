import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { AlloctuneError } from '../core/alloctune-error.js';
import { guardedSpawn, type GuardedProcess, type ProcessOutcome } from '../proc/guarded-spawn.js';
import { freeLoopbackPort } from './free-port.js';

export interface EmbeddedRedisOptions {
  /** Directory for the AOF files and the pid record; created when missing. */
  dataDir: string;
  /** Port to bind on 127.0.0.1; default: a free one. */
  port?: number;
  /** redis-server executable; default `redis-server` from PATH. */
  serverPath?: string;
  /** How long to wait for the first PONG. */
  startTimeoutMs?: number;
}

interface PidRecord {
  pid: number;
  port: number;
}

const PID_FILE = 'embedded-redis.json';

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRedisProcess(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return !isRedisProcess(pid);
}

/**
 * Stop a server recorded by an earlier run that did not stop it (it should have died with its
 * parent through spawn-guard; this covers a guard that was not built yet).
 */
async function reapStale(dataDir: string): Promise<void> {
  const file = join(dataDir, PID_FILE);
  if (!existsSync(file)) return;
  let record: PidRecord | undefined;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    record = undefined;
  }
  if (record && Number.isInteger(record.pid) && isRedisProcess(record.pid)) {
    try {
      process.kill(record.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    if (!(await waitForExit(record.pid, 5000))) process.kill(record.pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
}

async function waitForPing(url: string, proc: GuardedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: ProcessOutcome | undefined;
  void proc.done.then((o) => (exited = o));
  while (Date.now() < deadline) {
    if (exited) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', {
        reason: `redis-server exited during start (code ${exited.exitCode}): ${exited.stdout.slice(-400)}${exited.stderr.slice(-400)}`,
      });
    }
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === 'PONG') return;
    } catch {
      // Not listening yet.
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill();
  throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `redis-server did not answer PING within ${timeoutMs} ms` });
}

/**
 * A redis-server owned by this process: loopback only, append-only file in `dataDir` so that
 * campaign state survives a restart, stopped by {@link EmbeddedRedis.stop} and, should this process
 * die without stopping it, by spawn-guard's parent-death signal.
 */
export class EmbeddedRedis {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  private readonly proc: GuardedProcess;
  private stopping: Promise<void> | undefined;

  private constructor(proc: GuardedProcess, port: number, dataDir: string) {
    this.proc = proc;
    this.port = port;
    this.dataDir = dataDir;
    this.url = `redis://127.0.0.1:${port}`;
  }

  /** Start a server and resolve once it answers PING. */
  static async start(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
    mkdirSync(options.dataDir, { recursive: true });
    await reapStale(options.dataDir);
    const port = options.port ?? (await freeLoopbackPort());
    const args = [
      '--port', String(port),
      '--bind', '127.0.0.1',
      '--dir', options.dataDir,
      '--appendonly', 'yes',
      '--appendfsync', 'everysec',
      '--save', '',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--logfile', '',
      // BullMQ requires that Redis never evicts its keys.
      '--maxmemory-policy', 'noeviction',
    ];
    const proc = guardedSpawn(options.serverPath ?? 'redis-server', args, {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
      cwd: options.dataDir,
      deathSignal: 'TERM',
      maxOutputBytes: 64 * 1024,
    });
    const server = new EmbeddedRedis(proc, port, options.dataDir);
    await waitForPing(server.url, proc, options.startTimeoutMs ?? 10_000);
    writeFileSync(join(options.dataDir, PID_FILE), JSON.stringify({ pid: proc.pid, port } satisfies PidRecord));
    return server;
  }

  /** Process id of the server. */
  get pid(): number {
    return this.proc.pid;
  }

  /** SIGTERM (redis flushes the AOF and exits), then SIGKILL after `graceMs`. Idempotent. */
  stop(graceMs = 5000): Promise<void> {
    this.stopping ??= (async () => {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
      await this.proc.done;
      clearTimeout(timer);
      rmSync(join(this.dataDir, PID_FILE), { force: true });
    })();
    return this.stopping;
  }
}
