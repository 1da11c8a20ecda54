import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { csvField, trialsCsv, type ScoredTrial } from '../../src/api/export/trials-csv.js';
import { parseCsv } from '../helpers/parse-csv.js';

function trial(id: string, extra: Partial<ScoredTrial> = {}): ScoredTrial {
  return {
    trial_id: id,
    campaign_id: 'c1',
    role: 'explore',
    config_key: 'MALLOC_CONF=narenas:2',
    config: { narenas: 2 },
    env: { MALLOC_CONF: 'narenas:2' },
    state: 'completed',
    proposed_at: '2026-12-01T00:00:00.000Z',
    score: { objective: 100, feasible: true },
    ...extra,
  };
}

describe('trials as CSV', () => {
  it('quotes what needs quoting and round-trips any text', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(Number.NaN), '');
    assert.equal(csvField(undefined), '');
    fc.assert(fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (cells) => {
      assert.deepEqual(parseCsv(`${cells.map(csvField).join(',')}\r\n`), [cells]);
    }));
  });

  it('one row per trial in id order, config and metric columns from every trial', () => {
    const csv = trialsCsv([
      trial('t10', { config: { narenas: 4, tcache: false }, summary: { 'redis.p99_us': { mean: 12.5, sd: 1, n: 3, min: 11, max: 14 } } }),
      trial('t2', {
        state: 'failed',
        score: { feasible: false },
        error: { code: 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED', message: 'allocator rejected the config: <jemalloc>: Invalid conf pair: "narenas:0", line 2', params: {} },
      }),
    ]);
    const [header, ...rows] = parseCsv(csv);
    assert.ok(header);
    assert.equal(rows.length, 2);
    const col = (name: string): number => header.indexOf(name);
    assert.ok(col('config.narenas') > 0 && col('config.tcache') > 0 && col('redis.p99_us') > 0 && col('redis.p99_us.n') > 0);
    const [first, second] = rows as [string[], string[]];
    assert.equal(first[col('trial_id')], 't2');
    assert.equal(first[col('error_message')], 'allocator rejected the config: <jemalloc>: Invalid conf pair: "narenas:0", line 2');
    assert.equal(first[col('objective')], '');
    assert.equal(first[col('config.tcache')], '');
    assert.equal(second[col('trial_id')], 't10');
    assert.equal(second[col('config.tcache')], 'false');
    assert.equal(Number(second[col('redis.p99_us')]), 12.5);
    assert.equal(second[col('redis.p99_us.n')], '3');
    assert.ok(rows.every((r) => r.length === header.length));
  });
});
