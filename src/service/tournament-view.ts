import type { Redis } from 'ioredis';
import type { TrialRecord } from '../core/campaign-record.js';
import type { FinalRound, TournamentRecord } from '../core/tournament-record.js';
import type { ThreadResult, TournamentRow, TournamentView } from '../core/tournament-view.js';
import { buildExportEvidence } from './export-evidence-builder.js';
import { BASELINE_ARM, armId, blocksByWorker, finalRoundDesign } from './final-round.js';
import type { Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { judgeRound, switchingWorth, type ArmOutcome } from './tournament-verdict.js';

/** What the view reads of the children (the campaign controller). */
export interface ChildReader {
  exists(id: string): Promise<boolean>;
  record(id: string): Promise<ResolvedCampaignRecord>;
  leaderboard(id: string): Promise<Leaderboard>;
  trials(id: string): Promise<TrialRecord[]>;
}

function rowOf(o: ArmOutcome, round: FinalRound, rank: number): TournamentRow {
  const arm = round.arms.find((a) => a.arm === o.arm);
  const { kind: _k, ...rest } = o;
  return { ...rest, rank, kind: o.kind, config: arm?.config ?? {}, env: arm?.env ?? {}, source: 'final_round' };
}

function baselineRow(round: FinalRound, rank: number, pairs: number): TournamentRow | undefined {
  const b = round.baseline;
  if (!b) return undefined;
  return { rank, arm: BASELINE_ARM, allocator: b.allocator, kind: 'baseline', config: b.config, env: b.env, campaign_id: b.campaign_id, pairs, improvement: 0, improvement_low: 0, improvement_high: 0, verdict: 'reference', reason: 'the reference every arm is paired with', p_value: null, p_adjusted: null, source: 'final_round' };
}

/** One allocator only: the child's own confirmation is the ranking (tuned against its defaults). */
async function childRanking(redis: Redis, reader: ChildReader, campaignId: string): Promise<TournamentRow[]> {
  const record = await reader.record(campaignId);
  const board = await reader.leaderboard(campaignId);
  if (!board.rows.some((r) => r.arm === 'baseline' && r.completed > 0)) return [];
  const evidence = await buildExportEvidence(redis, record, board, await reader.trials(campaignId), { variant: 'minimal' });
  const claim = evidence.claims.at(-1);
  const base: Omit<TournamentRow, 'rank' | 'arm' | 'kind' | 'config' | 'env' | 'improvement' | 'improvement_low' | 'improvement_high' | 'verdict' | 'reason' | 'pairs' | 'p_value' | 'p_adjusted'> = { allocator: record.spec.allocator, campaign_id: campaignId, source: 'child_campaign' };
  const defaults: TournamentRow = { ...base, rank: 0, arm: BASELINE_ARM, kind: 'baseline', config: evidence.baseline.config, env: evidence.baseline.env, pairs: 0, improvement: 0, improvement_low: 0, improvement_high: 0, verdict: 'reference', reason: 'the child campaign\'s baseline (its defaults)', p_value: null, p_adjusted: null };
  if (!evidence.beats_baseline || !claim) return [{ ...defaults, rank: 1, reason: evidence.verdict }];
  const tuned: TournamentRow = {
    ...base, rank: 1, arm: armId(record.spec.allocator, 'tuned'), kind: 'tuned', config: evidence.chosen.config, env: evidence.chosen.env, pairs: claim.pairs,
    improvement: claim.improvement_pct / 100, improvement_low: null, improvement_high: null, verdict: 'better', reason: evidence.verdict, p_value: claim.p_value, p_adjusted: claim.p_adjusted,
  };
  return [tuned, { ...defaults, rank: 2 }];
}

/**
 * The tournament's ranking, per thread count, derived on read from its final rounds (and, for a
 * single allocator, from its child's own confirmation): who won (allocator and config), each arm's
 * paired effect against the baseline, and what switching allocator is worth against tuning.
 */
export async function buildTournamentView(redis: Redis, record: TournamentRecord, reader: ChildReader): Promise<TournamentView> {
  const design = finalRoundDesign(record.spec);
  const children = await Promise.all(
    record.children.map(async (c) => {
      // A tournament still `creating` (or cancelled then) may not have every child yet.
      if (!(await reader.exists(c.campaign_id))) return { allocator: c.allocator, threads: c.threads, campaign_id: c.campaign_id, state: 'not_created', budget_trials: c.budget_trials, explored: 0 };
      const r = await reader.record(c.campaign_id);
      const explored = (await reader.trials(c.campaign_id)).filter((t) => t.role === 'explore').length;
      return { allocator: c.allocator, threads: c.threads, campaign_id: c.campaign_id, state: r.state, ...(r.stop_reason === undefined ? {} : { stop_reason: r.stop_reason }), budget_trials: c.budget_trials, explored };
    }),
  );
  const perThreads: ThreadResult[] = [];
  for (const round of record.rounds) {
    const mine = children.filter((c) => c.threads === round.threads);
    const blocks = new Set(round.trials.map((t) => t.block)).size;
    const info = { status: round.status, ...(round.reason === undefined ? {} : { reason: round.reason }), workers: blocksByWorker(round.block_workers), blocks, trials: round.trials.length, notes: round.notes };
    if (round.status === 'skipped') {
      const only = mine[0];
      const ranking = only ? await childRanking(redis, reader, only.campaign_id) : [];
      perThreads.push({ threads: round.threads, round: info, ranking, winner: ranking[0] ?? null, worth: null, children: mine });
      continue;
    }
    if (round.arms.length === 0) {
      perThreads.push({ threads: round.threads, round: info, ranking: [], winner: null, worth: null, children: mine });
      continue;
    }
    const judged = judgeRound(round, design);
    const baselinePairs = round.trials.filter((t) => t.arm === BASELINE_ARM && t.state === 'completed').length;
    const better = judged.filter((o) => o.verdict === 'better');
    const rest = judged.filter((o) => o.verdict !== 'better');
    const ranking: TournamentRow[] = better.map((o, i) => rowOf(o, round, i + 1));
    // The baseline ranks below every arm shown better and above the rest, whose place is only an estimate.
    const base = baselineRow(round, ranking.length + 1, baselinePairs);
    if (base) ranking.push(base);
    for (const o of rest) ranking.push(rowOf(o, round, ranking.length + 1));
    const worth = switchingWorth(round, judged, record.baseline_allocator, design.direction);
    perThreads.push({ threads: round.threads, round: info, ranking, winner: ranking[0] ?? null, worth, children: mine });
  }
  const headline = perThreads.map((t) => {
    const where = t.threads === null ? '' : `${t.threads} thread${t.threads === 1 ? '' : 's'}: `;
    if (t.worth) return `${where}${t.worth.headline}`;
    if (t.winner) return `${where}${t.winner.arm === BASELINE_ARM ? `${t.winner.allocator} defaults stay` : `${t.winner.arm} wins`} (${t.winner.reason})`;
    return `${where}round ${t.round.status}${t.round.reason ? ` (${t.round.reason})` : ''}`;
  });
  return {
    tournament_id: record.id,
    name: record.spec.name,
    state: record.state,
    ...(record.stop_reason === undefined ? {} : { stop_reason: record.stop_reason }),
    baseline_allocator: record.baseline_allocator,
    objective: { metric: record.spec.objective.metric, direction: record.spec.objective.direction, key: record.objective_key },
    per_threads: perThreads,
    headline,
  };
}
