import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitTrials } from '../../src/service/tournament-budget.js';

describe('splitTrials: each allocator tuned with its share of the trial budget', () => {
  it('splits equally by default and sums to the total', () => {
    const shares = splitTrials(['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'], [null], 40);
    assert.deepEqual(shares.map((s) => s.trials), [10, 10, 10, 10]);
  });

  it('gives the remainder to the largest fractions, ties to the earlier listed', () => {
    const shares = splitTrials(['a', 'b', 'c'], [null], 10);
    assert.deepEqual(shares.map((s) => s.trials), [4, 3, 3]);
    assert.equal(shares.reduce((s, x) => s + x.trials, 0), 10);
  });

  it('follows the weights and gives unnamed allocators weight 1', () => {
    const shares = splitTrials(['jemalloc', 'glibc'], [null], 31, { jemalloc: 2 });
    // 2 fixed (one each), 29 shared 2:1 -> 19.33 and 9.67, largest remainder to glibc.
    assert.deepEqual(shares.map((s) => s.trials), [20, 11]);
  });

  it('divides an allocator share over its thread counts', () => {
    const shares = splitTrials(['glibc', 'jemalloc'], [1, 2], 20);
    assert.deepEqual(shares.map((s) => [s.allocator, s.threads, s.trials]), [['glibc', 1, 5], ['glibc', 2, 5], ['jemalloc', 1, 5], ['jemalloc', 2, 5]]);
  });

  it('gives every child at least one trial, raising a budget below the child count', () => {
    const shares = splitTrials(['a', 'b', 'c'], [1, 2], 4, { a: 100 });
    assert.ok(shares.every((s) => s.trials >= 1));
    assert.equal(shares.reduce((s, x) => s + x.trials, 0), 6);
  });

  it('always sums to max(total, children) whatever the weights', () => {
    for (let total = 1; total < 60; total += 7) {
      const shares = splitTrials(['a', 'b', 'c', 'd'], [1, 2, 4], total, { a: 0.5, c: 3.25 });
      assert.equal(shares.reduce((s, x) => s + x.trials, 0), Math.max(total, 12), `total ${total}`);
    }
  });
});
