import type { Redis } from 'ioredis';
import { EVENTS_MAXLEN, KEYS } from './keys.js';

/**
 * The facts on a tournament's own event stream (`KEYS.campaignEvents` of its id: tournament and
 * campaign ids never collide), appended by the tournament controller; each child campaign keeps
 * its own stream. Read by `GET /v1/tournaments/:id/events`.
 */
export const TOURNAMENT_EVENT_TYPES = ['tournament_created', 'final_round_opened', 'final_round_blocks_queued', 'final_round_blocks_lost', 'final_round_done', 'tournament_state', 'tournament_finished'] as const;
export type TournamentEventType = (typeof TOURNAMENT_EVENT_TYPES)[number];

/** What each tournament event carries and when it is appended. */
export const TOURNAMENT_EVENT_DOCS = {
  tournament_created: { data: '{tournament_id, name, children: [{allocator, threads, campaign_id, budget_trials}]}', meaning: 'the tournament was stored (state creating) with the ids of its child campaigns, which are created next' },
  final_round_opened: { data: '{threads, status: running | skipped | failed, workers?: [name], arms?, notes, reason?}', meaning: 'every child of a thread count stopped: its final round starts, or is skipped (one allocator) or fails' },
  final_round_blocks_queued: { data: '{threads, blocks: [first, last], arms, workers: [{block, worker}]}', meaning: 'blocks of the baseline and the undecided arms were queued, each on one worker (round-robin over the live workers that load every allocator)' },
  final_round_blocks_lost: { data: '{threads, worker, blocks}', meaning: 'a worker left with blocks queued: only those blocks\' trials were withdrawn (the blocks are lost); the other workers\' blocks go on' },
  final_round_done: { data: '{threads, reason, decided: {arm: pairs}}', meaning: 'every arm of the round is decided (or it ran out of blocks)' },
  tournament_state: { data: '{state: running | cancelling}', meaning: 'running: every child campaign exists (created, or adopted after a restart); cancelling: a cancel was asked for, the children cancel, queued blocks are withdrawn' },
  tournament_finished: { data: '{state: finished | cancelled | failed, stop_reason}', meaning: 'the tournament stopped; the last event: the SSE stream ends after it' },
} as const satisfies Record<TournamentEventType, { data: string; meaning: string }>;

/** Append one tournament event; returns the stream entry id. */
export async function appendTournamentEvent(redis: Redis, tournamentId: string, type: TournamentEventType, data: Record<string, unknown>): Promise<string> {
  return (await redis.xadd(KEYS.campaignEvents(tournamentId), 'MAXLEN', '~', String(EVENTS_MAXLEN), '*', 'type', type, 'data', JSON.stringify(data))) ?? '';
}
