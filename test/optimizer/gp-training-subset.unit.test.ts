import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import type { Observation } from '../../src/core/optimizer-observation.js';
import { GaussianProcess, type GpData, type GpHyperparameters } from '../../src/optimizer/gp/gaussian-process.js';
import { selectTrainingSubset } from '../../src/optimizer/gp/training-subset.js';
import { GpSampler } from '../../src/optimizer/samplers/gp.js';

const distance2 = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, k) => s + (v - (b[k] as number)) ** 2, 0);

function uniformPoints(rng: SeededRng, n: number, d: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
}

/** Largest distance from any point to its nearest member of `subset` (how well the subset covers). */
function coveringRadius(x: readonly number[][], subset: readonly number[]): number {
  let worst = 0;
  for (const p of x) worst = Math.max(worst, Math.sqrt(Math.min(...subset.map((j) => distance2(p, x[j] as number[])))));
  return worst;
}

test('training subset: everything when small; otherwise capped, sorted, unique, with the nearest neighbours of the anchors', () => {
  const rng = new SeededRng(11);
  const x = uniformPoints(rng, 400, 3);
  const ones = { length_scales: [1, 1, 1], local_fraction: 0.5 };
  assert.deepEqual(selectTrainingSubset(x, [[0.5, 0.5, 0.5]], { ...ones, size: 400 }), Array.from({ length: 400 }, (_, i) => i));

  const anchors = [[0.2, 0.2, 0.2], [0.8, 0.7, 0.1]];
  const subset = selectTrainingSubset(x, anchors, { ...ones, size: 100 });
  assert.equal(subset.length, 100);
  assert.equal(new Set(subset).size, 100);
  assert.deepEqual(subset, [...subset].sort((a, b) => a - b));
  // The local half: the 50 points nearest to either anchor, found here by brute force.
  const byAnchorDistance = x.map((p, i) => ({ i, d: Math.min(...anchors.map((a) => distance2(p, a))) })).sort((a, b) => a.d - b.d || a.i - b.i);
  for (const { i } of byAnchorDistance.slice(0, 50)) assert.ok(subset.includes(i), `neighbour ${i} of an anchor is missing`);
  // Same input, same subset (no random stream involved).
  assert.deepEqual(selectTrainingSubset(x, anchors, { ...ones, size: 100 }), subset);
});

test('training subset: the farthest-point fill covers the space better than a random subset of the same size', () => {
  const rng = new SeededRng(12);
  const x = uniformPoints(rng, 600, 2);
  const subset = selectTrainingSubset(x, [], { size: 60, local_fraction: 0, length_scales: [1, 1] });
  const random = rng.shuffle(Array.from({ length: 600 }, (_, i) => i)).slice(0, 60);
  assert.ok(coveringRadius(x, subset) < 0.8 * coveringRadius(x, random), `${coveringRadius(x, subset)} vs ${coveringRadius(x, random)}`);
});

test('training subset: distances use the length scales, so an irrelevant coordinate does not pick the neighbours', () => {
  const rng = new SeededRng(13);
  const x = uniformPoints(rng, 300, 2);
  const anchor = [0.5, 0.5];
  const subset = selectTrainingSubset(x, [anchor], { size: 30, local_fraction: 1, length_scales: [0.1, 1e6] });
  // Coordinate 1 is irrelevant: the chosen points are those nearest in coordinate 0 alone.
  const nearest0 = x.map((p, i) => ({ i, d: Math.abs((p[0] as number) - 0.5) })).sort((a, b) => a.d - b.d).slice(0, 30).map((e) => e.i).sort((a, b) => a - b);
  assert.deepEqual(subset, nearest0);
});

test('a GP on the training subset predicts close to the exact GP near the anchors on a smooth function', () => {
  const rng = new SeededRng(14);
  const d = 4;
  const f = (p: readonly number[]): number => Math.sin(3 * (p[0] as number)) + (p[1] as number) ** 2 - 0.5 * (p[2] as number) * (p[3] as number);
  const x = uniformPoints(rng, 900, d);
  const data: GpData = { x, y: x.map(f), noise: x.map(() => 1e-4) };
  const hyper: GpHyperparameters = { length_scales: [0.6, 0.7, 0.8, 0.8], signal_variance: 1, noise_variance: 1e-4 };
  const exact = GaussianProcess.fit(data, hyper);
  const best = data.y.map((y, i) => ({ y, i })).sort((a, b) => a.y - b.y).slice(0, 5).map(({ i }) => x[i] as number[]);
  const rows = selectTrainingSubset(x, best, { size: 250, local_fraction: 2 / 3, length_scales: hyper.length_scales });
  const approx = GaussianProcess.fit({ x: rows.map((i) => x[i] as number[]), y: rows.map((i) => data.y[i] as number), noise: rows.map(() => 1e-4) }, hyper);
  const { scale } = GaussianProcess.standardisation(data.y);
  let worstMean = 0;
  for (let t = 0; t < 40; t++) {
    const anchor = best[t % best.length] as number[];
    const probe = anchor.map((v) => Math.min(1, Math.max(0, v + 0.08 * rng.normal())));
    const e = exact.predict(probe);
    const a = approx.predict(probe);
    worstMean = Math.max(worstMean, Math.abs(e.mean - a.mean));
  }
  assert.ok(worstMean < 0.02 * scale, `largest mean difference ${worstMean} vs output scale ${scale}`);
});

const domain = { dimension: 6, objective: { metric: 'f', direction: 'min' as const }, constraints: [{ metric: 'c', max: 1 }] };

function quadraticObservations(seed: number, count: number): Observation[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: domain.dimension }, () => rng.next());
    const f = v.reduce((a, x, i) => a + (x - 0.3) ** 2 * (i + 1), 0) + 0.02 * rng.normal();
    return { vector: v, objective: { mean: f, variance: 4e-4, n: 3 }, constraints: { c: { mean: (v[0] as number) + (v[1] as number), variance: 1e-4, n: 3 } } };
  });
}

test('GP sampler: at or below max_model_points the proposals equal those of the exact GP on every observation', async () => {
  const obs = quadraticObservations(21, 60);
  const small = new GpSampler(domain, 5, { max_model_points: 60 });
  const exact = new GpSampler(domain, 5, { max_model_points: Infinity });
  small.observe(obs);
  exact.observe(obs);
  assert.deepEqual(await small.suggest(3), await exact.suggest(3));
});

test('GP sampler above max_model_points: deterministic, restorable, and a sensible proposal', async () => {
  const obs = quadraticObservations(22, 260);
  const make = (): GpSampler => {
    const s = new GpSampler(domain, 7, { max_model_points: 80 });
    s.observe(obs);
    return s;
  };
  const a = make();
  const b = make();
  const first = await a.suggest(2);
  assert.deepEqual(await b.suggest(2), first);
  const restored = GpSampler.restore(domain, a.toJSON(), { max_model_points: 80 });
  assert.deepEqual(await restored.suggest(2), await a.suggest(2));

  // The subset model still steers toward the optimum (x = 0.3 everywhere, feasible): the first
  // proposal's true objective beats 95% of the observations it was given.
  const trueF = (v: readonly number[]): number => v.reduce((s, x, i) => s + (x - 0.3) ** 2 * (i + 1), 0);
  const observed = obs.map((o) => trueF(o.vector)).sort((x, y) => x - y);
  const proposal = first.vectors[0] as number[];
  assert.ok(trueF(proposal) < (observed[Math.floor(0.05 * observed.length)] as number), `proposal f = ${trueF(proposal)}`);
  assert.ok(first.expected_improvement !== null && Number.isFinite(first.expected_improvement));
  // The exact GP on all 260 points proposes differently: the subset really is in use.
  const exact = new GpSampler(domain, 7, { max_model_points: Infinity });
  exact.observe(obs);
  assert.notDeepEqual((await exact.suggest(2)).vectors, first.vectors);
});
