/** One measurement slot of a duel: which config runs, and which pair it belongs to. */
export interface DuelSlot {
  config_id: string;
  /** Index of the (A, B) pair this slot belongs to; the two slots of a pair run back to back. */
  pair: number;
}

/** A duel between two configs, to run on one worker in the given order. */
export interface DuelPlan {
  a: string;
  b: string;
  slots: DuelSlot[];
}

/**
 * Interleaved schedule for `pairs` paired comparisons of `a` and `b` on one worker: A B, B A, A B, ...
 * Alternating which config goes first in each pair cancels slow drift (heat, steal, page cache) that
 * would otherwise always favour the second runner.
 */
export function planDuel(a: string, b: string, pairs: number): DuelPlan {
  if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`pairs must be a positive integer, got ${pairs}`);
  const slots: DuelSlot[] = [];
  for (let p = 0; p < pairs; p++) {
    const [first, second] = p % 2 === 0 ? [a, b] : [b, a];
    slots.push({ config_id: first, pair: p }, { config_id: second, pair: p });
  }
  return { a, b, slots };
}

/**
 * The duels of one round: every leading candidate against the baseline, the placebo against the
 * baseline (the A/A control), and neighbouring leaders against each other so their ratings connect.
 */
export function planDuelRound(leaders: readonly string[], baseline: string, placebo: string, pairs: number): DuelPlan[] {
  const plans = [planDuel(placebo, baseline, pairs), ...leaders.map((id) => planDuel(id, baseline, pairs))];
  for (let i = 0; i + 1 < leaders.length; i++) plans.push(planDuel(leaders[i] as string, leaders[i + 1] as string, pairs));
  return plans;
}

/** Splits a duel's measurements (in slot order) into paired arrays for `a` and `b`. */
export function pairMeasurements(plan: DuelPlan, values: readonly number[]): { a: number[]; b: number[] } {
  if (values.length !== plan.slots.length) throw new RangeError(`expected ${plan.slots.length} measurements, got ${values.length}`);
  const pairs = plan.slots.length / 2;
  const a = new Array<number>(pairs);
  const b = new Array<number>(pairs);
  plan.slots.forEach((slot, i) => {
    if (slot.config_id === plan.a) a[slot.pair] = values[i] as number;
    else b[slot.pair] = values[i] as number;
  });
  return { a, b };
}
