import type { RevertOutcome } from '../../core/campaign-record.js';
import type { NonInferiorityVerdict } from '../../stats/paired-non-inferiority.js';
import { halfWidthAt, pairsToDecide } from '../../stats/pairs-projection.js';

export type { RevertOutcome };

/** How many pairs a step may spend: `planned` so far, up to `max_pairs`, added `batch` at a time. */
export interface PairBudget {
  planned: number;
  max_pairs: number;
  batch: number;
}

/** A decided step, or a step that should run `pairs` more pairs before it is judged again. */
export type RevertJudgement = { kind: 'decided'; outcome: RevertOutcome; reason: string } | { kind: 'more_pairs'; pairs: number; reason: string };

const pct = (v: number, digits = 2): string => `${(v * 100).toFixed(digits)}%`;

/** The per-pair noise as a relative spread (one standard deviation of the pair ratios). */
export function pairSpread(v: Pick<NonInferiorityVerdict, 'log_sd'>): number {
  return Math.expm1(v.log_sd);
}

/**
 * Judges a revert from its paired verdict (candidate = reverted config against the current one).
 * Without a `budget` (or once it is spent) an open question ends `inconclusive`; with one, more
 * pairs are asked for in batches while the measured spread says `max_pairs` can still decide
 * (see pairsToDecide). When it says they cannot, the step stops at once, saying so: at ~10 %
 * per-pair noise a 1 % margin needs hundreds of pairs, and 12 would only spend trials.
 */
export function judgeRevert(v: NonInferiorityVerdict, constraintsMet: boolean, budget?: PairBudget): RevertJudgement {
  const margin = pct(v.margin, v.margin * 100 >= 1 ? 0 : 1);
  const costs = `reverting costs ${pct(v.loss)}`;
  if (!constraintsMet) return { kind: 'decided', outcome: 'carries_gain', reason: `reverting breaks a constraint (${costs} on the objective)` };
  if (v.non_inferior) return { kind: 'decided', outcome: 'reverted', reason: `${costs} (upper bound ${pct(v.loss_upper)}), within the margin ${margin}, constraints met` };
  if (v.loss_lower > v.margin) return { kind: 'decided', outcome: 'carries_gain', reason: `${costs} (at least ${pct(v.loss_lower)}), beyond the margin ${margin}` };

  const planned = budget?.planned ?? v.pairs;
  const max = Math.max(budget?.max_pairs ?? planned, planned);
  const spread = Number.isFinite(v.log_sd) ? `per-pair spread ±${pct(pairSpread(v), 1)}` : 'per-pair spread unknown (fewer than 2 complete pairs)';
  const told = `could not tell with ${v.pairs} pairs: ${costs} [${pct(v.loss_lower)}, ${pct(v.loss_upper)}], ${spread}, margin ${margin}`;
  if (planned >= max) return { kind: 'decided', outcome: 'inconclusive', reason: budget ? `${told}; max_pairs (${max}) spent` : told };
  if (!Number.isFinite(v.log_sd)) return { kind: 'more_pairs', pairs: Math.min(budget?.batch ?? 1, max - planned), reason: told };
  const need = pairsToDecide(v.loss_log, v.log_sd, v.margin_log, v.alpha);
  if (need > max) {
    const needText = Number.isFinite(need) ? `about ${need} pairs` : 'more pairs than can be run';
    const halfAtMax = pct(Math.expm1(halfWidthAt(v.log_sd, max, v.alpha)), 1);
    return { kind: 'decided', outcome: 'inconclusive', reason: `${told}; stopped early: even max_pairs (${max}) would leave ±${halfAtMax}, deciding would take ${needText}` };
  }
  return { kind: 'more_pairs', pairs: Math.min(budget?.batch ?? 1, max - planned), reason: told };
}
