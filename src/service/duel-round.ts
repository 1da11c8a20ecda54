import type { CampaignRecord, DuelSlot, TrialRecord } from '../core/campaign-record.js';
import { planDuel, planDuelRound, type DuelPlan } from '../optimizer/duel/duel-schedule.js';
import { exploreLabels, type Leaderboard } from './leaderboard.js';

/** The confirmation round: its duels, and one slot per trial to run, in running order. */
export interface ConfirmationRound {
  plans: DuelPlan[];
  /** `source`: a trial of the arm whose config the slot runs. */
  slots: { source: TrialRecord; slot: DuelSlot }[];
}

/** Pairs each duel of the round starts with: all of them (fixed rule) or the first look's (sequential). */
export function confirmationPairs(spec: CampaignRecord['spec']): number {
  return spec.duel.confirm.rule === 'sequential' ? spec.duel.confirm.min_pairs : spec.duel.pairs;
}

/**
 * Plans the confirmation round from the leaderboard: the leading feasible explored configs (up to
 * `duel.candidates`), the placebo and each reference against the baseline, neighbouring leaders
 * against each other and the first leader against each reference. Duels are interleaved pair by
 * pair so that drift during the round spreads over all of them. Undefined when there is nothing to
 * confirm (no feasible leader and no reference, or no baseline measurement).
 */
export function planConfirmationRound(record: CampaignRecord, board: Leaderboard, trials: readonly TrialRecord[]): ConfirmationRound | undefined {
  const { spec } = record;
  const baseline = board.rows.find((r) => r.arm === 'baseline');
  const leaders = board.rows.filter((r) => r.role === 'explore' && r.feasible && !r.cut_short && r.config_key !== baseline?.config_key).slice(0, spec.duel.candidates);
  const references = record.reference_configs.map((r) => r.name);
  if ((leaders.length === 0 && references.length === 0) || !baseline?.objective) return undefined;
  const leader = leaders[0]?.arm;
  // The sequential rule starts with its first look's pairs and extends undecided duels pair by pair (confirmation-progress.ts).
  const pairs = confirmationPairs(spec);
  const plans = [
    ...planDuelRound(leaders.map((r) => r.arm), 'baseline', 'placebo', pairs),
    ...references.map((name) => planDuel(name, 'baseline', pairs)),
    // Does the search beat the setting the user already knew? The leader meets each reference head on.
    ...(leader === undefined ? [] : references.map((name) => planDuel(leader, name, pairs))),
  ];
  const labels = exploreLabels(trials);
  const sourceOf = (arm: string): TrialRecord | undefined =>
    trials.find((t) =>
      arm === 'baseline' || arm === 'placebo' ? t.role === arm : t.role === 'reference' ? t.reference === arm : t.role === 'explore' && labels.get(t.config_key) === arm,
    );
  const slots: ConfirmationRound['slots'] = [];
  for (let pair = 0; pair < pairs; pair++) {
    for (const [d, plan] of plans.entries()) {
      for (const slot of plan.slots.filter((s) => s.pair === pair)) {
        const source = sourceOf(slot.config_id);
        if (source) slots.push({ source, slot: { duel_id: `d${d + 1}`, pair_index: pair, side: slot.config_id === plan.a ? 'a' : 'b', arm: slot.config_id } });
      }
    }
  }
  return { plans, slots };
}
