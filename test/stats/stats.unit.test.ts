import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanSd } from '../../src/stats/mean-interval.js';
import { poolSummaries } from '../../src/stats/pool-summaries.js';

describe('service statistics', () => {
  it('pooling keeps the values only when every part kept them', () => {
    const s = (v: number[], keep: boolean) => ({ ...meanSd(v), min: Math.min(...v), max: Math.max(...v), ...(keep ? { values: v } : {}) });
    assert.deepEqual(poolSummaries([s([1, 2], true), s([3], true)])?.values, [1, 2, 3]);
    assert.equal(poolSummaries([s([1, 2], true), s([3], false)])?.values, undefined);
  });

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

});
