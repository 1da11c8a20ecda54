import { setTimeout as delay } from 'node:timers/promises';
import { memorySnapshot, parseInfo, type MemorySnapshot } from './info-memory.js';

/** The calls a memory reading needs (ioredis's Redis has them). */
export interface MemoryClient {
  info(section: string): Promise<string>;
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** Memory of the server at the end of one stream: INFO memory, MEMORY STATS and INFO keyspace. */
export interface StreamMemory extends MemorySnapshot {
  /** The numeric top-level fields of MEMORY STATS, dots as underscores (dataset_bytes, overhead_total, keys_count ...). */
  memory_stats: Record<string, number>;
  /** Keys per database (INFO keyspace `dbN:keys=...`). */
  keys_by_db: Record<string, number>;
}

/** MEMORY STATS replies a flat [name, value, ...] list; nested per-db lists are left out. */
export function parseMemoryStats(reply: unknown): Record<string, number> {
  const stats: Record<string, number> = {};
  if (!Array.isArray(reply)) return stats;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const value = typeof reply[i + 1] === 'number' ? reply[i + 1] as number : Number(reply[i + 1]);
    if (typeof reply[i] === 'string' && !Array.isArray(reply[i + 1]) && Number.isFinite(value)) stats[(reply[i] as string).replace(/[.-]/g, '_')] = value;
  }
  return stats;
}

/** `INFO keyspace` as keys per database: `db0:keys=12,expires=0,avg_ttl=0` -> {db0: 12}. */
export function parseKeyspace(info: Record<string, string>): Record<string, number> {
  const keys: Record<string, number> = {};
  for (const [db, value] of Object.entries(info)) {
    const m = /^keys=(\d+)/.exec(value);
    if (/^db\d+$/.test(db) && m) keys[db] = Number(m[1]);
  }
  return keys;
}

/** Margin past the refresh period, for a cron tick that runs late on a busy machine. */
const REFRESH_MARGIN_MS = 30;

/**
 * How long until INFO's allocator_* and used_memory_rss are fresh: Redis 7.0 refreshes them in
 * serverCron every 100 ms (run_with_period(100)), or every tick when ticks are slower (hz < 10).
 * used_memory itself is exact at any time.
 */
export function statsRefreshMs(infoServer: Record<string, string>): number {
  const hz = Number(infoServer['hz']);
  return Math.max(100, Number.isFinite(hz) && hz > 0 ? 1000 / hz : 100) + REFRESH_MARGIN_MS;
}

/** Waits for the server's next refresh of its allocator statistics, then reads them. */
export async function readFreshStreamMemory(client: MemoryClient): Promise<StreamMemory> {
  await delay(statsRefreshMs(parseInfo(await client.info('server'))));
  return readStreamMemory(client);
}

/** Reads the memory of the server now (allocator_* and RSS as of Redis's last refresh). */
export async function readStreamMemory(client: MemoryClient): Promise<StreamMemory> {
  const [memory, stats, keyspace] = await Promise.all([client.info('memory'), client.call('MEMORY', 'STATS'), client.info('keyspace')]);
  return { ...memorySnapshot(parseInfo(memory)), memory_stats: parseMemoryStats(stats), keys_by_db: parseKeyspace(parseInfo(keyspace)) };
}
