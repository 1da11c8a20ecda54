const SQRT5 = Math.sqrt(5);

/** Matern-5/2 ARD kernel hyperparameters: one length scale per coordinate and a signal variance. */
export interface Matern52Params {
  length_scales: number[];
  signal_variance: number;
}

/** Matern-5/2 covariance as a function of the scaled distance r. */
export function matern52FromDistance(r: number, signalVariance: number): number {
  const s = SQRT5 * r;
  return signalVariance * (1 + s + (s * s) / 3) * Math.exp(-s);
}

/** k(x, z) for the ARD Matern-5/2 kernel. */
export function matern52(x: readonly number[], z: readonly number[], p: Matern52Params): number {
  let r2 = 0;
  for (let k = 0; k < x.length; k++) {
    const d = ((x[k] as number) - (z[k] as number)) / (p.length_scales[k] as number);
    r2 += d * d;
  }
  return matern52FromDistance(Math.sqrt(r2), p.signal_variance);
}

/** The kernel vector k(x, X) against every training point. */
export function matern52Vector(x: readonly number[], points: readonly (readonly number[])[], p: Matern52Params): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) out[i] = matern52(x, points[i] as number[], p);
  return out;
}
