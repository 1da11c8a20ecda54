import { join } from 'node:path';
import { stateDir } from '../proc/repo-paths.js';
import { EmbeddedRedis } from './embedded-redis.js';

/** The Redis that holds queues and campaign state: the configured one, or an embedded server. */
export interface RedisTarget {
  url: string;
  /** Present when this process started the server itself. */
  embedded?: EmbeddedRedis;
  /** Stops the embedded server, if any. */
  close(): Promise<void>;
}

/**
 * Use `redisUrl` (or `REDIS_URL`) when given; otherwise start an embedded redis-server with its data
 * under `<state dir>/redis` so that campaigns survive a restart.
 */
export async function resolveRedisTarget(redisUrl = process.env['REDIS_URL']): Promise<RedisTarget> {
  if (redisUrl !== undefined && redisUrl !== '') return { url: redisUrl, close: async () => undefined };
  const embedded = await EmbeddedRedis.start({ dataDir: join(stateDir(), 'redis') });
  return { url: embedded.url, embedded, close: () => embedded.stop() };
}
