import type { Redis } from 'ioredis';
import { KEYS } from './keys.js';

/**
 * The facts on a campaign's event stream (`KEYS.campaignEvents`), one event each, all appended by the
 * service's controller (CampaignStore.appendEvent) and read by SSE clients. What each carries is
 * {@link CAMPAIGN_EVENT_DOCS}.
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

/** What one event type carries (`data`) and when it is appended. */
export interface CampaignEventDoc {
  data: string;
  meaning: string;
}

/**
 * The documentation of every event type, keyed by type so that a new type without an entry does not
 * compile; the README's event table is {@link campaignEventTable} (test/store/campaign-event-docs.unit.test.ts).
 */
export const CAMPAIGN_EVENT_DOCS = {
  campaign_created: { data: '{campaign_id, name}', meaning: 'the campaign was stored' },
  trial_queued: {
    data: '{trial_id, role, config_key, fidelity?: low, cut_rule?: {after_repeats, limits: [{metric, above | below, log_sd}]}}',
    meaning: 'a trial was recorded and handed to a queue (cut_rule: the limits its worker cuts it short at)',
  },
  trial_started: { data: '{trial_id, worker}', meaning: 'a worker took it (relayed from the workers\' report stream)' },
  trial_completed: {
    data: '{trial_id, role, worker, config_key, error: null, cut_short?: {after_repeats, of_repeats, metric, value, limit, reason, note}}',
    meaning: 'its result was applied; the leaderboard changes with it (there is no separate leaderboard event); cut_short: the worker stopped it after its first repeats',
  },
  trial_failed: { data: '{trial_id, role, worker, config_key, error}', meaning: 'it failed on the worker, or was withdrawn because its duel worker was lost' },
  duels_planned: { data: '{worker, duels: [{duel_id, a, b, pairs}], rule: sequential | fixed}', meaning: 'the confirmation round was planned on one worker' },
  duels_extended: { data: '{worker, pairs: [{duel_id, pair_index}]}', meaning: 'the sequential rule left these duels undecided: more pairs were planned' },
  duels_replanned: { data: '{lost_workers, worker, pairs: [{duel_id, pair_index}]}', meaning: 'a duel worker was lost; its unfinished pairs re-run whole on another' },
  distill_started: {
    data: '{status: stepping | skipped, reason, winner_arm, knobs, order_reasons: {knob: why there}, references: [{arm, status, knobs}]}',
    meaning: 'the distillation round started (knobs: the changed knobs in the order tried) or was skipped',
  },
  distill_step_planned: { data: '{worker, subject, duel_id, knob, knobs, from, to, pairs, order_reason}', meaning: 'one revert step was planned (subject: the winner or a reference arm)' },
  distill_step_extended: {
    data: '{worker, subject, duel_id, knob, pairs: added, pairs_planned, reason}',
    meaning: 'the step could not tell yet and the spread says more pairs can (up to distill.max_pairs)',
  },
  distill_step_decided: { data: '{subject, duel_id, knob, knobs, outcome: reverted | carries_gain | inconclusive, kept, reason}', meaning: 'a revert step was measured' },
  distill_confirm_planned: { data: '{worker, duel_id, minimal, pairs, reverted_untested}', meaning: 'the minimal config\'s duel against the baseline was planned' },
  distill_finished: { data: '{status: done, minimal, confirmed, reason, reverted_untested}', meaning: "the winner's part of the distillation round ended" },
  distill_reference_finished: { data: '{arm, carries, contributes_nothing, inconclusive, minimal, reason}', meaning: "a confirmed reference's distillation ended (after the winner's)" },
  campaign_state: {
    data: '{state: waiting_for_workers | running | cancelling, waiting_for?, running_trials?}',
    meaning: 'the campaign waits for a matching worker, runs again, or waits for running trials to cancel',
  },
  campaign_finished: { data: '{state: finished | cancelled | failed, stop_reason}', meaning: 'the campaign stopped; the last event: the SSE stream ends after it' },
} as const satisfies Record<CampaignEventType, CampaignEventDoc>;

/** The event types as a Markdown table (the README's, between its `campaign-events` markers). */
export function campaignEventTable(): string {
  const rows = CAMPAIGN_EVENT_TYPES.map((type) => {
    const doc: CampaignEventDoc = CAMPAIGN_EVENT_DOCS[type];
    // A `|` splits a table cell even inside a code span.
    return `| \`${type}\` | \`${doc.data.replaceAll('|', '\\|')}\` | ${doc.meaning.replaceAll('|', '\\|')} |`;
  });
  return ['| event | data | when |', '|---|---|---|', ...rows].join('\n');
}

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
