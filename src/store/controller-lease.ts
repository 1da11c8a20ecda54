import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KEYS } from './keys.js';

// Take the lease when free, or extend it when this holder has it: one round trip, no race.
const TAKE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * The right to run the campaign controller on one Redis (`KEYS.controllerLease`): held by one
 * service process at a time, for `ttlMs` after each renewal, so a killed holder frees it by itself.
 */
export class ControllerLease {
  /** Identifies this holder in the key (host process and a random suffix, for the error message). */
  readonly holder = `pid ${process.pid} ${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly redis: Redis,
    readonly ttlMs: number,
  ) {}

  /** Take the lease, or renew it; false while another process holds it. */
  async takeOrRenew(): Promise<boolean> {
    return (await this.redis.eval(TAKE_OR_RENEW, 1, KEYS.controllerLease, this.holder, String(this.ttlMs))) === 1;
  }

  /** Who holds the lease now, if anyone. */
  async currentHolder(): Promise<string | undefined> {
    return (await this.redis.get(KEYS.controllerLease)) ?? undefined;
  }

  /** Give the lease up (only if this holder still has it). */
  async release(): Promise<void> {
    await this.redis.eval(RELEASE, 1, KEYS.controllerLease, this.holder);
  }
}
