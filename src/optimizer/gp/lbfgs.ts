/** Objective for {@link minimiseLbfgs}: value and gradient at x. */
export type ValueAndGradient = (x: Float64Array) => { value: number; gradient: Float64Array };

/** Options: iteration cap, memory and a box the iterates are projected onto. */
export interface LbfgsOptions {
  max_iterations: number;
  memory?: number;
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  gradient_tolerance?: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/**
 * Projected L-BFGS with Armijo backtracking: enough for a dozen smooth, bounded GP hyperparameters.
 * Returns the best point seen and its value.
 */
export function minimiseLbfgs(f: ValueAndGradient, start: ArrayLike<number>, opts: LbfgsOptions): { x: Float64Array; value: number } {
  const m = opts.memory ?? 6;
  const tol = opts.gradient_tolerance ?? 1e-5;
  const dim = start.length;
  const project = (v: Float64Array): Float64Array => {
    for (let i = 0; i < dim; i++) v[i] = Math.min(opts.upper[i] as number, Math.max(opts.lower[i] as number, v[i] as number));
    return v;
  };
  let x = project(Float64Array.from(start));
  let cur = f(x);
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  for (let iter = 0; iter < opts.max_iterations; iter++) {
    const g = cur.gradient;
    if (Math.sqrt(dot(g, g)) < tol) break;
    // Two-loop recursion for the quasi-Newton direction.
    const q = Float64Array.from(g);
    const alphas: number[] = [];
    for (let i = sHist.length - 1; i >= 0; i--) {
      const s = sHist[i] as Float64Array;
      const y = yHist[i] as Float64Array;
      const a = dot(s, q) / dot(y, s);
      alphas[i] = a;
      for (let k = 0; k < dim; k++) q[k] = (q[k] as number) - a * (y[k] as number);
    }
    if (sHist.length > 0) {
      const s = sHist[sHist.length - 1] as Float64Array;
      const y = yHist[yHist.length - 1] as Float64Array;
      const gamma = dot(s, y) / dot(y, y);
      for (let k = 0; k < dim; k++) q[k] = (q[k] as number) * gamma;
    }
    for (let i = 0; i < sHist.length; i++) {
      const s = sHist[i] as Float64Array;
      const y = yHist[i] as Float64Array;
      const b = dot(y, q) / dot(y, s);
      for (let k = 0; k < dim; k++) q[k] = (q[k] as number) + (s[k] as number) * ((alphas[i] as number) - b);
    }
    let dir = q.map((v) => -v);
    if (dot(dir, g) >= 0) {
      dir = g.map((v) => -v);
      sHist.length = 0;
      yHist.length = 0;
    }
    // Cap the first trial step at one unit in any coordinate: in log-hyperparameter space a raw
    // gradient step can be hundreds of units and would waste the line search on halvings.
    let maxAbs = 0;
    for (let k = 0; k < dim; k++) maxAbs = Math.max(maxAbs, Math.abs(dir[k] as number));
    let step = maxAbs > 1 ? 1 / maxAbs : 1;
    let accepted: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let ls = 0; ls < 20; ls++) {
      const trial = project(x.map((v, k) => v + step * (dir[k] as number)));
      const res = f(trial);
      let decrease = 0;
      for (let k = 0; k < dim; k++) decrease += (g[k] as number) * ((trial[k] as number) - (x[k] as number));
      if (Number.isFinite(res.value) && res.value <= cur.value + 1e-4 * decrease) {
        accepted = { x: trial, ...res };
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = accepted.x.map((v, k) => v - (x[k] as number));
    const y = accepted.gradient.map((v, k) => v - (g[k] as number));
    if (dot(s, y) > 1e-12) {
      sHist.push(s);
      yHist.push(y);
      if (sHist.length > m) {
        sHist.shift();
        yHist.shift();
      }
    }
    const improvement = cur.value - accepted.value;
    x = accepted.x;
    cur = { value: accepted.value, gradient: accepted.gradient };
    if (improvement < 1e-9 * (1 + Math.abs(cur.value))) break;
  }
  return { x, value: cur.value };
}
