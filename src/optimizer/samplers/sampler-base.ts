import { SeededRng } from '../../core/seeded-rng.js';
import { ObservationSchema, type Observation } from '../../core/optimizer-observation.js';
import type { SamplerDomain, SamplerKind, SamplerState } from '../sampler.js';

/**
 * What every sampler shares: the domain, the seeded stream, the observation log and duplicate checks.
 * Implementations add how they choose points.
 */
export abstract class SamplerBase {
  abstract readonly kind: SamplerKind;
  protected readonly domain: SamplerDomain;
  protected seed: number;
  protected rng: SeededRng;
  protected readonly observations: Observation[] = [];

  protected constructor(domain: SamplerDomain, seed: number) {
    if (!Number.isInteger(domain.dimension) || domain.dimension < 1) {
      throw new RangeError(`sampler dimension must be a positive integer, got ${domain.dimension}`);
    }
    this.domain = domain;
    this.seed = seed;
    this.rng = new SeededRng(seed);
  }

  observe(observations: readonly Observation[]): void {
    for (const obs of observations) {
      const parsed = ObservationSchema.parse(obs);
      if (parsed.vector.length !== this.domain.dimension) {
        throw new RangeError(`observation has ${parsed.vector.length} coordinates, domain has ${this.domain.dimension}`);
      }
      this.observations.push(parsed);
    }
    this.afterObserve();
  }

  reseed(seed: number): void {
    this.seed = seed;
    this.rng = new SeededRng(seed);
    this.afterReseed();
  }

  toJSON(): SamplerState {
    return {
      kind: this.kind,
      seed: this.seed,
      rng_state: this.rng.getState(),
      observations: this.observations.map((o) => structuredClone(o)),
      extra: this.extraState(),
    };
  }

  /** Restores observations and the random stream from a persisted state of the same kind. */
  protected restoreBase(state: SamplerState): void {
    if (state.kind !== this.kind) throw new TypeError(`cannot restore ${state.kind} state into a ${this.kind} sampler`);
    this.seed = state.seed;
    this.rng = new SeededRng(state.seed);
    this.rng.setState(state.rng_state);
    this.observations.length = 0;
    for (const o of state.observations) this.observations.push(ObservationSchema.parse(o));
  }

  protected snap(v: number[]): number[] {
    const clamped = v.map((x) => Math.min(1, Math.max(0, x)));
    return this.domain.snap ? this.domain.snap(clamped) : clamped;
  }

  protected uniformPoint(): number[] {
    return Array.from({ length: this.domain.dimension }, () => this.rng.next());
  }

  /** Keys of points already observed, pending or chosen, for duplicate checks after snapping. */
  protected takenKeys(pending: readonly number[][] | undefined): Set<string> {
    const keys = new Set<string>();
    for (const o of this.observations) keys.add(pointKey(o.vector));
    for (const p of pending ?? []) keys.add(pointKey(p));
    return keys;
  }

  protected afterObserve(): void {}
  protected afterReseed(): void {}
  protected extraState(): Record<string, unknown> {
    return {};
  }
}

/** A stable key for a point; coordinates rounded so snapped duplicates compare equal. */
export function pointKey(v: readonly number[]): string {
  return v.map((x) => x.toFixed(9)).join(',');
}
