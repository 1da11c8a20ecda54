import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRng } from '../../src/core/seeded-rng.js';

test('the same seed gives the same stream, different seeds differ', () => {
  const a = new SeededRng(42);
  const b = new SeededRng(42);
  const c = new SeededRng(43);
  const sa = Array.from({ length: 20 }, () => a.next());
  const sb = Array.from({ length: 20 }, () => b.next());
  const sc = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
});

test('uniform and normal moments are about right', () => {
  const rng = new SeededRng(7);
  const n = 20000;
  let sum = 0;
  let sumN = 0;
  let sumN2 = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    const z = rng.normal();
    sumN += z;
    sumN2 += z * z;
  }
  assert.ok(Math.abs(sum / n - 0.5) < 0.01);
  assert.ok(Math.abs(sumN / n) < 0.03);
  assert.ok(Math.abs(sumN2 / n - 1) < 0.05);
});

test('state round-trips', () => {
  const rng = new SeededRng(1);
  rng.next();
  const state = rng.getState();
  const first = [rng.next(), rng.next()];
  const other = new SeededRng(999);
  other.setState(state);
  assert.deepEqual([other.next(), other.next()], first);
  assert.ok(rng.int(3, 5) >= 3);
});
