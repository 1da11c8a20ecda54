import type { ObjectiveSpec } from '../../core/optimizer-observation.js';
import type { BradleyTerry } from './bradley-terry.js';

/**
 * Records each pair of a duel as one rating game: the better value wins; values within
 * `tie_relative` of each other (relative to their mean) are a draw, so noise-level differences do
 * not move ratings much.
 */
export function recordPairs(
  ratings: BradleyTerry,
  duel: { a: string; b: string; a_values: readonly number[]; b_values: readonly number[] },
  objective: ObjectiveSpec,
  tieRelative: number,
): void {
  const pairs = Math.min(duel.a_values.length, duel.b_values.length);
  for (let i = 0; i < pairs; i++) {
    const va = duel.a_values[i] as number;
    const vb = duel.b_values[i] as number;
    const scale = (Math.abs(va) + Math.abs(vb)) / 2;
    if (Math.abs(va - vb) <= tieRelative * scale) {
      ratings.record(duel.a, duel.b, 0.5);
      continue;
    }
    const aBetter = objective.direction === 'min' ? va < vb : va > vb;
    ratings.record(duel.a, duel.b, aBetter ? 1 : 0);
  }
}
