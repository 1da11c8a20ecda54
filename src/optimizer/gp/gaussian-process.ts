import { appendCholesky, choleskyLower, solveLower, solveUpperT } from './cholesky.js';
import { matern52, matern52Vector, type Matern52Params } from './matern52.js';

/** Hyperparameters of one GP in standardised output units. */
export interface GpHyperparameters extends Matern52Params {
  /** Homoscedastic noise floor added to every point's own noise (standardised units). */
  noise_variance: number;
}

/** Training data: inputs, outputs and each output's own noise variance (variance of the mean of repeats). */
export interface GpData {
  x: number[][];
  y: number[];
  noise: number[];
}

/** Posterior of the latent function at one point, in the original output units. */
export interface GpPrediction {
  mean: number;
  variance: number;
}

const JITTERS = [0, 1e-8, 1e-6, 1e-4, 1e-2];

/**
 * A zero-mean GP on standardised outputs with a Matern-5/2 ARD kernel and per-point noise. The
 * Cholesky factor and alpha = K^-1 y are computed once per fit and reused for every prediction.
 */
export class GaussianProcess {
  readonly n: number;
  private readonly x: number[][];
  private readonly yStd: Float64Array;
  private readonly noiseStd: number[];
  private readonly l: Float64Array;
  private readonly alpha: Float64Array;

  private constructor(
    readonly hyper: GpHyperparameters,
    readonly yMean: number,
    readonly yScale: number,
    x: number[][],
    yStd: Float64Array,
    noiseStd: number[],
    l: Float64Array,
  ) {
    this.n = x.length;
    this.x = x;
    this.yStd = yStd;
    this.noiseStd = noiseStd;
    this.l = l;
    this.alpha = solveUpperT(l, this.n, solveLower(l, this.n, yStd));
  }

  /** Standardisation used for `data` (mean, scale); a constant output gets scale 1. */
  static standardisation(y: readonly number[]): { mean: number; scale: number } {
    const mean = y.reduce((a, b) => a + b, 0) / Math.max(1, y.length);
    const v = y.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, y.length);
    const scale = Math.sqrt(v);
    return { mean, scale: scale > 1e-12 * (Math.abs(mean) + 1) ? scale : 1 };
  }

  /** Fits the posterior for fixed hyperparameters, adding jitter only when K is numerically singular. */
  static fit(data: GpData, hyper: GpHyperparameters): GaussianProcess {
    const { mean, scale } = GaussianProcess.standardisation(data.y);
    const yStd = Float64Array.from(data.y, (v) => (v - mean) / scale);
    const noiseStd = data.noise.map((v) => v / (scale * scale));
    const n = data.x.length;
    const k = kernelMatrix(data.x, hyper, noiseStd);
    for (const jitter of JITTERS) {
      if (jitter > 0) for (let i = 0; i < n; i++) k[i * n + i] = (k[i * n + i] as number) + jitter;
      const l = choleskyLower(k, n);
      if (l) return new GaussianProcess(hyper, mean, scale, data.x, yStd, noiseStd, l);
    }
    throw new RangeError('GP kernel matrix is not positive definite even with jitter');
  }

  /**
   * Posterior means at the training points (original units) in O(n^2) total without kernel calls:
   * K_f alpha = y - (noise on the diagonal) alpha, and that diagonal is read back from L L^T, so any
   * jitter added during the factorisation is accounted for.
   */
  trainingMeans(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.n; i++) {
      let diag = 0;
      for (let k = 0; k <= i; k++) diag += (this.l[i * this.n + k] as number) ** 2;
      const noise = diag - this.hyper.signal_variance;
      out.push(this.yMean + this.yScale * ((this.yStd[i] as number) - noise * (this.alpha[i] as number)));
    }
    return out;
  }

  /** Posterior mean only (original units): O(n), no triangular solve. */
  predictMean(x: readonly number[]): number {
    const ks = matern52Vector(x, this.x, this.hyper);
    let m = 0;
    for (let i = 0; i < this.n; i++) m += (ks[i] as number) * (this.alpha[i] as number);
    return this.yMean + this.yScale * m;
  }

  /** Posterior mean and latent variance at `x` (original units). */
  predict(x: readonly number[]): GpPrediction {
    const ks = matern52Vector(x, this.x, this.hyper);
    let m = 0;
    for (let i = 0; i < this.n; i++) m += (ks[i] as number) * (this.alpha[i] as number);
    const v = solveLower(this.l, this.n, ks);
    let q = 0;
    for (let i = 0; i < this.n; i++) q += (v[i] as number) * (v[i] as number);
    const varStd = Math.max(this.hyper.signal_variance - q, 1e-12 * this.hyper.signal_variance);
    return { mean: this.yMean + this.yScale * m, variance: varStd * this.yScale * this.yScale };
  }

  /**
   * The GP with one more (fantasy) observation at `x` with output `y` (original units), keeping the
   * standardisation and hyperparameters: the kriging-believer step, O(n^2).
   */
  withObservation(x: readonly number[], y: number, noise = 0): GaussianProcess {
    const noiseStd = noise / (this.yScale * this.yScale);
    const ks = matern52Vector(x, this.x, this.hyper);
    const c = this.hyper.signal_variance + this.hyper.noise_variance + noiseStd;
    const l = appendCholesky(this.l, this.n, ks, c) ?? appendCholesky(this.l, this.n, ks, c + 1e-6);
    const xs = [...this.x, [...x]];
    const yStd = new Float64Array(this.n + 1);
    yStd.set(this.yStd);
    yStd[this.n] = (y - this.yMean) / this.yScale;
    if (!l) {
      return GaussianProcess.fit(
        { x: xs, y: Array.from(yStd, (v) => this.yMean + this.yScale * v), noise: [...this.noiseStd, noiseStd].map((v) => v * this.yScale * this.yScale) },
        this.hyper,
      );
    }
    return new GaussianProcess(this.hyper, this.yMean, this.yScale, xs, yStd, [...this.noiseStd, noiseStd], l);
  }

  /** Log marginal likelihood of the standardised outputs (for tests and diagnostics). */
  logMarginalLikelihood(): number {
    let quad = 0;
    let logDet = 0;
    for (let i = 0; i < this.n; i++) {
      quad += (this.yStd[i] as number) * (this.alpha[i] as number);
      logDet += Math.log(this.l[i * this.n + i] as number);
    }
    return -0.5 * quad - logDet - 0.5 * this.n * Math.log(2 * Math.PI);
  }
}

/** K + diag(noise floor + per-point noise), row-major. */
export function kernelMatrix(x: readonly number[][], hyper: GpHyperparameters, pointNoise: readonly number[]): Float64Array {
  const n = x.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    k[i * n + i] = hyper.signal_variance + hyper.noise_variance + (pointNoise[i] ?? 0);
    for (let j = 0; j < i; j++) {
      const v = matern52(x[i] as number[], x[j] as number[], hyper);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
  }
  return k;
}
