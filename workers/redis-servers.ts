import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { redisBuildMalloc, type RedisServerInfo } from '../src/core/redis-server-build.js';
import { runGuarded } from '../src/proc/guarded-spawn.js';
import type { WorkerConfig } from './worker-config.js';

/** The redis-server a trial of one allocator runs, and which setting chose it (for messages). */
export interface RedisServerChoice {
  path: string;
  configuredBy: string;
}

type RedisServerSettings = Pick<WorkerConfig, 'redis_server' | 'redis_servers'>;

/** The default redis-server: the config's `redis_server`, else `redis-server` from PATH. */
function defaultServer(config: RedisServerSettings): RedisServerChoice {
  return config.redis_server === undefined
    ? { path: 'redis-server', configuredBy: 'the redis-server on PATH (no redis_server configured)' }
    : { path: config.redis_server, configuredBy: 'redis_server in the worker config' };
}

/**
 * The redis-server for `allocator`'s trials: its own entry of `redis_servers` (or, for a campaign's
 * definition that is a view over another, the base's entry), else the default one.
 */
export function redisServerFor(config: RedisServerSettings, allocator: string, base?: string): RedisServerChoice {
  for (const name of [allocator, base]) {
    const path = name === undefined ? undefined : config.redis_servers[name];
    if (name !== undefined && path !== undefined) return { path, configuredBy: `redis_servers.${name} in the worker config or --redis-server ${name}=PATH` };
  }
  return defaultServer(config);
}

/** Why `path` cannot be run (missing, not a file, not executable, not on PATH), or undefined. */
export function redisServerProblem(path: string): string | undefined {
  const candidates = isAbsolute(path) ? [path] : (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '').map((d) => join(d, path));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return undefined;
    } catch {
      // Not there or not executable: try the next PATH entry.
    }
  }
  return isAbsolute(path) ? 'does not exist, is not a regular file or is not executable' : 'is not found on PATH';
}

/**
 * Every redis-server this worker is configured with (the default one first) and the allocator each
 * is built with, read from `redis-server --version`; one that cannot run is listed with its problem.
 */
export async function probeRedisServers(config: RedisServerSettings): Promise<RedisServerInfo[]> {
  const entries: { allocator?: string; path: string }[] = [{ path: defaultServer(config).path }, ...Object.entries(config.redis_servers).map(([allocator, path]) => ({ allocator, path }))];
  const infos: RedisServerInfo[] = [];
  for (const entry of entries) {
    const problem = redisServerProblem(entry.path);
    if (problem !== undefined) {
      infos.push({ ...entry, malloc: null, problem: `${entry.path} ${problem}` });
      continue;
    }
    const outcome = await runGuarded(entry.path, ['--version'], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, timeoutMs: 5000 });
    const malloc = outcome.exitCode === 0 ? redisBuildMalloc(outcome.stdout) : null;
    infos.push(malloc === null ? { ...entry, malloc, problem: `${entry.path} --version did not name its allocator (exit ${String(outcome.exitCode ?? outcome.signal)})` } : { ...entry, malloc });
  }
  return infos;
}
