import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanInterval, meanSd, tCritical95 } from '../../src/stats/mean-interval.js';
import { poolSummaries } from '../../src/stats/pool-summaries.js';

describe('service statistics', () => {
  it('pooling per-trial summaries equals summarising all values at once', () => {
    const a = [10, 12, 11];
    const b = [20, 18];
    const s = (v: number[]) => ({ ...meanSd(v), min: Math.min(...v), max: Math.max(...v) });
    const pooled = poolSummaries([s(a), s(b)]);
    const direct = s([...a, ...b]);
    assert.ok(pooled);
    assert.ok(Math.abs(pooled.mean - direct.mean) < 1e-12);
    assert.ok(Math.abs(pooled.sd - direct.sd) < 1e-12);
    assert.equal(pooled.n, 5);
    assert.equal(pooled.min, 10);
    assert.equal(pooled.max, 20);
  });

  it('95% interval uses Student t for small samples', () => {
    assert.equal(tCritical95(4), 2.776);
    const ci = meanInterval(100, 10, 5);
    // 2.776 * 10 / sqrt(5) = 12.415
    assert.ok(Math.abs(ci.ci_high - 112.415) < 0.01);
    assert.ok(Math.abs(ci.ci_low - 87.585) < 0.01);
  });

  it('a single measurement has a degenerate interval, not a fake one', () => {
    assert.deepEqual(meanInterval(5, 0, 1), { mean: 5, ci_low: 5, ci_high: 5, n: 1 });
  });
});
