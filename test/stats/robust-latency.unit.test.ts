import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepeatRecord } from '../../src/core/trial-result.js';
import { centralValue, isTailLatencyKey } from '../../src/stats/robust-center.js';
import { poolSummaries } from '../../src/stats/pool-summaries.js';
import { evaluateSummary } from '../../src/service/trial-evaluation.js';
import { summarizeRepeats } from '../../workers/summarize-repeats.js';

function repeats(values: Record<string, number>[]): RepeatRecord[] {
  return values.map((metrics, index) => ({
    index,
    discarded: [],
    workloads: [{ label: 'redis', kind: 'redis', metrics, steal_pct: 0, cpu_busy_pct: {}, allocator: { name: 'jemalloc', version: '5.3.0', options: {} }, duration_ms: 1 }],
  }));
}

// The campaign of issue 19: RSS objective, Redis round-trip p99 constrained to 100 us.
const SPEC = { constraints: [{ metric: 'redis.p99_us', max: 100 }] };
const METRICS = { objective: 'redis.rss_bytes_at_1000ms', constraints: ['redis.p99_us'] };
const RSS = 'redis.rss_bytes_at_1000ms';

describe('robust tail latency', () => {
  it('names tail-latency quantiles and maxima in ns/us, and nothing else', () => {
    for (const k of ['redis.p99_us', 'redis.p999_us', 'harness:fragmentation.malloc_p99_ns', 'harness:x.max_ns', 'redis.max_us', 'p99_ns']) assert.ok(isTailLatencyKey(k), k);
    for (const k of ['redis.p50_us', 'redis.rss_bytes_at_1000ms', 'redis.get_ops_per_s', 'harness:x.p99_ms_budget', 'redis.p90_us']) assert.ok(!isTailLatencyKey(k), k);
  });

  it('the [335.9, 42.0, 34.0] us placebo and its identical baseline are judged alike: both feasible on the median', () => {
    const placebo = summarizeRepeats(repeats([{ p99_us: 335.9, rss_bytes_at_1000ms: 1e9 }, { p99_us: 42.0, rss_bytes_at_1000ms: 1.001e9 }, { p99_us: 34.0, rss_bytes_at_1000ms: 0.999e9 }]));
    const baseline = summarizeRepeats(repeats([{ p99_us: 38.2, rss_bytes_at_1000ms: 1e9 }, { p99_us: 41.5, rss_bytes_at_1000ms: 1.002e9 }, { p99_us: 36.9, rss_bytes_at_1000ms: 0.998e9 }]));
    // On the mean the placebo (137.3 us) breaks the 100 us bound and the baseline (38.9 us) meets it.
    assert.ok((placebo['redis.p99_us']?.mean ?? 0) > 100);
    const p = evaluateSummary(SPEC, METRICS, placebo);
    const b = evaluateSummary(SPEC, METRICS, baseline);
    assert.equal(p.constraints[0]?.value?.mean, 42.0, 'the placebo is judged on its median repeat');
    assert.equal(b.constraints[0]?.value?.mean, 38.2);
    assert.ok(p.feasible && b.feasible, 'both feasible');
    // Memory stays on the mean of repeats.
    assert.equal(p.objective?.mean, placebo[RSS]?.mean);
  });

  it('pools trials by their repeat-weighted medians, so one disturbed trial does not move an arm', () => {
    const trial = (v: number[]) => summarizeRepeats(repeats(v.map((p99_us) => ({ p99_us }))))['redis.p99_us'];
    const parts = [trial([335.9, 42.0, 34.0]), trial([40.1]), trial([39.0]), trial([41.2])].flatMap((s) => (s ? [s] : []));
    const pooled = poolSummaries(parts);
    assert.ok(pooled);
    assert.ok(Math.abs(centralValue('redis.p99_us', pooled) - 41.6) < 1e-9, 'median of 39.0, 40.1, 41.2, 42.0, 42.0, 42.0');
    assert.ok(pooled.mean > 80, 'while the mean is dragged up by the one burst');
    // Summaries stored before medians were recorded fall back to the mean.
    const old = { mean: 137.3, sd: 170, n: 3, min: 34, max: 335.9 };
    assert.equal(centralValue('redis.p99_us', old), 137.3);
    assert.equal(poolSummaries([old, ...parts])?.median, undefined);
  });
});
