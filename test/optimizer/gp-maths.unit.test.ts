import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, inverse } from 'ml-matrix';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { expectedImprovement, probabilityOfFeasibility } from '../../src/optimizer/gp/acquisition.js';
import { appendCholesky, choleskyLower } from '../../src/optimizer/gp/cholesky.js';
import { fitHyperparameters, negLogPosterior, packHyper } from '../../src/optimizer/gp/fit-hyperparameters.js';
import { GaussianProcess, kernelMatrix, type GpData, type GpHyperparameters } from '../../src/optimizer/gp/gaussian-process.js';
import { matern52 } from '../../src/optimizer/gp/matern52.js';
import { normalCdf, normalPdf } from '../../src/optimizer/gp/normal.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);
}

function randomData(rng: SeededRng, n: number, d: number, f: (x: number[]) => number): GpData {
  const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
  return { x, y: x.map(f), noise: x.map(() => 0.01 * rng.next()) };
}

test('normal pdf and cdf match tabulated values', () => {
  close(normalPdf(0), 0.3989422804014327, 1e-15);
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1), 0.8413447460685429, 1e-7);
  close(normalCdf(-2), 0.022750131948179195, 1e-8);
  close(normalCdf(-6), 9.865876450377e-10, 1e-15);
});

test('expected improvement and probability of feasibility on known cases', () => {
  close(expectedImprovement(0, 1, 0), 0.3989422804014327, 1e-7, 'EI at the incumbent');
  // (best - mean) Phi(-1) + phi(-1) = -0.158655253931 + 0.241970724519
  close(expectedImprovement(1, 1, 0), 0.083315470588, 1e-7, 'EI one sd worse');
  close(expectedImprovement(0, 2, 0), 2 * 0.3989422804014327, 1e-7, 'EI scales with sd');
  close(expectedImprovement(-3, 0, 0), 3, 0, 'EI without uncertainty');
  assert.equal(expectedImprovement(3, 0, 0), 0);
  close(probabilityOfFeasibility(5, 1, 5), 0.5, 1e-7);
  close(probabilityOfFeasibility(4, 0.5, 5), 0.9772498680518208, 1e-7);
  assert.equal(probabilityOfFeasibility(6, 0, 5), 0);
});

test('Matern-5/2 kernel value computed by hand', () => {
  // r = 1: (1 + sqrt5 + 5/3) exp(-sqrt5) = 4.902734700 * 0.106878803 = 0.523994...
  const expected = (1 + Math.sqrt(5) + 5 / 3) * Math.exp(-Math.sqrt(5));
  close(matern52([0, 0], [1, 0], { length_scales: [1, 1], signal_variance: 1 }), expected, 1e-15);
  close(expected, 0.5239941088318203, 1e-12);
  close(matern52([0.3], [0.3], { length_scales: [0.1], signal_variance: 2.5 }), 2.5, 1e-15);
  // ARD: a long length scale on coordinate 2 makes it almost irrelevant.
  close(matern52([0, 0], [0.5, 1], { length_scales: [0.5, 1e6], signal_variance: 1 }), expected, 1e-9);
});

test('GP posterior equals the reference formula with explicit inverses (ml-matrix)', () => {
  const rng = new SeededRng(3);
  const data = randomData(rng, 25, 4, (x) => Math.sin(4 * (x[0] as number)) + (x[1] as number) ** 2);
  const hyper: GpHyperparameters = { length_scales: [0.3, 0.5, 1, 2], signal_variance: 1.3, noise_variance: 0.02 };
  const gp = GaussianProcess.fit(data, hyper);
  const { mean, scale } = GaussianProcess.standardisation(data.y);
  const n = data.y.length;
  const kFlat = kernelMatrix(data.x, hyper, data.noise.map((v) => v / (scale * scale)));
  const k = new Matrix(Array.from({ length: n }, (_, i) => Array.from(kFlat.subarray(i * n, (i + 1) * n))));
  const kInv = inverse(k);
  const yStd = Matrix.columnVector(data.y.map((v) => (v - mean) / scale));
  for (let t = 0; t < 5; t++) {
    const xs = Array.from({ length: 4 }, () => rng.next());
    const ks = Matrix.rowVector(data.x.map((xi) => matern52(xs, xi, hyper)));
    const refMean = mean + scale * ks.mmul(kInv).mmul(yStd).get(0, 0);
    const refVar = scale * scale * (hyper.signal_variance - ks.mmul(kInv).mmul(ks.transpose()).get(0, 0));
    const p = gp.predict(xs);
    close(p.mean, refMean, 1e-8, 'posterior mean');
    close(p.variance, refVar, 1e-8, 'posterior variance');
  }
});

test('GP interpolates a noiseless point and reverts to the prior far away', () => {
  const data: GpData = { x: [[0], [1]], y: [1, -1], noise: [0, 0] };
  const gp = GaussianProcess.fit(data, { length_scales: [0.1], signal_variance: 1, noise_variance: 1e-8 });
  const atTrain = gp.predict([0]);
  close(atTrain.mean, 1, 1e-6);
  assert.ok(atTrain.variance < 1e-6);
  // Midway is > 5 length scales from both points: mean -> mean(y) = 0, variance -> sf2 * scale^2 = 1.
  const mid = gp.predict([0.5]);
  close(mid.mean, 0, 1e-3);
  close(mid.variance, 1, 1e-3);
});

test('a fantasy observation by rank-one extension equals refitting with that point', () => {
  const rng = new SeededRng(4);
  const data = randomData(rng, 15, 3, (x) => (x[0] as number) - (x[2] as number));
  const hyper: GpHyperparameters = { length_scales: [0.4, 0.4, 0.4], signal_variance: 1, noise_variance: 0.01 };
  const gp = GaussianProcess.fit(data, hyper);
  const xf = [0.2, 0.9, 0.4];
  const extended = gp.withObservation(xf, 0.7);
  const probe = [0.25, 0.8, 0.5];
  // Refit with the same standardisation: append the point but keep mean/scale by construction.
  const n = data.y.length;
  const kFlat = kernelMatrix(data.x, hyper, data.noise.map((v) => v / (gp.yScale * gp.yScale)));
  const l = choleskyLower(kFlat, n);
  assert.ok(l);
  const kx = data.x.map((xi) => matern52(xf, xi, hyper));
  const l2 = appendCholesky(l, n, kx, hyper.signal_variance + hyper.noise_variance);
  assert.ok(l2);
  const kFull = kernelMatrix([...data.x, xf], hyper, [...data.noise.map((v) => v / (gp.yScale * gp.yScale)), 0]);
  const lFull = choleskyLower(kFull, n + 1);
  assert.ok(lFull);
  for (let i = 0; i < l2.length; i++) close(l2[i] as number, lFull[i] as number, 1e-10, `L[${i}]`);
  const before = gp.predict(probe);
  const after = extended.predict(probe);
  assert.ok(after.variance < before.variance, 'a nearby fantasy reduces variance');
  const kInv = inverse(new Matrix(Array.from({ length: n + 1 }, (_, i) => Array.from(kFull.subarray(i * (n + 1), (i + 1) * (n + 1))))));
  const yStd = Matrix.columnVector([...data.y, 0.7].map((v) => (v - gp.yMean) / gp.yScale));
  const ks = Matrix.rowVector([...data.x, xf].map((xi) => matern52(probe, xi, hyper)));
  close(after.mean, gp.yMean + gp.yScale * ks.mmul(kInv).mmul(yStd).get(0, 0), 1e-8, 'extended posterior mean');
});

test('the marginal-likelihood gradient matches finite differences', () => {
  const rng = new SeededRng(5);
  const data = randomData(rng, 20, 3, (x) => Math.cos(3 * (x[0] as number)) * (x[1] as number));
  const theta = packHyper({ length_scales: [0.3, 0.7, 1.5], signal_variance: 0.8, noise_variance: 0.05 });
  const { value, gradient } = negLogPosterior(data, theta);
  assert.ok(Number.isFinite(value));
  for (let i = 0; i < theta.length; i++) {
    const h = 1e-5;
    const up = Float64Array.from(theta);
    const down = Float64Array.from(theta);
    up[i] = (up[i] as number) + h;
    down[i] = (down[i] as number) - h;
    const fd = (negLogPosterior(data, up).value - negLogPosterior(data, down).value) / (2 * h);
    close(gradient[i] as number, fd, 1e-4 * (1 + Math.abs(fd)), `d/dtheta[${i}]`);
  }
});

test('fitted hyperparameters find the irrelevant coordinate and raise the likelihood', () => {
  const rng = new SeededRng(6);
  const data = randomData(rng, 40, 2, (x) => Math.sin(6 * (x[0] as number)));
  const start: GpHyperparameters = { length_scales: [0.5, 0.5], signal_variance: 1, noise_variance: 0.01 };
  const fitted = fitHyperparameters(data, { warm_start: start, restarts: 2, max_iterations: 50, rng });
  assert.ok((fitted.length_scales[1] as number) > 3 * (fitted.length_scales[0] as number), JSON.stringify(fitted));
  assert.ok(negLogPosterior(data, packHyper(fitted)).value < negLogPosterior(data, packHyper(start)).value);
});

test('per-observation noise from repeats: a noisy mean counts for less than a precise one', () => {
  // Same config measured twice: y = 0 with variance-of-mean 1e-4, y = 1 with variance-of-mean 1.
  const data: GpData = { x: [[0.5], [0.5], [0.1], [0.9]], y: [0, 1, 0.2, 0.2], noise: [1e-4, 1, 1e-4, 1e-4] };
  const gp = GaussianProcess.fit(data, { length_scales: [0.3], signal_variance: 1, noise_variance: 1e-6 });
  const p = gp.predict([0.5]);
  assert.ok(p.mean < 0.05, `posterior mean ${p.mean} should follow the precise repeat`);
  const flipped = GaussianProcess.fit({ ...data, noise: [1, 1e-4, 1e-4, 1e-4] }, { length_scales: [0.3], signal_variance: 1, noise_variance: 1e-6 });
  assert.ok(flipped.predict([0.5]).mean > 0.9);
});

test('posterior means at training points from the factor equal direct predictions', () => {
  const rng = new SeededRng(8);
  const data = randomData(rng, 30, 3, (x) => Math.sin(5 * (x[0] as number)) + (x[2] as number));
  const gp = GaussianProcess.fit(data, { length_scales: [0.2, 0.5, 0.4], signal_variance: 1.1, noise_variance: 0.03 });
  const fast = gp.trainingMeans();
  data.x.forEach((x, i) => close(fast[i] as number, gp.predictMean(x), 1e-9, `training mean ${i}`));
});
