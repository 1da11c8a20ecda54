import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import { serverConfigProblems } from '../../../src/core/redis-server-directives.js';
import { guardedSpawn, type GuardedProcess, type ProcessOutcome } from '../../../src/proc/guarded-spawn.js';
import { freeLoopbackPort } from '../../../src/redis/free-port.js';
import { rejectionFromStderr } from './allocator-rejection.js';

export interface RedisServerOptions {
  /** redis-server executable (resolved through PATH by taskset when bare). */
  serverPath: string;
  /** CPU list the server is pinned to (taskset -c). */
  cpus: string;
  /** Complete environment of the server: MALLOC_CONF, LD_PRELOAD ... */
  env: Record<string, string>;
  /** Extra `--name value` directives from the allow-list (src/core/redis-server-directives.ts); checked again here. */
  serverConfig: Record<string, string>;
  startTimeoutMs: number;
}

/** A redis-server started for one measurement: loopback only, no persistence, its own process group. */
export interface RedisServerProcess {
  port: number;
  pid: number;
  /** Connection used for INFO, EVAL and MEMORY commands. */
  client: Redis;
  /** Everything the server wrote to stderr so far (jemalloc writes conf complaints there, not to the log). */
  stderr(): string;
  /** Settles when the server has exited, for whatever reason. */
  exited: Promise<ProcessOutcome>;
  /** The outcome once exited, else undefined. */
  outcome(): ProcessOutcome | undefined;
  /** SHUTDOWN NOSAVE, then SIGKILL to the group if it is not gone within `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<ProcessOutcome>;
}

/** "was killed by SIGSEGV", "exited with code 1" ... for error messages. */
export function describeExit(o: ProcessOutcome): string {
  if (o.spawnError !== undefined) return `could not be started: ${o.spawnError}`;
  return o.signal !== null ? `was killed by ${o.signal}` : `exited with code ${o.exitCode}`;
}

function connectClient(port: number): Redis {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  return client;
}

/** Directives the runner always sets: no persistence, no daemon, log to stdout. */
const RUNNER_DIRECTIVES = ['--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''];

/**
 * Refuses a `server_config` outside the allow-list even though the job schema checked it already:
 * this is the last point before a process starts, whoever built the options.
 */
function checkServerConfig(config: Readonly<Record<string, string>>): void {
  const problem = serverConfigProblems(config)[0];
  if (problem !== undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: `server_config.${problem.directive.slice(0, 64)}`, reason: problem.message });
  }
}

/**
 * `taskset` arguments that start redis-server: the job's directives first, then the runner's own,
 * since for a repeated directive the last one wins (bind, protected-mode and port are always the
 * runner's). The first argument after the executable starts with `--`, so no config file is read.
 */
export function redisServerArgs(options: Pick<RedisServerOptions, 'cpus' | 'serverPath' | 'serverConfig'>, port: number): string[] {
  const args = ['-c', options.cpus, options.serverPath];
  for (const [name, value] of Object.entries(options.serverConfig)) args.push(`--${name}`, value);
  args.push(...RUNNER_DIRECTIVES, '--dir', tmpdir(), '--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes');
  return args;
}

async function spawnOnce(options: RedisServerOptions, port: number): Promise<RedisServerProcess | 'port-taken'> {
  const args = redisServerArgs(options, port);
  const proc: GuardedProcess = guardedSpawn('taskset', args, { env: options.env, cwd: tmpdir(), deathSignal: 'KILL', maxOutputBytes: 256 * 1024 });
  let stderr = '';
  proc.child.stderr?.on('data', (c: Buffer) => {
    if (stderr.length < 256 * 1024) stderr += c.toString('utf8');
  });
  let outcome: ProcessOutcome | undefined;
  const exited = proc.done.then((o) => (outcome = o));

  const client = connectClient(port);
  const deadline = Date.now() + options.startTimeoutMs;
  for (;;) {
    if (outcome !== undefined) {
      client.disconnect();
      if (/Address already in use/.test(outcome.stdout + stderr)) return 'port-taken';
      // abort_conf:true makes jemalloc abort here: its complaint is the reason, not the SIGABRT.
      throw (
        rejectionFromStderr(stderr) ??
        new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', {
          target: 'redis-server',
          reason: `${describeExit(outcome)} during start: ${(stderr + outcome.stdout).trim().slice(-400)}`,
        })
      );
    }
    try {
      if (client.status === 'wait' || client.status === 'end' || client.status === 'close') await client.connect();
      if ((await client.ping()) === 'PONG') break;
    } catch {
      // Not listening yet; a failed connect leaves the client in 'end' so it can be connected again.
    }
    if (Date.now() > deadline) {
      client.disconnect();
      proc.kill('SIGKILL');
      await exited;
      throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: 'redis-server start', timeout_ms: options.startTimeoutMs });
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  let stopping: Promise<ProcessOutcome> | undefined;
  const stop = (graceMs = 5000): Promise<ProcessOutcome> => {
    stopping ??= (async () => {
      if (outcome === undefined) {
        // The reply never comes: the server exits while answering SHUTDOWN.
        await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      client.disconnect();
      // Whatever else is left in the group (nothing, normally) goes too.
      proc.kill('SIGKILL');
      return exited;
    })();
    return stopping;
  };
  return { port, pid: proc.pid, client, stderr: () => stderr, exited, outcome: () => outcome, stop };
}

/**
 * Starts redis-server pinned to `cpus` on a free loopback port and resolves once it answers PING.
 * A port taken between choosing and binding it is retried with another port.
 */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServerProcess> {
  checkServerConfig(options.serverConfig);
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await spawnOnce(options, await freeLoopbackPort());
    if (started !== 'port-taken') return started;
  }
  throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: 'redis-server found its port taken three times' });
}

