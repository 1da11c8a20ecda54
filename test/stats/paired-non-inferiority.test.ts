import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { pairedNonInferiority } from '../../src/stats/paired-non-inferiority.js';
import { studentTCdf, studentTQuantile } from '../../src/stats/student-t.js';

test('Student t CDF and quantiles match tabulated values', () => {
  // Tabulated one-sided 95 % and 97.5 % quantiles.
  const table: [number, number, number][] = [[1, 0.95, 6.3138], [5, 0.95, 2.015], [5, 0.975, 2.5706], [10, 0.95, 1.8125], [30, 0.975, 2.0423], [1000, 0.975, 1.9623]];
  for (const [df, p, q] of table) assert.ok(Math.abs(studentTQuantile(p, df) - q) < 1e-3, `t(${p}, ${df}) = ${studentTQuantile(p, df)}`);
  assert.ok(Math.abs(studentTCdf(0, 7) - 0.5) < 1e-12);
  assert.ok(Math.abs(studentTCdf(2.015, 5) - 0.95) < 1e-4);
  assert.ok(Math.abs(studentTCdf(-2.015, 5) - 0.05) < 1e-4);
});

test('no real change with low noise is non-inferior at a 1 % margin from 6 pairs; a 5 % loss is not', () => {
  const rng = new SeededRng(4);
  const ref = Array.from({ length: 6 }, () => 100 * (1 + rng.normal(0, 0.002)));
  const same = ref.map(() => 100 * (1 + rng.normal(0, 0.002)));
  const worse = ref.map(() => 105 * (1 + rng.normal(0, 0.002)));
  const ok = pairedNonInferiority(same, ref, { direction: 'min', margin: 0.01 });
  assert.equal(ok.non_inferior, true);
  assert.ok(ok.p_value < 1e-4, `p ${ok.p_value}: resolution is not capped at 2^-6`);
  const bad = pairedNonInferiority(worse, ref, { direction: 'min', margin: 0.01 });
  assert.equal(bad.non_inferior, false);
  assert.ok(Math.abs(bad.relative_change - 0.05) < 0.005, `change ${bad.relative_change}`);
  assert.ok(bad.change_low < bad.relative_change && bad.relative_change < bad.change_high);
});

test('direction max: a throughput drop is a loss, a rise is not', () => {
  const ref = [1000, 1010, 990, 1005];
  const drop = pairedNonInferiority(ref.map((v) => v * 0.9), ref, { direction: 'max', margin: 0.03 });
  assert.equal(drop.non_inferior, false);
  assert.ok(Math.abs(drop.loss - 0.1) < 1e-9, `a 10 % drop is a 10 % loss, got ${drop.loss}`);
  // 2 % lower throughput is within a 3 % margin.
  assert.equal(pairedNonInferiority([980, 990, 970, 985], ref, { direction: 'max', margin: 0.03 }).non_inferior, true);
  const rise = pairedNonInferiority(ref.map((v) => v * 1.05), ref, { direction: 'max', margin: 0.03 });
  assert.equal(rise.non_inferior, true);
  assert.ok(rise.loss < 0);
});

test('too few usable pairs are never called non-inferior', () => {
  assert.equal(pairedNonInferiority([1], [1], { direction: 'min', margin: 0.5 }).non_inferior, false);
  assert.equal(pairedNonInferiority([0, -1], [1, 1], { direction: 'min', margin: 0.5 }).non_inferior, false);
});

test('identical arms: the false non-inferiority rate at a zero-loss boundary stays near alpha', () => {
  // A true loss exactly at the margin must be called non-inferior in about alpha of the runs.
  const rng = new SeededRng(8);
  let calls = 0;
  const runs = 2000;
  for (let r = 0; r < runs; r++) {
    const ref = Array.from({ length: 6 }, () => 100 * Math.exp(rng.normal(0, 0.01)));
    const cand = ref.map(() => 101 * Math.exp(rng.normal(0, 0.01)));
    if (pairedNonInferiority(cand, ref, { direction: 'min', margin: 0.01 }).non_inferior) calls++;
  }
  assert.ok(calls / runs < 0.08, `rate ${calls / runs}`);
});
