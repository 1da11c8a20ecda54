import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { judgeGuards, presentRecommendation, type GuardSpec, type PairedValues } from '../../src/optimizer/recommend/guard-verdicts.js';

const GUARDS: GuardSpec[] = [
  { metric: 'redis.get_ops_per_s', direction: 'max', margin: 0.03 },
  { metric: 'redis.set_ops_per_s', direction: 'max', margin: 0.03 },
  { metric: 'redis.rtt_p99_us', direction: 'min', margin: 0.1 },
];

function pairs(rng: SeededRng, level: number, factor: number, cv: number, n = 6): PairedValues {
  const baseline = Array.from({ length: n }, () => level * (1 + rng.normal(0, cv)));
  return { baseline, candidate: baseline.map(() => level * factor * (1 + rng.normal(0, cv))) };
}

test('a guard regression beyond the margin turns a win into a reported trade-off', () => {
  const rng = new SeededRng(3);
  const measured = new Map([
    ['redis.get_ops_per_s', pairs(rng, 150_000, 0.995, 0.005)],
    ['redis.set_ops_per_s', pairs(rng, 140_000, 0.92, 0.005)],
    ['redis.rtt_p99_us', pairs(rng, 60, 1.0, 0.02)],
  ]);
  const verdicts = judgeGuards(GUARDS, measured);
  assert.deepEqual(verdicts.map((v) => v.status), ['ok', 'regressed', 'ok']);
  const rec = presentRecommendation('-35% redis.rss_bytes_at_1000ms', verdicts);
  assert.equal(rec.kind, 'trade_off');
  assert.match(rec.headline, /^trade-off: -35% redis\.rss_bytes_at_1000ms, costs 8\.\d% redis\.set_ops_per_s$/);
});

test('guards that hold make an improvement; a missing guard is named as not measured', () => {
  const rng = new SeededRng(5);
  const measured = new Map([
    ['redis.get_ops_per_s', pairs(rng, 150_000, 1.0, 0.005)],
    ['redis.set_ops_per_s', pairs(rng, 140_000, 1.01, 0.005)],
  ]);
  const verdicts = judgeGuards(GUARDS, measured);
  assert.deepEqual(verdicts.map((v) => v.status), ['ok', 'ok', 'not_measured']);
  const rec = presentRecommendation('-35% RSS', verdicts);
  assert.equal(rec.kind, 'improvement');
  assert.deepEqual(rec.unmeasured, ['redis.rtt_p99_us']);
  assert.match(rec.headline, /not measured: redis\.rtt_p99_us/);
});

test('a noisy guard that cannot be shown within its margin is inconclusive and still a trade-off, not a win', () => {
  const rng = new SeededRng(9);
  // p99 with 40 % spread (co-tenant noise): neither within 10 % nor clearly past it.
  const verdicts = judgeGuards([GUARDS[2] as GuardSpec], new Map([['redis.rtt_p99_us', pairs(rng, 60, 1.0, 0.4)]]));
  assert.equal(verdicts[0]?.status, 'inconclusive');
  assert.equal(presentRecommendation('-10% RSS', verdicts).kind, 'trade_off');
});

test('an inconclusive guard says which way it was measured: a gain is not worded as a cost of that size', () => {
  const rng = new SeededRng(11);
  // SET ops/s measured higher (+5 %) with a 15 % spread: the interval still reaches past the 3 % margin.
  const better = judgeGuards([GUARDS[1] as GuardSpec], new Map([['redis.set_ops_per_s', pairs(rng, 140_000, 1.05, 0.15, 8)]]));
  assert.equal(better[0]?.status, 'inconclusive');
  assert.ok((better[0]?.evidence?.loss ?? 0) < 0, 'measured better');
  assert.match(presentRecommendation('-7% RSS', better).headline, /may cost redis\.set_ops_per_s \(\d+\.\d% better measured, not shown within margin\)$/);
  // Measured about 3 % lower, with pairs spread from -10 % to +4 %: neither within the margin nor shown past it.
  const baseline = Array.from({ length: 8 }, () => 140_000);
  const factors = [0.9, 1.04, 0.92, 1.02, 0.95, 1.0, 0.93, 1.03];
  const worse = judgeGuards([GUARDS[1] as GuardSpec], new Map([['redis.set_ops_per_s', { baseline, candidate: baseline.map((b, i) => b * (factors[i] ?? 1)) }]]));
  assert.ok((worse[0]?.evidence?.loss ?? 0) > 0, 'measured worse');
  assert.equal(worse[0]?.status, 'inconclusive');
  assert.match(presentRecommendation('-7% RSS', worse).headline, /may cost redis\.set_ops_per_s \(\d+\.\d% worse measured, not shown within margin\)$/);
});
