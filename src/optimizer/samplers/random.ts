import type { SamplerDomain, SamplerState, Sampler, SuggestContext, Suggestion } from '../sampler.js';
import { pointKey } from '../point-key.js';
import { SamplerBase } from './sampler-base.js';

function firstPrimes(count: number): number[] {
  const primes: number[] = [];
  for (let k = 2; primes.length < count; k++) {
    if (primes.every((p) => p * p > k || k % p !== 0)) primes.push(k);
  }
  return primes;
}

function radicalInverse(index: number, base: number): number {
  let result = 0;
  let f = 1 / base;
  let i = index;
  while (i > 0) {
    result += f * (i % base);
    i = Math.floor(i / base);
    f /= base;
  }
  return result;
}

/**
 * Quasi-random design: a Halton sequence with a seeded Cranley-Patterson shift per coordinate, so
 * designs of any length cover the cube evenly and each seed gives a different design. Works in any
 * dimension (unlike tabulated Sobol direction numbers), which the hakmem space needs.
 */
export class RandomSampler extends SamplerBase implements Sampler {
  readonly kind = 'random' as const;
  private readonly bases: number[];
  private shift: number[] = [];
  private index = 0;

  constructor(domain: SamplerDomain, seed: number) {
    super(domain, seed);
    this.bases = firstPrimes(domain.dimension);
    this.afterReseed();
  }

  /** Resumes from {@link Sampler.toJSON} output. */
  static restore(domain: SamplerDomain, state: SamplerState): RandomSampler {
    const s = new RandomSampler(domain, state.seed);
    s.restoreBase(state);
    s.shift = (state.extra['shift'] as number[] | undefined) ?? s.shift;
    s.index = Number(state.extra['index'] ?? 0);
    return s;
  }

  /** The next `n` design points (snapped, not repeating observed or pending points when avoidable). */
  nextDesign(n: number, pending?: readonly number[][]): number[][] {
    const taken = this.takenKeys(pending);
    const out: number[][] = [];
    while (out.length < n) {
      let point: number[] | undefined;
      // Small categorical spaces run out of new points; after a few tries a repeat is acceptable.
      for (let attempt = 0; attempt < 64 && point === undefined; attempt++) {
        this.index += 1;
        const raw = this.bases.map((b, j) => (radicalInverse(this.index, b) + (this.shift[j] ?? 0)) % 1);
        const snapped = this.snap(raw);
        if (!taken.has(pointKey(snapped))) point = snapped;
      }
      point ??= this.snap(this.uniformPoint());
      taken.add(pointKey(point));
      out.push(point);
    }
    return out;
  }

  suggest(n: number, context?: SuggestContext): Promise<Suggestion> {
    return Promise.resolve({ vectors: this.nextDesign(n, context?.pending), expected_improvement: null });
  }

  protected override afterReseed(): void {
    this.shift = this.bases.map(() => this.rng.next());
    this.index = 0;
  }

  protected override extraState(): Record<string, unknown> {
    return { shift: [...this.shift], index: this.index };
  }
}
