import { SeededRng } from '../../core/seeded-rng.js';
import { ObservationSchema, type Observation } from '../../core/optimizer-observation.js';
import { maximiseAcquisition, type AcquisitionScorer } from '../acquisition-search.js';
import { pointKey } from '../point-key.js';
import { isFeasible, minimisedObjective } from '../problem.js';
import type { SamplerDomain, SamplerKind, SamplerState, Suggestion } from '../sampler.js';

/** How a model-based sampler fills a batch greedily (see {@link SamplerBase.greedyBatch}). */
export interface GreedyBatchOptions {
  pending: readonly number[][];
  score: AcquisitionScorer;
  global_candidates: number;
  local_candidates: number;
  refine_rounds: number;
  /** Whether the acquisition values are expected improvements (an incumbent exists). */
  reports_improvement: boolean;
  /** Search around the previous pick of the batch as well. */
  anchor_last_pick: boolean;
  /** Called after each pick except the last, to update the model (fantasies, penalties). */
  after_pick: (point: number[]) => void;
  /** Fallback when every candidate is taken. */
  fallback: (taken: readonly number[][]) => number[] | undefined;
}

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
    for (const o of this.observations) if (o.prior !== true) keys.add(pointKey(o.vector));
    for (const p of pending ?? []) keys.add(pointKey(p));
    return keys;
  }

  /** The best observed points (feasible first, then by objective) to search around. */
  protected anchors(count = 5): number[][] {
    return this.observations
      .filter((o) => o.objective)
      .map((o) => ({ v: o.vector, f: isFeasible(o, this.domain.constraints), y: minimisedObjective(o, this.domain.objective)?.mean ?? Infinity }))
      .sort((a, b) => Number(b.f) - Number(a.f) || a.y - b.y)
      .slice(0, count)
      .map((a) => a.v);
  }

  /** Picks `n` points one at a time, each maximising the (updated) acquisition over untaken points. */
  protected greedyBatch(n: number, opts: GreedyBatchOptions): Suggestion {
    const taken = this.takenKeys(opts.pending);
    const anchors = this.anchors();
    const vectors: number[][] = [];
    let firstValue: number | null = null;
    for (let i = 0; i < n; i++) {
      const best = maximiseAcquisition(opts.score, {
        dimension: this.domain.dimension,
        rng: this.rng,
        snap: (v) => this.snap(v),
        anchors: opts.anchor_last_pick ? [...vectors.slice(-1), ...anchors] : anchors,
        taken,
        global_candidates: opts.global_candidates,
        local_candidates: opts.local_candidates,
        refine_rounds: opts.refine_rounds,
      });
      const point = best?.point ?? opts.fallback([...this.observations.map((o) => o.vector), ...opts.pending, ...vectors]);
      if (!point) break;
      if (i === 0 && best && opts.reports_improvement) firstValue = best.value;
      vectors.push(point);
      taken.add(pointKey(point));
      if (i + 1 < n) opts.after_pick(point);
    }
    return { vectors, expected_improvement: firstValue };
  }

  protected afterObserve(): void {}
  protected afterReseed(): void {}
  protected extraState(): Record<string, unknown> {
    return {};
  }
}
