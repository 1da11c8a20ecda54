import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageRanks, spearman, spearmanInterval } from '../../src/stats/rank-correlation.js';

describe('Spearman rank correlation', () => {
  it('ranks with ties sharing their mean rank', () => {
    assert.deepEqual(averageRanks([30, 10, 20, 10]), [4, 1.5, 3, 1.5]);
  });

  it('is 1 for any increasing relation, -1 for a decreasing one, and the textbook value with ties', () => {
    assert.equal(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]), 1);
    assert.equal(spearman([1, 2, 3, 4, 5], [9, 7, 5, 3, 1]), -1);
    // d = ranks differ by (0, 0, 1, -1, 0): 1 - 6*2/(5*24) = 0.9 without ties.
    assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [1, 2, 4, 3, 5]) - 0.9) < 1e-12);
    // With a tie, Pearson on average ranks: x ranks 1,2,3,4; y ranks 1.5,1.5,3,4.
    assert.ok(Math.abs(spearman([1, 2, 3, 4], [5, 5, 6, 7]) - 0.9486832980505138) < 1e-12);
    assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
    assert.throws(() => spearman([1, 2], [1]), /2 values against 1/);
  });

  it('has a bootstrap interval around rho, reproducible from its seed, wide for few pairs', () => {
    const x = [1, 2, 3, 4, 5, 6, 7];
    const y = [2, 1, 4, 3, 6, 5, 7];
    const a = spearmanInterval(x, y, { seed: 7, resamples: 500 });
    assert.deepEqual(a, spearmanInterval(x, y, { seed: 7, resamples: 500 }));
    assert.ok(a.low <= a.rho && a.rho <= a.high, JSON.stringify(a));
    assert.ok(a.low < 0.9 && a.high === 1, JSON.stringify(a));
    assert.ok(a.used > 400 && a.used <= 500);
    const unrelated = spearmanInterval(x, [4, 7, 1, 6, 2, 5, 3], { seed: 7, resamples: 500 });
    assert.ok(unrelated.low < 0 && unrelated.high > 0, JSON.stringify(unrelated));
  });
});
