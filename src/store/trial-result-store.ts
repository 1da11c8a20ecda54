import type { Redis } from 'ioredis';
import { AlloctuneError } from '../core/alloctune-error.js';
import { TrialResultSchema, type TrialResult } from '../core/trial-result.js';
import { KEYS, REPORTS_MAXLEN } from './keys.js';

// One script so that the result, its index entry and its report are written together or not at all,
// and only by the first writer: a retried or recovered job that finishes again stores nothing. The
// report's field layout is the one src/store/trial-events.ts reads.
const STORE_ONCE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'trial_result', 'trial_id', ARGV[2], 'campaign_id', ARGV[6], 'status', ARGV[4])
  return 1
end
return 0
`;

/** Outcome of {@link storeTrialResult}: `stored` false means an earlier result was already there. */
export interface StoreOutcome {
  stored: boolean;
  result: TrialResult;
}

function parseStored(json: string, key: string): TrialResult {
  const parsed = TrialResultSchema.safeParse(JSON.parse(json));
  if (!parsed.success) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: `stored result ${key} does not validate: ${parsed.error.message}` });
  }
  return parsed.data;
}

/**
 * Validate `result` and store it exactly once, with an index entry and a `trial_result` report for
 * the controller (`KEYS.trialReports`). When a result for the same trial exists, nothing is written and the existing
 * one is returned.
 */
export async function storeTrialResult(redis: Redis, result: TrialResult): Promise<StoreOutcome> {
  const valid = TrialResultSchema.parse(result);
  const key = KEYS.trialResult(valid.campaign_id, valid.trial_id);
  const written = await redis.eval(
    STORE_ONCE,
    3,
    key,
    KEYS.campaignResults(valid.campaign_id),
    KEYS.trialReports,
    JSON.stringify(valid),
    valid.trial_id,
    String(Date.parse(valid.finished_at)),
    valid.status,
    String(REPORTS_MAXLEN),
    valid.campaign_id,
  );
  if (written === 1) return { stored: true, result: valid };
  const existing = await getTrialResult(redis, valid.campaign_id, valid.trial_id);
  if (existing === undefined) throw new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: `result ${key} vanished` });
  return { stored: false, result: existing };
}

/** The stored result of one trial, or undefined. */
export async function getTrialResult(redis: Redis, campaignId: string, trialId: string): Promise<TrialResult | undefined> {
  const key = KEYS.trialResult(campaignId, trialId);
  const json = await redis.get(key);
  return json === null ? undefined : parseStored(json, key);
}

/** Trial ids of a campaign with a stored result, in the order they finished. */
export function listResultTrialIds(redis: Redis, campaignId: string): Promise<string[]> {
  return redis.zrange(KEYS.campaignResults(campaignId), 0, -1);
}

/** Every stored result of a campaign, in the order they finished. */
export async function listTrialResults(redis: Redis, campaignId: string): Promise<TrialResult[]> {
  const ids = await listResultTrialIds(redis, campaignId);
  if (ids.length === 0) return [];
  const keys = ids.map((id) => KEYS.trialResult(campaignId, id));
  const values = await redis.mget(...keys);
  return values.flatMap((json, i) => (json === null ? [] : [parseStored(json, keys[i] ?? '')]));
}
