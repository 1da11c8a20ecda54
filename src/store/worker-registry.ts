import type { Redis } from 'ioredis';
import { WorkerInfoSchema, type WorkerInfo } from '../core/worker-info.js';
import { KEYS } from './keys.js';

/** A worker whose last heartbeat is older than this is not listed (three missed 5 s heartbeats). */
export const DEFAULT_WORKER_TIMEOUT_MS = 15_000;

/** Publish or refresh a worker's record; `last_seen_ms` is set to now. */
export async function heartbeatWorker(redis: Redis, info: WorkerInfo, nowMs = Date.now()): Promise<void> {
  const record = WorkerInfoSchema.parse({ ...info, last_seen_ms: nowMs });
  await redis.multi().hset(KEYS.workers, record.name, JSON.stringify(record)).zadd(KEYS.workersSeen, nowMs, record.name).exec();
}

/** Remove a worker's record (clean shutdown). */
export async function unregisterWorker(redis: Redis, name: string): Promise<void> {
  await redis.multi().hdel(KEYS.workers, name).zrem(KEYS.workersSeen, name).exec();
}

/** Workers whose heartbeat is younger than `timeoutMs`, by name. */
export async function listWorkers(redis: Redis, timeoutMs = DEFAULT_WORKER_TIMEOUT_MS, nowMs = Date.now()): Promise<WorkerInfo[]> {
  const names = await redis.zrangebyscore(KEYS.workersSeen, nowMs - timeoutMs, '+inf');
  if (names.length === 0) return [];
  names.sort();
  const values = await redis.hmget(KEYS.workers, ...names);
  return values.flatMap((json) => {
    if (json === null) return [];
    const parsed = WorkerInfoSchema.safeParse(JSON.parse(json));
    return parsed.success ? [parsed.data] : [];
  });
}
