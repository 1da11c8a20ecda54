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

// A name is held by one process at a time through a lease key holding the owner's random token.
// Claiming and renewing are the same step: take the lease when it is free or already ours.
const CLAIM_LEASE = `local held = redis.call('GET', KEYS[1])
if held == false or held == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
// 1: released ours; 0: it had lapsed; -1: another process holds the name now.
const RELEASE_LEASE = `local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
if held == false then return 0 end
return -1`;

/**
 * Take or renew the lease on a worker name for `leaseMs`: true when `owner` holds it afterwards,
 * false when another live process does. A lease nobody renews lapses, so a killed worker's name
 * can be used again once `leaseMs` has passed.
 */
export async function claimWorkerName(redis: Redis, name: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await redis.eval(CLAIM_LEASE, 1, KEYS.workerNameLease(name), owner, String(Math.ceil(leaseMs)))) === 1;
}

/** Give the name back (clean shutdown); false when another process holds it by now. */
export async function releaseWorkerName(redis: Redis, name: string, owner: string): Promise<boolean> {
  return (await redis.eval(RELEASE_LEASE, 1, KEYS.workerNameLease(name), owner)) !== -1;
}

/** The registered record of `name`, whatever its age (for messages about who holds a name). */
export async function getWorkerRecord(redis: Redis, name: string): Promise<WorkerInfo | undefined> {
  const json = await redis.hget(KEYS.workers, name);
  if (json === null) return undefined;
  const parsed = WorkerInfoSchema.safeParse(JSON.parse(json));
  return parsed.success ? parsed.data : undefined;
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
