import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { judgeRevert } from '../../src/optimizer/recommend/revert-outcome.js';
import { pairedNonInferiority } from '../../src/stats/paired-non-inferiority.js';

/** `n` pairs of ops/s: the candidate loses `loss` with per-pair log-normal noise `sd` (seeded). */
function pairs(n: number, loss: number, sd: number, seed = 3): { candidate: number[]; reference: number[] } {
  const rng = new SeededRng(seed);
  const reference = Array.from({ length: n }, () => 1e6);
  return { candidate: reference.map((r) => r * (1 - loss) * Math.exp(rng.normal(0, sd))), reference };
}
const budget = { planned: 4, max_pairs: 12, batch: 2 };
const opts = { direction: 'max' as const, margin: 0.01 };

test('within the margin: reverted; shown beyond it: carries_gain; a broken constraint: carries_gain', () => {
  const quiet = pairs(4, 0, 0.001);
  const same = judgeRevert(pairedNonInferiority(quiet.candidate, quiet.reference, opts), true, budget);
  assert.equal(same.kind === 'decided' && same.outcome, 'reverted');
  const big = pairs(4, 0.2, 0.02);
  const worse = judgeRevert(pairedNonInferiority(big.candidate, big.reference, opts), true, budget);
  assert.equal(worse.kind === 'decided' && worse.outcome, 'carries_gain');
  assert.match(worse.reason, /at least 1\d\.\d\d%\), beyond the margin 1%/);
  const broken = judgeRevert(pairedNonInferiority(quiet.candidate, quiet.reference, opts), false, budget);
  assert.equal(broken.kind === 'decided' && broken.outcome, 'carries_gain');
  assert.match(broken.reason, /breaks a constraint/);
});

test('threadtest under load (~10 % per-pair noise, 1 % margin): stops at once as inconclusive, saying why', () => {
  const loaded = pairs(4, 0, 0.1);
  const v = pairedNonInferiority(loaded.candidate, loaded.reference, opts);
  assert.equal(v.non_inferior, false);
  const j = judgeRevert(v, true, budget);
  assert.equal(j.kind, 'decided');
  if (j.kind !== 'decided') return;
  assert.equal(j.outcome, 'inconclusive');
  assert.match(j.reason, /^could not tell with 4 pairs: .*per-pair spread ±\d+\.\d%, margin 1%; stopped early: even max_pairs \(12\) would leave ±\d+\.\d%, deciding would take (about \d+ pairs|more pairs than can be run)/);
});

test('a loss that more pairs can resolve gets more pairs, in batches, up to max_pairs; then inconclusive', () => {
  // 5 % loss at 4 % noise: 4 pairs cannot clear the 1 % margin, 12 can.
  const mid = pairs(4, 0.05, 0.04, 11);
  const v = pairedNonInferiority(mid.candidate, mid.reference, opts);
  const j = judgeRevert(v, true, budget);
  assert.equal(j.kind, 'more_pairs', j.reason);
  assert.equal(j.kind === 'more_pairs' && j.pairs, 2);
  const last = judgeRevert(v, true, { planned: 11, max_pairs: 12, batch: 2 });
  assert.equal(last.kind === 'more_pairs' && last.pairs, 1, 'never beyond max_pairs');
  const spent = judgeRevert(v, true, { planned: 12, max_pairs: 12, batch: 2 });
  assert.equal(spent.kind === 'decided' && spent.outcome, 'inconclusive');
  assert.match(spent.reason, /max_pairs \(12\) spent/);
  assert.equal(judgeRevert(v, true).kind, 'decided', 'without a budget the verdict stands as it is');
});
