import assert from 'node:assert/strict';
import { test } from 'node:test';
import { halfWidthAt, pairsToDecide } from '../../src/stats/pairs-projection.js';

test('the half-width shrinks like 1/sqrt(n) and is infinite below 2 pairs', () => {
  assert.equal(halfWidthAt(0.1, 1, 0.05), Number.POSITIVE_INFINITY);
  const h4 = halfWidthAt(0.1, 4, 0.05);
  const h16 = halfWidthAt(0.1, 16, 0.05);
  assert.ok(Math.abs(h4 - (2.353 * 0.1) / 2) < 1e-3, `t(0.95, 3) = 2.353: ${h4}`);
  assert.ok(h16 < h4 / 2 && h16 > h4 / 3, `${h16} vs ${h4}`);
});

test('the pairs a decision needs: hundreds at 10 % per-pair noise near a 1 % margin, a handful for a clear loss', () => {
  const bound = Math.log1p(0.01);
  const near = pairsToDecide(0, 0.1, bound, 0.05);
  assert.ok(near > 200 && near < 400, `(1.645 * 0.1 / 0.01)^2 ~ 271: ${near}`);
  assert.ok(halfWidthAt(0.1, near, 0.05) < bound, 'the projected count does decide');
  const clear = pairsToDecide(Math.log1p(0.2), 0.1, bound, 0.05);
  assert.ok(clear >= 2 && clear <= 6, `a 20 % loss: ${clear}`);
  assert.ok(halfWidthAt(0.1, clear, 0.05) < Math.log1p(0.2) - bound);
  assert.equal(pairsToDecide(bound, 0.1, bound, 0.05), Number.POSITIVE_INFINITY, 'a mean on the margin never decides');
  assert.equal(pairsToDecide(0, 0, bound, 0.05), 2, 'no spread: two pairs decide');
  assert.equal(pairsToDecide(0, Number.NaN, bound, 0.05), Number.POSITIVE_INFINITY);
});
