import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { BradleyTerry } from '../../src/optimizer/duel/bradley-terry.js';
import { pairMeasurements, planDuel, planDuelRound } from '../../src/optimizer/duel/duel-schedule.js';
import { holmAdjust } from '../../src/optimizer/duel/holm.js';
import { judgeClaims } from '../../src/optimizer/duel/paired-verdict.js';
import { recordPairs } from '../../src/optimizer/duel/score-pairs.js';
import { signTest } from '../../src/optimizer/duel/sign-test.js';
import { wilcoxonSignedRank } from '../../src/optimizer/duel/wilcoxon-signed-rank.js';

function close(actual: number, expected: number, tol: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);
}

test('Wilcoxon exact p-values on hand-counted cases', () => {
  // All 5 positive: only 1 of 2^5 sign patterns reaches W+ = 15.
  close(wilcoxonSignedRank([1, 2, 3, 4, 5], 'greater').p_value, 1 / 32, 1e-12);
  // W+ = 14: the patterns with W+ >= 14 are {all} and {2,3,4,5}.
  const r = wilcoxonSignedRank([-1, 2, 3, 4, 5], 'greater');
  assert.equal(r.statistic, 14);
  close(r.p_value, 2 / 32, 1e-12);
  close(wilcoxonSignedRank([-1, 2, 3, 4, 5], 'two-sided').p_value, 4 / 32, 1e-12);
  // Zeros are dropped; ties get mid-ranks 1.5, 1.5, 3 and the exact null still has 2^3 patterns.
  const tied = wilcoxonSignedRank([0, 1, 1, 2], 'greater');
  assert.equal(tied.n, 3);
  close(tied.p_value, 1 / 8, 1e-12);
  assert.equal(wilcoxonSignedRank([0, 0], 'greater').p_value, 1);
});

test('Wilcoxon matches the classic paired example (Hollander & Wolfe depression data)', () => {
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const r = wilcoxonSignedRank(x.map((v, i) => v - (y[i] as number)), 'greater');
  assert.equal(r.statistic, 40);
  // P(W+ >= 40) = P(W+ <= 5) = 10 / 512 (subsets of 1..9 summing to at most 5).
  close(r.p_value, 10 / 512, 1e-12);
  assert.ok(r.exact);
});

test('Wilcoxon normal approximation agrees with the exact tail near the switch-over', () => {
  const rng = new SeededRng(9);
  const diffs = Array.from({ length: 30 }, () => rng.normal(0.4, 1));
  const exact = wilcoxonSignedRank(diffs, 'greater');
  const approx = wilcoxonSignedRank([...diffs, 0.4001], 'greater');
  assert.ok(exact.exact && !approx.exact);
  close(approx.p_value, exact.p_value, 0.02, 'approximation close to exact');
});

test('sign test exact binomial tails', () => {
  close(signTest([1, 1, 1, 1, 1, 1, 1, 1, 1, -1], 'greater').p_value, 11 / 1024, 1e-12);
  close(signTest([1, -1], 'two-sided').p_value, 1, 1e-12);
  close(signTest([-1, -1, -1], 'less').p_value, 1 / 8, 1e-12);
});

test('Holm adjustment', () => {
  const adj = holmAdjust([0.01, 0.04, 0.03]);
  close(adj[0] as number, 0.03, 1e-12);
  close(adj[1] as number, 0.06, 1e-12);
  close(adj[2] as number, 0.06, 1e-12);
  assert.deepEqual(holmAdjust([0.5]), [0.5]);
});

test('Bradley-Terry ratings on scripted duel outcomes', () => {
  const bt = new BradleyTerry();
  for (let i = 0; i < 100; i++) bt.record('a', 'b', i < 80 ? 1 : 0);
  const r = bt.ratings('b');
  const a = r.find((x) => x.id === 'a');
  assert.ok(a);
  // 80:20 odds are 4:1, i.e. 400 log10(4) = 240.8 Elo; the one-game prior shrinks it slightly.
  assert.ok(a.rating > 220 && a.rating < 241, `rating ${a.rating}`);
  // SE of a log-odds from 100 games at p = 0.8 is 1/sqrt(100 * 0.16) = 0.25 -> 43 Elo.
  close(a.rating_sd, (400 / Math.LN10) * 0.25, 6, 'rating sd');
  assert.equal(r.find((x) => x.id === 'b')?.rating, 0);

  const chain = new BradleyTerry();
  for (let i = 0; i < 10; i++) {
    chain.record('x', 'y', i < 8 ? 1 : 0);
    chain.record('y', 'z', i < 8 ? 1 : 0);
  }
  assert.deepEqual(chain.ratings().map((q) => q.id), ['x', 'y', 'z']);
  const few = new BradleyTerry();
  few.record('x', 'y', 1);
  const fewX = few.ratings('y').find((q) => q.id === 'x');
  const chainX = chain.ratings('y').find((q) => q.id === 'x');
  assert.ok(fewX && chainX && fewX.rating_sd > chainX.rating_sd, 'fewer games, more uncertainty');
  assert.ok(Number.isFinite(fewX.rating), 'a single win stays finite');
  const restored = BradleyTerry.fromJSON(JSON.parse(JSON.stringify(chain.toJSON())));
  assert.deepEqual(restored.ratings(), chain.ratings());
});

test('ties and pair scoring: noise-level differences are draws', () => {
  const bt = new BradleyTerry();
  recordPairs(bt, { a: 'c', b: 'base', a_values: [100, 100.2, 90], b_values: [100.1, 100, 100] }, { metric: 'rss_bytes', direction: 'min' }, 0.01);
  // Two draws and one win for c.
  assert.deepEqual(bt.toJSON().wins, [
    [0, 2],
    [1, 0],
  ]);
});

test('duel schedule interleaves A B / B A on one worker and pairs measurements back', () => {
  const plan = planDuel('cand', 'base', 3);
  assert.deepEqual(plan.slots.map((s) => s.config_id), ['cand', 'base', 'base', 'cand', 'cand', 'base']);
  const { a, b } = pairMeasurements(plan, [1, 10, 20, 2, 3, 30]);
  assert.deepEqual(a, [1, 2, 3]);
  assert.deepEqual(b, [10, 20, 30]);
  const round = planDuelRound(['c1', 'c2'], 'base', 'placebo', 4);
  assert.deepEqual(round.map((p) => `${p.a}-${p.b}`), ['placebo-base', 'c1-base', 'c2-base', 'c1-c2']);
  assert.throws(() => planDuel('a', 'b', 0), RangeError);
});

test('confirmatory verdicts: a real 10% win is confirmed, a placebo and a tiny effect are not', () => {
  const rng = new SeededRng(21);
  const base = Array.from({ length: 12 }, () => 100 * (1 + 0.01 * rng.normal()));
  const better = base.map((b) => 0.9 * b * (1 + 0.01 * rng.normal()));
  const placebo = base.map((b) => b * (1 + 0.01 * rng.normal()));
  const tiny = base.map((b) => 0.997 * b);
  const verdicts = judgeClaims(
    [
      { id: 'better', candidate: better, baseline: base },
      { id: 'placebo', candidate: placebo, baseline: base },
      { id: 'tiny', candidate: tiny, baseline: base },
    ],
    { objective: { metric: 'rss_bytes', direction: 'min' }, min_relative_effect: 0.01 },
  );
  const by = Object.fromEntries(verdicts.map((v) => [v.id, v]));
  assert.equal(by['better']?.better_than_baseline, true);
  assert.equal(by['placebo']?.better_than_baseline, false);
  assert.equal(by['tiny']?.better_than_baseline, false);
  assert.match(by['tiny']?.reason ?? '', /practical threshold/);
  // Direction max: higher ops/s is better.
  const up = judgeClaims([{ id: 'up', candidate: base.map((b) => b * 1.2), baseline: base }], {
    objective: { metric: 'ops_per_s', direction: 'max' },
    min_relative_effect: 0.03,
  });
  assert.equal(up[0]?.better_than_baseline, true);
});

test('placebo false-win rate stays under 5% with heavy-tailed noise (2000 seeded A/A duels)', () => {
  const rng = new SeededRng(77);
  let wins = 0;
  const campaigns = 2000;
  for (let c = 0; c < campaigns; c++) {
    // Log-normal with sigma 0.8: CV near 100%, like unfiltered redis-benchmark P99.
    const draw = (): number => 8 * Math.exp(0.8 * rng.normal());
    const baseline = Array.from({ length: 8 }, draw);
    const placebo = Array.from({ length: 8 }, draw);
    const [v] = judgeClaims([{ id: 'placebo', candidate: placebo, baseline }], { objective: { metric: 'p99_us', direction: 'min' }, min_relative_effect: 0.1 });
    if (v?.better_than_baseline) wins += 1;
  }
  assert.ok(wins / campaigns <= 0.05, `false-win rate ${wins / campaigns}`);
  assert.ok(wins > 0, 'the test can fail: some A/A duels do cross the line by chance');
});
