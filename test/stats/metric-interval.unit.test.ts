import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { intervalMethodFor } from '../../src/service/metric-interval-method.js';
import { metricEvidence } from '../../src/service/metric-evidence.js';
import { intervalText } from '../../src/stats/interval-text.js';
import { logTInterval } from '../../src/stats/log-t-interval.js';
import { meanSd } from '../../src/stats/mean-interval.js';
import { medianOrderInterval } from '../../src/stats/median-order-interval.js';
import { intervalOf } from '../../src/stats/metric-interval.js';

const summaryOf = (values: number[]) => ({ ...meanSd(values), min: Math.min(...values), max: Math.max(...values), values });

describe('intervals shown honestly', () => {
  it('n=1 gives no interval, for every method, and says so', () => {
    for (const method of ['log-t', 'median-order'] as const) {
      const iv = intervalOf([62.8e6], method);
      assert.equal(iv.method, 'none');
      assert.equal(iv.low, null);
      assert.equal(iv.high, null);
      assert.equal(iv.n, 1);
      assert.equal(intervalText(iv, String), 'n=1, no interval');
    }
    const e = metricEvidence('redis.rss_bytes_at_1000ms', summaryOf([62.8e6]));
    assert.equal(e.ci_low, undefined);
    assert.equal(e.ci_high, undefined);
  });

  it('n=2 gives a wide log-t interval that contains both values and stays positive', () => {
    const iv = intervalOf([100, 120], 'log-t');
    assert.equal(iv.method, 'log-t');
    assert.ok(iv.low !== null && iv.high !== null && iv.center !== null);
    // t(0.975, 1) = 12.706 on sd(log) = 0.1289 / sqrt(2): exp(4.6952 -+ 1.1583).
    assert.ok(Math.abs(iv.center - Math.sqrt(100 * 120)) < 1e-9);
    assert.ok(Math.abs(iv.low - 34.4) < 0.2, String(iv.low));
    assert.ok(Math.abs(iv.high - 348.7) < 1, String(iv.high));
    const median = intervalOf([100, 120], 'median-order');
    assert.deepEqual([median.low, median.high, median.level], [100, 120, 0.5]);
  });

  it('a positive quantity keeps a positive lower end, however spread: [1, 1000] (a plain t interval reaches -6000)', () => {
    const iv = intervalOf([1, 1000], 'log-t');
    assert.ok(iv.low !== null && iv.low > 0, String(iv.low));
    const { mean, sd, n } = meanSd([1, 1000]);
    assert.ok(mean - (12.706 * sd) / Math.sqrt(n) < 0, 'the plain t interval this replaces goes negative');
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), { minLength: 2, maxLength: 40 }), (values) => {
        const t = logTInterval(values);
        assert.ok(t !== undefined && t.low > 0 && t.low <= t.center && t.center <= t.high);
      }),
    );
  });

  it('a heavy-tailed latency gets a median interval that one slow repeat cannot drag below the data', () => {
    const values = [335.9, 42.0, 34.0];
    assert.equal(intervalMethodFor('harness:fragmentation.malloc_p99_ns'), 'median-order');
    const e = metricEvidence('harness:fragmentation.malloc_p99_ns', summaryOf(values));
    assert.equal(e.interval.method, 'median-order');
    assert.equal(e.interval.center, 42);
    assert.deepEqual([e.interval.low, e.interval.high], [34, 335.9]);
    // [min, max] of 3 values covers the median with probability 1 - 2/8, not 95 %: said, not hidden.
    assert.equal(e.interval.level, 0.75);
    assert.equal(intervalText(e.interval, String), '34..335.9 median-order 75%');
    const { mean, sd, n } = meanSd(values);
    assert.ok(mean - (4.303 * sd) / Math.sqrt(n) < 0, 'the mean +- t sd interval this replaces goes negative');
  });

  it('the order-statistic interval reaches 95 % from n=6 and narrows with n', () => {
    const six = medianOrderInterval([6, 1, 5, 2, 4, 3]);
    assert.deepEqual([six?.low, six?.high, six?.rank], [1, 6, 1]);
    assert.ok(six && Math.abs(six.level - (1 - 2 / 64)) < 1e-12);
    const values = Array.from({ length: 30 }, (_, i) => i + 1);
    const thirty = medianOrderInterval(values);
    // Binomial(30, 1/2): P(X <= 9) = 0.0214, P(X <= 10) = 0.0494, so ranks 10 and 21.
    assert.deepEqual([thirty?.low, thirty?.high], [10, 21]);
    assert.ok(thirty && thirty.level >= 0.95 && thirty.level < 0.96);
    assert.equal(thirty?.center, 15.5);
  });

  it('a log-t metric with a zero falls back to the median interval and says why', () => {
    const iv = intervalOf([0, 3, 5], 'log-t');
    assert.equal(iv.method, 'median-order');
    assert.match(iv.note ?? '', /<= 0/);
    assert.ok(iv.low !== null && iv.low >= 0);
  });

  it('throughput, memory and ratios get log-t; Redis latencies median-order; summaries without values no interval', () => {
    assert.equal(intervalMethodFor('redis.get_ops_per_s'), 'log-t');
    assert.equal(intervalMethodFor('redis.rss_bytes_at_1000ms'), 'log-t');
    assert.equal(intervalMethodFor('harness:fragmentation.fragmentation_ratio_at_300ms'), 'log-t');
    assert.equal(intervalMethodFor('redis.p99_us'), 'median-order');
    assert.equal(intervalMethodFor('p999_us'), 'median-order');
    const { values: _dropped, ...old } = summaryOf([1, 2, 3]);
    const e = metricEvidence('redis.get_ops_per_s', old);
    assert.equal(e.interval.method, 'none');
    assert.match(e.interval.note ?? '', /not recorded/);
  });
});
