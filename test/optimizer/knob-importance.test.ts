import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { estimateKnobImportance, type ImportancePoint } from '../../src/optimizer/importance/knob-importance.js';
import { sobolDesign, sobolIndices } from '../../src/optimizer/importance/sobol-indices.js';

test('Sobol indices of an additive function match the analytic shares', () => {
  // f = x0 + 2 x1 on U[0,1]^3: Var = 1/12 + 4/12, so S0 = 0.2, S1 = 0.8, S2 = 0; additive, so total = first.
  const design = sobolDesign(3, 4000, new SeededRng(7));
  const s = sobolIndices((x) => (x[0] as number) + 2 * (x[1] as number), design);
  const expected = [0.2, 0.8, 0];
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs((s.first[i] as number) - (expected[i] as number)) < 0.05, `first[${i}] = ${s.first[i]}`);
    assert.ok(Math.abs((s.total[i] as number) - (expected[i] as number)) < 0.05, `total[${i}] = ${s.total[i]}`);
  }
});

test('an interaction shows in the total index but not in the first-order one', () => {
  // f = (x0 - 0.5)(x1 - 0.5): no main effects at all, the whole variance is the interaction.
  const design = sobolDesign(2, 4000, new SeededRng(3));
  const s = sobolIndices((x) => ((x[0] as number) - 0.5) * ((x[1] as number) - 0.5), design);
  for (let i = 0; i < 2; i++) {
    assert.ok(Math.abs(s.first[i] as number) < 0.08, `first[${i}] = ${s.first[i]}`);
    assert.ok((s.total[i] as number) > 0.85, `total[${i}] = ${s.total[i]}`);
  }
});

test('a constant function gives zero shares, not NaN', () => {
  const s = sobolIndices(() => 5, sobolDesign(2, 50, new SeededRng(1)));
  assert.deepEqual(s.first, [0, 0]);
  assert.deepEqual(s.total, [0, 0]);
});

function noisyTrials(n: number, seed: number, f: (x: number[]) => number, noiseSd: number): ImportancePoint[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: n }, () => {
    const vector = Array.from({ length: 8 }, () => rng.next());
    // The boolean knob (coordinate 7) takes its bin centre, as the embedding snaps it.
    vector[7] = (vector[7] as number) >= 0.5 ? 0.75 : 0.25;
    return { vector, value: f(vector) + rng.normal(0, noiseSd), noise: noiseSd ** 2 };
  });
}

test('from 40 noisy trials, the two knobs that matter (one of them boolean) rank first with intervals clear of the rest', () => {
  const names = ['decay', 'a', 'b', 'c', 'd', 'e', 'f', 'flag'];
  // RSS-like: strong log-shaped effect of decay, a step from the flag, nothing else.
  const f = (x: number[]): number => 100 + 30 * Math.log1p(4 * (x[0] as number)) + ((x[7] as number) > 0.5 ? 12 : 0);
  const snap = (v: number[]): number[] => v.map((c, i) => (i === 7 ? (c >= 0.5 ? 0.75 : 0.25) : c));
  const estimate = estimateKnobImportance(noisyTrials(40, 11, f, 1), { names, snap, seed: 5, samples: 256, bootstrap: 30 });
  assert.equal(estimate.trials, 40);
  const top = estimate.knobs.slice(0, 2).map((k) => k.name).sort();
  assert.deepEqual(top, ['decay', 'flag']);
  const rest = estimate.knobs.slice(2);
  const weakestCarrier = Math.min(...estimate.knobs.slice(0, 2).map((k) => k.total_low));
  for (const k of rest) {
    assert.ok(k.total < 0.05, `${k.name} total ${k.total}`);
    assert.ok(k.total_high < weakestCarrier, `${k.name} interval ${k.total_low}..${k.total_high} overlaps a carrier's (${weakestCarrier})`);
  }
  for (const k of estimate.knobs) {
    assert.ok(k.total_low <= k.total + 1e-9 && k.total <= k.total_high + 1e-9 && k.first_low <= k.first + 1e-9 && k.first <= k.first_high + 1e-9, `${k.name}: ${k.total_low} <= ${k.total} <= ${k.total_high}`);
  }
});

test('the estimate is deterministic for a seed and says nothing from too few trials', () => {
  const names = ['x', 'y'];
  const pts = noisyTrials(12, 2, (x) => (x[0] as number) * 10, 0.1).map((p) => ({ ...p, vector: p.vector.slice(0, 2) }));
  const a = estimateKnobImportance(pts, { names, seed: 9, bootstrap: 5, samples: 64 });
  const b = estimateKnobImportance(pts, { names, seed: 9, bootstrap: 5, samples: 64 });
  assert.deepEqual(a, b);
  assert.equal(a.knobs[0]?.name, 'x');
  assert.deepEqual(estimateKnobImportance(pts.slice(0, 3), { names }).knobs, []);
});
