import type { Redis } from 'ioredis';
import { KEYS } from './keys.js';

/**
 * The facts on a campaign's event stream (`KEYS.campaignEvents`), one event each, all appended by the
 * service's controller (CampaignStore.appendEvent) and read by SSE clients:
 * - `campaign_created`   {campaign_id, name}
 * - `trial_queued`       {trial_id, role, config_key}: recorded and handed to a queue
 * - `trial_started`      {trial_id, worker}: a worker took it (relayed from the workers' report stream)
 * - `trial_completed`    {trial_id, role, worker, config_key, error: null}: its result was applied
 *                        (the leaderboard changes with it; there is no separate leaderboard event)
 * - `trial_failed`       {trial_id, role, worker, config_key, error}: failed on the worker, or withdrawn
 *                        because its duel worker was lost
 * - `duels_planned`      {worker, duels: [{duel_id, a, b, pairs}], rule: sequential | fixed}
 * - `duels_extended`     {worker, pairs: [{duel_id, pair_index}]}: the sequential rule left these duels undecided
 * - `duels_replanned`    {lost_workers, worker, pairs: [{duel_id, pair_index}]}
 * - `distill_started`    {status: stepping | skipped, reason, winner_arm, knobs: [changed knobs in the order tried],
 *                        order_reasons: {knob: why there}, references: [{arm, status, knobs}]}
 * - `distill_step_planned` {worker, subject: winner or reference arm, duel_id, knob, knobs, from, to, pairs, order_reason}
 * - `distill_step_extended` {worker, subject, duel_id, knob, pairs: added, pairs_planned, reason}: the step could not
 *                        tell yet and the spread says more pairs can (up to distill.max_pairs)
 * - `distill_step_decided` {subject, duel_id, knob, knobs, outcome: reverted | carries_gain | inconclusive, kept, reason}
 * - `distill_confirm_planned` {worker, duel_id, minimal, pairs}
 * - `distill_finished`   {status: done, minimal, confirmed, reason} (the winner's part)
 * - `distill_reference_finished` {arm, carries, contributes_nothing, inconclusive, minimal, reason}: a confirmed
 *                        reference's distillation (after the winner's)
 * - `campaign_state`     {state: waiting_for_workers | running | cancelling, waiting_for?, running_trials?}:
 *                        the campaign waits for a matching worker, runs again, or waits for running trials to cancel
 * - `campaign_finished`  {state: finished | cancelled | failed, stop_reason}
 */
export const CAMPAIGN_EVENT_TYPES = [
  'campaign_created',
  'trial_queued',
  'trial_started',
  'trial_completed',
  'trial_failed',
  'duels_planned',
  'duels_extended',
  'duels_replanned',
  'distill_started',
  'distill_step_planned',
  'distill_step_extended',
  'distill_step_decided',
  'distill_confirm_planned',
  'distill_finished',
  'distill_reference_finished',
  'campaign_state',
  'campaign_finished',
] as const;
export type CampaignEventType = (typeof CAMPAIGN_EVENT_TYPES)[number];

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
