import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageRanks, separatedPairAgreement, spearman, spearmanInterval } from '../../src/stats/rank-correlation.js';

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

  it('counts only the pairs the reference tells apart, and how the proxy orders them', () => {
    const configs = [
      { name: 'low', reference: [1, 1.1, 1.2], proxy: [10, 10.1] },
      { name: 'mid', reference: [2, 2.1, 2.2], proxy: [20, 20.2] },
      // Tied with mid in the reference (overlapping repeats): its order against mid is not counted.
      { name: 'mid2', reference: [2.1, 2.15], proxy: [5, 5.1] },
      { name: 'high', reference: [3, 3.2], proxy: [19.9, 20.3] },
    ];
    const r = separatedPairAgreement(configs);
    // Separated in the reference: low-mid, low-mid2, low-high, mid-high, mid2-high (mid-mid2 overlap).
    assert.equal(r.separated, 5);
    // low-mid agrees; low-mid2 reversed (5 < 10); low-high agrees; mid-high overlaps in the proxy; mid2-high agrees.
    assert.equal(r.agreed, 3);
    assert.deepEqual(r.disagreed.map((d) => `${d.a}-${d.b}:${d.proxy}`), ['low-mid2:reversed', 'mid-high:overlapping']);
    assert.ok(Math.abs((r.disagreed[0]?.reference_gap ?? 0) - (2.125 - 1.1)) < 1e-12);
    assert.throws(() => separatedPairAgreement([{ name: 'a', reference: [], proxy: [1] }, { name: 'b', reference: [1], proxy: [1] }]), /no repeat/);
  });
});
