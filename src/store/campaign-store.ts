import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CampaignRecordSchema, TrialRecordSchema, type CampaignRecord, type TrialRecord } from '../core/campaign-record.js';
import { EVENTS_MAXLEN, KEYS } from './keys.js';

/**
 * Campaign persistence in Redis:
 * - `alloctune:campaigns`                  zset campaign id -> creation time (ms)
 * - `alloctune:campaign:<id>`              string, CampaignRecord JSON
 * - `alloctune:campaign:<id>:trials`       hash trial id -> TrialRecord JSON
 * - `alloctune:campaign:<id>:seq`          counter behind trial ids
 * - `alloctune:campaign:<id>:optimizer`    string, sampler and duel state JSON
 * Events go to the campaign's stream (`KEYS.campaignEvents`), next to the workers' trial_result entries.
 */
export const CAMPAIGN_KEYS = {
  index: 'alloctune:campaigns',
  campaign: (id: string): string => `alloctune:campaign:${id}`,
  trials: (id: string): string => `alloctune:campaign:${id}:trials`,
  sequence: (id: string): string => `alloctune:campaign:${id}:seq`,
  optimizer: (id: string): string => `alloctune:campaign:${id}:optimizer`,
} as const;

/** A new campaign id: time-ordered, unguessable suffix, safe in keys and job ids. */
export function newCampaignId(nowMs = Date.now()): string {
  return `c${nowMs.toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Campaign state in Redis; every method is a few round trips at most. */
export class CampaignStore {
  constructor(private readonly redis: Redis) {}

  async create(record: CampaignRecord): Promise<void> {
    const valid = CampaignRecordSchema.parse(record);
    const created = await this.redis.set(CAMPAIGN_KEYS.campaign(valid.id), JSON.stringify(valid), 'NX');
    if (created !== 'OK') throw new Error(`campaign ${valid.id} exists`);
    await this.redis.zadd(CAMPAIGN_KEYS.index, Date.parse(valid.created_at), valid.id);
  }

  async get(id: string): Promise<CampaignRecord | undefined> {
    const json = await this.redis.get(CAMPAIGN_KEYS.campaign(id));
    return json === null ? undefined : CampaignRecordSchema.parse(JSON.parse(json));
  }

  async update(record: CampaignRecord): Promise<void> {
    const valid = CampaignRecordSchema.parse(record);
    await this.redis.set(CAMPAIGN_KEYS.campaign(valid.id), JSON.stringify(valid), 'XX');
  }

  /** All campaigns, newest first. */
  async list(): Promise<CampaignRecord[]> {
    const ids = await this.redis.zrevrange(CAMPAIGN_KEYS.index, 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => CAMPAIGN_KEYS.campaign(id)));
    return values.flatMap((json) => (json === null ? [] : [CampaignRecordSchema.parse(JSON.parse(json))]));
  }

  /** Next trial id of a campaign (`t1`, `t2`, ...), unique across restarts. */
  async nextTrialId(campaignId: string): Promise<string> {
    return `t${await this.redis.incr(CAMPAIGN_KEYS.sequence(campaignId))}`;
  }

  async putTrial(trial: TrialRecord): Promise<void> {
    const valid = TrialRecordSchema.parse(trial);
    await this.redis.hset(CAMPAIGN_KEYS.trials(valid.campaign_id), valid.trial_id, JSON.stringify(valid));
  }

  async putTrials(campaignId: string, trials: readonly TrialRecord[]): Promise<void> {
    if (trials.length === 0) return;
    const flat = trials.flatMap((t) => [t.trial_id, JSON.stringify(TrialRecordSchema.parse(t))]);
    await this.redis.hset(CAMPAIGN_KEYS.trials(campaignId), ...flat);
  }

  async trials(campaignId: string): Promise<TrialRecord[]> {
    const all = await this.redis.hgetall(CAMPAIGN_KEYS.trials(campaignId));
    return Object.values(all)
      .map((json) => TrialRecordSchema.parse(JSON.parse(json)))
      .sort((a, b) => Number(a.trial_id.slice(1)) - Number(b.trial_id.slice(1)));
  }

  async saveOptimizerState(campaignId: string, state: unknown): Promise<void> {
    await this.redis.set(CAMPAIGN_KEYS.optimizer(campaignId), JSON.stringify(state));
  }

  async loadOptimizerState(campaignId: string): Promise<unknown> {
    const json = await this.redis.get(CAMPAIGN_KEYS.optimizer(campaignId));
    return json === null ? undefined : (JSON.parse(json) as unknown);
  }

  /** Append an event for SSE subscribers; returns the stream entry id. */
  async appendEvent(campaignId: string, type: string, data: Record<string, unknown>): Promise<string> {
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
