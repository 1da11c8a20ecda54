import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { TournamentRecordSchema, type TournamentRecord } from '../core/tournament-record.js';
import { KEYS } from './keys.js';

// The record (only if the id is new) and its index entry in one step: a tournament is listed, and so resumed, from the moment it is stored.
const CREATE = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
`;

/** A new tournament id: time-ordered like campaign ids, told apart by its first letter. */
export function newTournamentId(nowMs = Date.now()): string {
  return `x${nowMs.toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Tournament records in Redis (keys in src/store/keys.ts); only the tournament controller writes. */
export class TournamentStore {
  constructor(private readonly redis: Redis) {}

  async create(record: TournamentRecord): Promise<void> {
    const valid = TournamentRecordSchema.parse(record);
    const created = await this.redis.eval(CREATE, 2, KEYS.tournament(valid.id), KEYS.tournamentIndex, JSON.stringify(valid), String(Date.parse(valid.created_at)), valid.id);
    if (created !== 1) throw new Error(`tournament ${valid.id} exists`);
  }

  async get(id: string): Promise<TournamentRecord | undefined> {
    const json = await this.redis.get(KEYS.tournament(id));
    return json === null ? undefined : TournamentRecordSchema.parse(JSON.parse(json));
  }

  async update(record: TournamentRecord): Promise<void> {
    await this.redis.set(KEYS.tournament(record.id), JSON.stringify(TournamentRecordSchema.parse(record)), 'XX');
  }

  /** All tournaments, newest first. */
  async list(): Promise<TournamentRecord[]> {
    const ids = await this.redis.zrevrange(KEYS.tournamentIndex, 0, -1);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => KEYS.tournament(id)));
    return values.flatMap((json) => (json === null ? [] : [TournamentRecordSchema.parse(JSON.parse(json))]));
  }

  /** Next final-round trial id (`t1`, ...), unique across restarts. */
  async nextTrialId(id: string): Promise<string> {
    return `t${await this.redis.incr(KEYS.tournamentSequence(id))}`;
  }
}
