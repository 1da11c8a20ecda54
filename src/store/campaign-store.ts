import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CampaignRecordSchema, TrialRecordSchema, type CampaignRecord, type TrialRecord } from '../core/campaign-record.js';
import type { CampaignEventType } from './campaign-events.js';
import { EVENTS_MAXLEN, KEYS } from './keys.js';

// A campaign is stored whole or not at all: the record (only if the id is new), its index entry
// and its sampler state in one step, so that a service killed while creating it leaves no record
// that the index (and so the resumed controller) does not know of.
const CREATE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
return 1
`;

/** A new campaign id: time-ordered, unguessable suffix, safe in keys and job ids. */
export function newCampaignId(nowMs = Date.now()): string {
  return `c${nowMs.toString(36)}${randomBytes(3).toString('hex')}`;
}

/**
 * Campaign state in Redis (keys in src/store/keys.ts); every method is a few round trips at most.
 * Only the service's controller writes through it, one campaign at a time (see CampaignController).
 */
export class CampaignStore {
  constructor(private readonly redis: Redis) {}

  /** Store a new campaign (with its sampler state, if given) in one atomic step; false if the id is taken (nothing written). */
  async create(record: CampaignRecord, optimizerState?: unknown): Promise<boolean> {
    const valid = CampaignRecordSchema.parse(record);
    const state = optimizerState === undefined ? '' : JSON.stringify(optimizerState);
    const created = await this.redis.eval(CREATE, 3, KEYS.campaign(valid.id), KEYS.campaignIndex, KEYS.optimizerState(valid.id), JSON.stringify(valid), String(Date.parse(valid.created_at)), valid.id, state);
    return created === 1;
  }

  /** True if a campaign of this id is stored. */
  async exists(id: string): Promise<boolean> {
    return (await this.redis.exists(KEYS.campaign(id))) === 1;
  }

  async get(id: string): Promise<CampaignRecord | undefined> {
    const json = await this.redis.get(KEYS.campaign(id));
    return json === null ? undefined : CampaignRecordSchema.parse(JSON.parse(json));
  }

  async update(record: CampaignRecord): Promise<void> {
    const valid = CampaignRecordSchema.parse(record);
    await this.redis.set(KEYS.campaign(valid.id), JSON.stringify(valid), 'XX');
  }

  /** All campaigns, newest first. */
  async list(): Promise<CampaignRecord[]> {
    const ids = await this.redis.zrevrange(KEYS.campaignIndex, 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => KEYS.campaign(id)));
    return values.flatMap((json) => (json === null ? [] : [CampaignRecordSchema.parse(JSON.parse(json))]));
  }

  /** Next trial id of a campaign (`t1`, `t2`, ...), unique across restarts. */
  async nextTrialId(campaignId: string): Promise<string> {
    return `t${await this.redis.incr(KEYS.trialSequence(campaignId))}`;
  }

  async putTrial(trial: TrialRecord): Promise<void> {
    const valid = TrialRecordSchema.parse(trial);
    await this.redis.hset(KEYS.campaignTrials(valid.campaign_id), valid.trial_id, JSON.stringify(valid));
  }

  async putTrials(campaignId: string, trials: readonly TrialRecord[]): Promise<void> {
    if (trials.length === 0) return;
    const flat = trials.flatMap((t) => [t.trial_id, JSON.stringify(TrialRecordSchema.parse(t))]);
    await this.redis.hset(KEYS.campaignTrials(campaignId), ...flat);
  }

  async trials(campaignId: string): Promise<TrialRecord[]> {
    const all = await this.redis.hgetall(KEYS.campaignTrials(campaignId));
    return Object.values(all)
      .map((json) => TrialRecordSchema.parse(JSON.parse(json)))
      .sort((a, b) => Number(a.trial_id.slice(1)) - Number(b.trial_id.slice(1)));
  }

  async saveOptimizerState(campaignId: string, state: unknown): Promise<void> {
    await this.redis.set(KEYS.optimizerState(campaignId), JSON.stringify(state));
  }

  async loadOptimizerState(campaignId: string): Promise<unknown> {
    const json = await this.redis.get(KEYS.optimizerState(campaignId));
    return json === null ? undefined : (JSON.parse(json) as unknown);
  }

  /** Append an event for SSE subscribers (types: {@link CampaignEventType}); returns the stream entry id. */
  async appendEvent(campaignId: string, type: CampaignEventType, data: Record<string, unknown>): Promise<string> {
    const id = await this.redis.xadd(
      KEYS.campaignEvents(campaignId),
      'MAXLEN',
      '~',
      String(EVENTS_MAXLEN),
      '*',
      'type',
      type,
      'data',
      JSON.stringify(data),
    );
    return id ?? '';
  }
}
