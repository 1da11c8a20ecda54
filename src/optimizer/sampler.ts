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
  /** What the model believes about the leader and the noise (for the stopping rule); absent without a model. */
  posterior?: PosteriorSummary;
}

/**
 * The surrogate's view of the search when it proposed (minimised objective units): the leader is the
 * observed, likely feasible config with the best posterior mean.
 */
export interface PosteriorSummary {
  leader_mean: number;
  /** Posterior sd of the leader's latent value: how sure the model is that the leader is as good as it looks. */
  leader_sd: number;
  /** sd of one observation (the model's noise floor plus the typical per-trial noise). */
  noise_sd: number;
  /** Constrained probability that the first proposal improves on the leader. */
  improvement_probability: number;
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
