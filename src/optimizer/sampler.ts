import type { AbsoluteConstraintSpec, ObjectiveSpec, Observation } from '../core/optimizer-observation.js';

/** Which sampler implementation; also the tag of its persisted state. */
export type SamplerKind = 'random' | 'gp' | 'ensemble';

/**
 * What a sampler needs to know about the problem. Vectors live in [0,1]^dimension; `snap` maps any
 * vector onto one a config can take (categorical bins, integer steps, inactive conditionals), as the
 * search-space embedding does.
 */
export interface SamplerDomain {
  dimension: number;
  snap?: (vector: number[]) => number[];
  objective: ObjectiveSpec;
  constraints: readonly AbsoluteConstraintSpec[];
}

/** Extra information for one batch of proposals. */
export interface SuggestContext {
  /** Points already running on other workers: proposals should not repeat them. */
  pending?: readonly number[][];
}

/** A batch of proposals and the best acquisition value behind them (for the stopping rule). */
export interface Suggestion {
  vectors: number[][];
  /**
   * Expected improvement of the first proposal in objective units (constrained EI), or null when the
   * sampler has no model (random design, too few observations).
   */
  expected_improvement: number | null;
}

/** Serialisable sampler state: enough to resume the same proposal stream after a restart. */
export interface SamplerState {
  kind: SamplerKind;
  seed: number;
  rng_state: [number, number, number, number];
  observations: Observation[];
  /** Implementation-specific extras (design index, fitted hyperparameters). */
  extra: Record<string, unknown>;
}

/**
 * A sampler proposes points of the unit hypercube and learns from observed trials. Same seed and same
 * observations give the same proposals.
 */
export interface Sampler {
  readonly kind: SamplerKind;
  /** Proposes `n` distinct points. */
  suggest(n: number, context?: SuggestContext): Promise<Suggestion>;
  /** Adds finished trials. */
  observe(observations: readonly Observation[]): void;
  /** Restarts the random stream from `seed` (observations are kept). */
  reseed(seed: number): void;
  /** State for persisting; restore with `restoreSampler`. */
  toJSON(): SamplerState;
}
