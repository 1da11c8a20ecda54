import { isInFlight, trialIndex, type DuelSlot, type TrialRecord } from '../core/campaign-record.js';

/** A duel pair that can no longer finish where it was planned. */
export interface BrokenPair {
  duel_id: string;
  pair_index: number;
  /** The worker that stopped heartbeating with a side of this pair still to run. */
  lost_worker: string;
  /** Every trial of the pair, in the order they were planned (A B or B A). */
  trials: TrialRecord[];
}

/**
 * Duel pairs with a side still in flight on a worker that is no longer registered. Both sides of a
 * pair must run on one machine, back to back, so such a pair is re-run whole elsewhere; pairs that
 * finished on the lost worker stay valid (each pair is compared within itself).
 */
export function brokenDuelPairs(trials: Iterable<TrialRecord>, liveWorkers: ReadonlySet<string>): BrokenPair[] {
  const pairs = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    if (!t.duel) continue; // confirmation duels and distillation steps alike
    const key = `${t.duel.duel_id}#${t.duel.pair_index}`;
    pairs.set(key, [...(pairs.get(key) ?? []), t]);
  }
  const broken: BrokenPair[] = [];
  for (const members of pairs.values()) {
    const lost = members.find((t) => isInFlight(t) && t.worker !== undefined && !liveWorkers.has(t.worker));
    if (!lost?.duel || lost.worker === undefined) continue;
    const ordered = [...members].sort((a, b) => trialIndex(a.trial_id) - trialIndex(b.trial_id));
    broken.push({ duel_id: lost.duel.duel_id, pair_index: lost.duel.pair_index, lost_worker: lost.worker, trials: ordered });
  }
  return broken.sort((a, b) => a.pair_index - b.pair_index || a.duel_id.localeCompare(b.duel_id));
}

/**
 * Slots for re-running broken pairs: each gets the next unused pair index of its duel (so the
 * incomplete original never mixes with the replacement) and keeps its sides' order.
 */
export function replacementSlots(trials: Iterable<TrialRecord>, broken: readonly BrokenPair[]): { source: TrialRecord; slot: DuelSlot }[][] {
  const nextIndex = new Map<string, number>();
  for (const t of trials) {
    if (!t.duel) continue;
    nextIndex.set(t.duel.duel_id, Math.max(nextIndex.get(t.duel.duel_id) ?? 0, t.duel.pair_index + 1));
  }
  return broken.map((pair) => {
    const index = nextIndex.get(pair.duel_id) ?? 0;
    nextIndex.set(pair.duel_id, index + 1);
    return pair.trials.flatMap((source) => (source.duel ? [{ source, slot: { ...source.duel, pair_index: index } }] : []));
  });
}
