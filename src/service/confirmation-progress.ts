import type { CampaignRecord, DuelSlot, TrialRecord } from '../core/campaign-record.js';
import { decideDuelFamily, nextDuelAction, type SequentialDecision, type SequentialDesign } from '../optimizer/duel/sequential-confirmation.js';
import type { DuelMeasurements } from './duel-plan.js';
import { minRelativeEffect } from './min-relative-effect.js';

/** A confirmation duel's state under the sequential rule. */
export type DuelProgress = SequentialDecision & { duel_id: string; a: string; b: string };

/**
 * Pairs a duel may plan beyond `max_pairs`: re-runs of pairs that failed or were lost count against
 * the duel, so a crashing config cannot extend it for ever.
 */
const SPARE_PAIRS = 2;

/** The sequential design of a campaign's confirmation duels. */
export function sequentialDesignOf(record: Pick<CampaignRecord, 'spec'>): SequentialDesign {
  const { duel, objective } = record.spec;
  const { min_pairs, max_pairs, spending, test } = duel.confirm;
  return { direction: objective.direction, alpha: duel.alpha, min_relative_effect: minRelativeEffect(record), min_pairs, max_pairs, spending, test, futility_beta: 0.05 };
}

/**
 * Where each confirmation duel stands under the sequential rule. Duels against the baseline are the
 * claims (the placebo's included), judged together: Holm over their repeated p-values. A head-to-head
 * duel (leader vs leader, leader vs reference) is no claim; it runs until either side would win at
 * alpha / 2 on its own, or both would stop for futility.
 */
export function confirmationProgress(record: Pick<CampaignRecord, 'spec'>, duels: readonly DuelMeasurements[]): DuelProgress[] {
  const design = sequentialDesignOf(record);
  const claims = duels.filter((d) => d.b === 'baseline');
  const family = decideDuelFamily(
    claims.map((d) => ({ id: d.duel_id, candidate: d.a_values, baseline: d.b_values })),
    design,
  );
  const byId = new Map(family.map((f) => [f.id, f]));
  return duels.map((d) => {
    const decided = byId.get(d.duel_id);
    if (decided) return { ...decided, duel_id: d.duel_id, a: d.a, b: d.b };
    const half = { ...design, alpha: design.alpha / 2 };
    const aWins = nextDuelAction({ candidate: d.a_values, baseline: d.b_values }, half);
    const bWins = nextDuelAction({ candidate: d.b_values, baseline: d.a_values }, half);
    const shown = [aWins, bWins].find((x) => x.action === 'claim');
    const both = aWins.action === 'futile' && bWins.action === 'futile';
    const pick = shown ?? (aWins.p <= bWins.p ? aWins : bWins);
    return { ...pick, action: shown ? 'claim' : both ? 'futile' : 'continue', duel_id: d.duel_id, a: d.a, b: d.b };
  });
}

/**
 * The next pair of every confirmation duel the sequential rule leaves undecided, once its planned
 * pairs are all in: a new pair index, sides in the alternating order (A B on even pairs, B A on odd
 * ones), each side running the config its earlier trials ran. A claimed duel against the baseline
 * also continues, up to `max_pairs`, while `guardsNeedPairs(arm)` says a guard of its arm has too
 * few pairs for a verdict at its margin (a claim after 3 pairs says nothing about throughput or
 * p99). Empty when the round is decided.
 */
export function extensionSlots(
  record: Pick<CampaignRecord, 'spec'>,
  trials: readonly TrialRecord[],
  duels: readonly DuelMeasurements[],
  guardsNeedPairs: (arm: string) => boolean = () => false,
): { source: TrialRecord; slot: DuelSlot }[] {
  const maxPlanned = record.spec.duel.confirm.max_pairs + SPARE_PAIRS;
  const slots: { source: TrialRecord; slot: DuelSlot }[] = [];
  for (const p of confirmationProgress(record, duels)) {
    const measured = duels.find((d) => d.duel_id === p.duel_id);
    const pairsIn = Math.min(measured?.a_values.length ?? 0, measured?.b_values.length ?? 0);
    const forGuards = p.action === 'claim' && p.b === 'baseline' && p.a !== 'placebo' && pairsIn < record.spec.duel.confirm.max_pairs && guardsNeedPairs(p.a);
    if (p.action !== 'continue' && !forGuards) continue;
    const own = trials.filter((t) => t.role === 'duel' && t.duel?.duel_id === p.duel_id);
    const indices = new Set(own.map((t) => t.duel?.pair_index ?? 0));
    if (indices.size >= maxPlanned) continue;
    const pairIndex = Math.max(...indices) + 1;
    const sideA = own.find((t) => t.duel?.side === 'a');
    const sideB = own.find((t) => t.duel?.side === 'b');
    if (!sideA || !sideB) continue;
    const order = pairIndex % 2 === 0 ? [sideA, sideB] : [sideB, sideA];
    for (const source of order) {
      const side = source === sideA ? 'a' : 'b';
      slots.push({ source, slot: { duel_id: p.duel_id, pair_index: pairIndex, side, arm: side === 'a' ? p.a : p.b } });
    }
  }
  return slots;
}
