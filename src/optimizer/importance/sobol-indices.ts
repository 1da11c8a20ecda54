import type { SeededRng } from '../../core/seeded-rng.js';

/** First-order and total Sobol indices of one function, one entry per coordinate. */
export interface SobolIndices {
  /** Share of the output variance explained by the coordinate alone (main effect). */
  first: number[];
  /** Share of the output variance that disappears when only the coordinate is fixed (main effect plus all its interactions). */
  total: number[];
  /** Output variance over the design (0 for a constant function, then every index is 0). */
  variance: number;
}

/** The two independent designs a Saltelli estimate uses; shared across bootstrap refits (common random numbers). */
export interface SobolDesign {
  a: number[][];
  b: number[][];
}

/**
 * Two independent uniform designs of `samples` points in [0,1]^dimension, mapped through `snap`
 * (integer steps, categorical bins, inactive conditionals) so that the function is only evaluated
 * at configs the allocator can take.
 */
export function sobolDesign(dimension: number, samples: number, rng: SeededRng, snap?: (v: number[]) => number[]): SobolDesign {
  const draw = (): number[][] =>
    Array.from({ length: samples }, () => {
      const v = Array.from({ length: dimension }, () => rng.next());
      return snap ? snap(v) : v;
    });
  return { a: draw(), b: draw() };
}

/**
 * Saltelli pick-freeze estimates: first-order indices by Saltelli (2010), total indices by Jansen
 * (1999), both from f(A), f(B) and f(A with column i from B). They are the functional-ANOVA shares
 * of f under independent uniform inputs, which is what "how much of the variation does this knob
 * carry" means for a surrogate over the embedded search space. Costs samples * (dimension + 2) calls.
 */
export function sobolIndices(f: (x: readonly number[]) => number, design: SobolDesign, snap?: (v: number[]) => number[]): SobolIndices {
  const { a, b } = design;
  const n = a.length;
  const dimension = a[0]?.length ?? 0;
  const fa = a.map(f);
  const fb = b.map(f);
  const all = [...fa, ...fb];
  const mean = all.reduce((s, v) => s + v, 0) / Math.max(1, all.length);
  const variance = all.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, all.length - 1);
  const first: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < dimension; i++) {
    let sFirst = 0;
    let sTotal = 0;
    for (let k = 0; k < n; k++) {
      const mixed = [...(a[k] as number[])];
      mixed[i] = (b[k] as number[])[i] as number;
      const fab = f(snap ? snap(mixed) : mixed);
      sFirst += (fb[k] as number) * (fab - (fa[k] as number));
      sTotal += ((fa[k] as number) - fab) ** 2;
    }
    // A constant function has no variance to share out.
    first.push(variance > 0 ? sFirst / n / variance : 0);
    total.push(variance > 0 ? sTotal / (2 * n) / variance : 0);
  }
  return { first, total, variance };
}
