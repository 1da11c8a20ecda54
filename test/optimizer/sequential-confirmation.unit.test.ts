import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { lookWeights, spentFraction } from '../../src/optimizer/duel/alpha-spending.js';
import { DEFAULT_SEQUENTIAL_DESIGN, decideDuelFamily, isOutlierFree, nextDuelAction, type SequentialDesign } from '../../src/optimizer/duel/sequential-confirmation.js';

const MEMORY: SequentialDesign = { ...DEFAULT_SEQUENTIAL_DESIGN, direction: 'min', alpha: 0.05, min_relative_effect: 0.01 };

/** Runs a duel pair by pair until the rule stops it; `draw` gives one (candidate, baseline) pair. */
function runDuel(design: SequentialDesign, draw: () => [number, number]): ReturnType<typeof nextDuelAction> {
  const candidate: number[] = [];
  const baseline: number[] = [];
  for (;;) {
    const [c, b] = draw();
    candidate.push(c);
    baseline.push(b);
    const d = nextDuelAction({ candidate, baseline }, design);
    if (d.action !== 'continue') return d;
  }
}

test('spending: O\'Brien-Fleming-type keeps almost all of the rate for the end, shares sum to 1', () => {
  assert.ok(spentFraction(0.25, 'obrien-fleming') < 0.002);
  assert.ok(spentFraction(0.25, 'pocock') > 0.3);
  for (const shape of ['obrien-fleming', 'pocock'] as const) {
    const w = lookWeights(3, 12, shape);
    assert.equal(w.length, 10);
    assert.ok(Math.abs(w.reduce((s, x) => s + x, 0) - 1) < 1e-12);
    assert.ok(w.every((x) => x > 0));
  }
  assert.throws(() => lookWeights(5, 4, 'pocock'), RangeError);
});

test('stops early on overwhelming evidence: a 35% effect with 0.3% noise claims within 4 pairs', () => {
  for (let seed = 1; seed <= 50; seed++) {
    const rng = new SeededRng(seed);
    const d = runDuel(MEMORY, () => [0.65e9 * (1 + rng.normal(0, 0.003)), 1e9 * (1 + rng.normal(0, 0.003))]);
    assert.equal(d.action, 'claim', `seed ${seed}: ${d.reason}`);
    assert.ok(d.pairs <= 4, `seed ${seed}: ${d.pairs} pairs`);
    assert.equal(d.test, 't');
    assert.ok(d.relative_effect > 0.3);
  }
});

test('identical arms with memory-like noise stop for futility early and never claim', () => {
  const rng = new SeededRng(3);
  const d = runDuel(MEMORY, () => [1e9 * (1 + rng.normal(0, 0.003)), 1e9 * (1 + rng.normal(0, 0.003))]);
  assert.equal(d.action, 'futile', d.reason);
  assert.ok(d.pairs <= 5, `${d.pairs} pairs`);
});

test('continues when the evidence is close and spends more pairs than a clear case', () => {
  // A 1.5% effect with 1% noise: above the floor but not yet shown after 3 or 4 pairs.
  const candidate = [0.985, 0.99, 0.975, 0.99];
  const baseline = [1.0, 0.995, 1.0, 1.005];
  const d = nextDuelAction({ candidate, baseline }, MEMORY);
  assert.equal(d.action, 'continue', d.reason);
  assert.equal(d.look, 2);
  // The same duel over many seeds: it takes more pairs than the overwhelming one, and mostly claims.
  let claims = 0;
  let pairs = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const rng = new SeededRng(seed);
    const r = runDuel(MEMORY, () => [0.97 * (1 + rng.normal(0, 0.01)), 1 + rng.normal(0, 0.01)]);
    if (r.action === 'claim') claims++;
    pairs += r.pairs;
  }
  assert.ok(pairs / 200 > 4.5, `mean pairs ${pairs / 200}`);
  assert.ok(claims / 200 > 0.5, `claim rate ${claims / 200}`);
});

test('before min_pairs nothing is decided; max_pairs ends an undecided duel without a claim', () => {
  assert.equal(nextDuelAction({ candidate: [0.5, 0.5], baseline: [1, 1] }, MEMORY).action, 'continue');
  // Heavy noise around no effect with a zero practical floor: never futile by the bound, so the last look ends it.
  const loose = { ...MEMORY, min_relative_effect: 0, max_pairs: 6 };
  const rng = new SeededRng(11);
  const d = runDuel(loose, () => [Math.exp(rng.normal(0, 0.3)), Math.exp(rng.normal(0, 0.3))]);
  assert.notEqual(d.action, 'claim');
  assert.ok(d.pairs <= 6);
});

for (const [name, noise] of [
  ['normal 0.3% noise', (rng: SeededRng) => 1 + rng.normal(0, 0.003)],
  // Latency-like: log-normal 15% CV with a 5% chance of a 3-8x co-tenant burst.
  ['heavy-tailed latency noise', (rng: SeededRng) => Math.exp(rng.normal(0, 0.15)) * (rng.next() < 0.05 ? 3 + 5 * rng.next() : 1)],
] as const) {
  test(`never claims for identical arms over 2,000 seeds (${name}; no practical floor, so only the error rate protects)`, () => {
    const design = { ...MEMORY, min_relative_effect: 0 };
    let claims = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const rng = new SeededRng(seed * 31 + 7);
      if (runDuel(design, () => [noise(rng), noise(rng)]).action === 'claim') claims++;
    }
    // alpha 0.05; the union bound over looks makes the rule conservative. 0.06 leaves 2 standard errors.
    assert.ok(claims / 2000 <= 0.06, `false claims ${claims} of 2000`);
  });
}

test('Holm over the family: the placebo stays unclaimed while a strong candidate claims', () => {
  const rng = new SeededRng(5);
  const draw = (scale: number): number[] => Array.from({ length: 4 }, () => scale * (1 + rng.normal(0, 0.003)));
  const family = decideDuelFamily(
    [
      { id: 'placebo', candidate: draw(1), baseline: draw(1) },
      { id: 't4', candidate: draw(0.65), baseline: draw(1) },
    ],
    MEMORY,
  );
  assert.equal(family[0]?.id, 'placebo');
  assert.notEqual(family[0]?.action, 'claim');
  assert.equal(family[1]?.action, 'claim', family[1]?.reason);
  assert.ok((family[1]?.p ?? 1) >= (family[1]?.p_unadjusted ?? 0));
});

test('outliers send the look to the rank test, which cannot claim on 4 pairs', () => {
  assert.ok(isOutlierFree([0.35, 0.351, 0.349, 0.352]));
  assert.ok(!isOutlierFree([0.35, 0.351, 0.349, 1.9]));
  assert.ok(!isOutlierFree([0.35, 0.351, 0.349, 0.35, 0.352, 0.351, 0.35, 0.349, 0.35, 0.351, 0.35, 0.9]));
  assert.ok(isOutlierFree([0.35, 0.351, 0.349, 0.35, 0.352, 0.351, 0.35, 0.349, 0.35, 0.351, 0.35, 0.348]));
  assert.ok(!isOutlierFree([0, 0, 0]));
  const d = nextDuelAction({ candidate: [0.2, 0.65, 0.651, 0.652], baseline: [1, 1, 1, 1] }, MEMORY);
  assert.equal(d.test, 'wilcoxon');
  assert.equal(d.action, 'continue');
  assert.equal(nextDuelAction({ candidate: [0.2, 0.65, 0.651, 0.652], baseline: [1, 1, 1, 1] }, { ...MEMORY, test: 't' }).test, 't');
});
