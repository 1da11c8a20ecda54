import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { RepeatRecord } from '../../src/core/trial-result.js';
import { summarizeRepeats } from '../../workers/summarize-repeats.js';

function repeat(index: number, metrics: Record<string, number>, label = 'harness:larson'): RepeatRecord {
  return {
    index,
    discarded: [],
    workloads: [{ label, kind: 'harness', metrics, steal_pct: 0, cpu_busy_pct: {}, allocator: { name: 'jemalloc', version: '5.3.0', options: {}, path: null }, duration_ms: 1 }],
  };
}

describe('summarizeRepeats', () => {
  it('gives mean, sample sd, n, min, max and median per label.metric (golden values)', () => {
    const summary = summarizeRepeats([repeat(0, { ops_per_s: 2 }), repeat(1, { ops_per_s: 4 }), repeat(2, { ops_per_s: 9 })]);
    const s = summary['harness:larson.ops_per_s'];
    assert.ok(s);
    assert.equal(s.n, 3);
    assert.equal(s.mean, 5);
    // sample variance: ((2-5)^2 + (4-5)^2 + (9-5)^2) / 2 = 13
    assert.ok(Math.abs(s.sd - Math.sqrt(13)) < 1e-12);
    assert.equal(s.min, 2);
    assert.equal(s.max, 9);
    assert.equal(s.median, 4);
    // The values themselves, in repeat order, for intervals that need more than mean and sd.
    assert.deepEqual(s.values, [2, 4, 9]);
  });

  it('reports sd 0 for one value and leaves out non-finite values', () => {
    const summary = summarizeRepeats([repeat(0, { rss_bytes: 100, ratio: Number.NaN }), repeat(1, { ratio: 1.5 }, 'redis')]);
    assert.deepEqual(summary['harness:larson.rss_bytes'], { mean: 100, sd: 0, n: 1, min: 100, max: 100, median: 100, values: [100] });
    assert.equal(summary['harness:larson.ratio'], undefined);
    assert.equal(summary['redis.ratio']?.n, 1);
  });

  it('keeps min <= mean <= max and sd >= 0 for any values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 30 }), (values) => {
        const s = summarizeRepeats(values.map((v, i) => repeat(i, { x: v })))['harness:larson.x'];
        assert.ok(s);
        assert.equal(s.n, values.length);
        assert.ok(s.min <= s.mean + 1e-6 && s.mean <= s.max + 1e-6);
        assert.ok(s.sd >= 0);
      }),
    );
  });
});
