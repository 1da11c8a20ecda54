import type { Redis } from 'ioredis';
import { KEYS } from './keys.js';

/** One entry of a campaign's event stream. */
export interface CampaignEvent {
  /** Stream entry id; also the SSE `id`, so clients resume with Last-Event-ID. */
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Turn a stream entry's flat field list into an event: `data` holds JSON, other fields are copied. */
export function toCampaignEvent(id: string, fields: readonly string[]): CampaignEvent {
  let type = 'message';
  const data: Record<string, unknown> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i] ?? '';
    const value = fields[i + 1] ?? '';
    if (key === 'type') type = value;
    else if (key === 'data') {
      try {
        Object.assign(data, JSON.parse(value) as Record<string, unknown>);
      } catch {
        data['data'] = value;
      }
    } else data[key] = value;
  }
  return { id, type, data };
}

/** Events after `afterId` (exclusive; '0' for all), oldest first, at most `count`. */
export async function readEventsAfter(redis: Redis, campaignId: string, afterId: string, count = 1000): Promise<CampaignEvent[]> {
  const start = afterId === '0' ? '-' : `(${afterId}`;
  const entries = await redis.xrange(KEYS.campaignEvents(campaignId), start, '+', 'COUNT', count);
  return entries.map(([id, fields]) => toCampaignEvent(id, fields));
}

/** Order of two stream ids (`<ms>-<seq>`): negative, zero or positive like a comparator. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am !== bm ? am - bm : as - bs;
}
