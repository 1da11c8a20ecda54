import { join } from 'node:path';
import { stateDir } from '../proc/repo-paths.js';
import { EmbeddedRedis } from './embedded-redis.js';
import { redisConnectionFrom, type RedisEndpoint } from './redis-connection.js';

/** The Redis that holds queues and campaign state: the configured one, or an embedded server. */
export interface RedisTarget {
  /** Its URL (may carry credentials: log `redactRedisUrl` of it, not the URL itself). */
  url: string;
  /** URL with TLS material and password: what every client is opened with. */
  endpoint: RedisEndpoint;
  /** Present when this process started the server itself. */
  embedded?: EmbeddedRedis;
  /** Stops the embedded server, if any. */
  close(): Promise<void>;
}

/**
 * Use `endpoint` when given (by default the settings from REDIS_URL and the ALLOCTUNE_REDIS_*
 * variables); otherwise start an embedded redis-server with its data under `<state dir>/redis` so
 * that campaigns survive a restart.
 */
export async function resolveRedisTarget(endpoint: RedisEndpoint | undefined = redisConnectionFrom({})): Promise<RedisTarget> {
  const url = typeof endpoint === 'string' ? endpoint : endpoint?.url;
  if (endpoint !== undefined && url !== undefined && url !== '') return { url, endpoint, close: async () => undefined };
  const embedded = await EmbeddedRedis.start({ dataDir: join(stateDir(), 'redis') });
  return { url: embedded.url, endpoint: embedded.url, embedded, close: () => embedded.stop() };
}
