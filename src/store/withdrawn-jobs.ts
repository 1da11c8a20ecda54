import type { Redis } from 'ioredis';
import { KEYS } from './keys.js';

// Why a mark and not only removing the job: BullMQ cannot remove a job a worker holds, and a job
// active on a worker killed with SIGKILL goes back to waiting (stalled-job check) whenever its lock
// expires, possibly after its campaign finished or its trial was failed and re-planned elsewhere.
// The mark outlives that, and is the one thing a worker needs to read (one EXISTS per job).
// Kept without expiry: one small key per withdrawn trial, and a stale job may resurface late.

/** Record that the trial job `jobId` must not run any more (campaign stopped, trial re-planned). */
export async function markJobWithdrawn(redis: Redis, jobId: string): Promise<void> {
  await redis.set(KEYS.withdrawnJob(jobId), '1');
}

/** True once {@link markJobWithdrawn} was called for `jobId`. */
export async function isJobWithdrawn(redis: Redis, jobId: string): Promise<boolean> {
  return (await redis.exists(KEYS.withdrawnJob(jobId))) === 1;
}
