import { TRIAL_QUEUE_BASE } from '../queue/queue-names.js';
import { KEYS } from '../store/keys.js';

/** The two kinds of process that connect to the shared Redis. */
export type RedisRole = 'service' | 'worker';

const ANY = '*';

/** BullMQ keeps every key of a queue under `bull:<queue>:`; all trial queues share one prefix. */
const QUEUE_KEYS = `bull:${TRIAL_QUEUE_BASE}*`;

/**
 * Key patterns each role needs, derived from the key builders so they follow any rename. A worker
 * writes only what a trial produces (its result, the results index, the report stream the controller
 * reads) and its own registry entry and name lease: it cannot touch campaign records, trial records, optimizer
 * state or the campaigns' event streams (the controller is their one writer).
 */
export const ACL_KEY_PATTERNS: Record<RedisRole, readonly string[]> = {
  worker: [
    QUEUE_KEYS,
    KEYS.trialResult(ANY, ANY),
    KEYS.campaignResults(ANY),
    KEYS.trialReports,
    KEYS.workers,
    KEYS.workersSeen,
    KEYS.workerNameLease(ANY),
  ],
  // Campaign records, trial records, optimizer state, events, results, the registry (src/store).
  service: [QUEUE_KEYS, 'alloctune:*'],
};

/**
 * Key patterns a role may read but not write (`%R~`): a worker checks the service's withdrawal mark
 * before running a job (src/store/withdrawn-jobs.ts).
 */
export const ACL_READ_ONLY_KEY_PATTERNS: Record<RedisRole, readonly string[]> = {
  worker: [KEYS.withdrawnJob(ANY)],
  service: [],
};

/**
 * Commands both roles need, narrowed by running a campaign under them
 * (test/redis/tls-acl-campaign.test.ts; without `+@transaction` the registry's MULTI fails, without
 * `+info` BullMQ does not start, without `+@connection` CLIENT SETNAME is refused): reads and writes
 * (BZPOPMIN and XREAD ... BLOCK among them), BullMQ's Lua scripts, MULTI, CLIENT SETNAME; minus
 * everything `@dangerous` or `@admin` (FLUSHALL, CONFIG, DEBUG, KEYS, CLIENT KILL, MIGRATE ...) and
 * functions; plus INFO, which BullMQ reads to check the server version and eviction policy.
 */
export const ACL_COMMAND_RULES: readonly string[] = ['-@all', '+@read', '+@write', '+@scripting', '+@transaction', '+@connection', '-@dangerous', '-@admin', '-function', '+info'];

/**
 * The `ACL SETUSER` / aclfile rules for `role` (without the user name and password), e.g.
 * `on resetkeys ~bull:alloctune-trials* ... resetchannels -@all +@read ...`.
 */
export function aclRules(role: RedisRole): string {
  return ['on', 'resetkeys', ...ACL_KEY_PATTERNS[role].map((p) => `~${p}`), ...ACL_READ_ONLY_KEY_PATTERNS[role].map((p) => `%R~${p}`), 'resetchannels', ...ACL_COMMAND_RULES].join(' ');
}
