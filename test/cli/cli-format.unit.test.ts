import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZodError, z } from 'zod';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import type { Leaderboard, LeaderboardRow } from '../../src/service/leaderboard.js';
import { leaderboardTable } from '../../src/cli/client/leaderboard-table.js';
import { intervalText, metricValueText } from '../../src/cli/client/metric-value-text.js';
import { jsonErrorOffset, lineColumn } from '../../src/cli/json-error-position.js';
import { reportError } from '../../src/cli/report-error.js';
import { UsageError } from '../../src/cli/usage-error.js';

function row(rank: number, env: Record<string, string>, mean: number, n: number): LeaderboardRow {
  return {
    rank, arm: `t${rank}`, role: 'explore', config: {}, env, config_key: '', trials: n, completed: n, failed: 0, errors: [],
    objective: n > 1
      ? { mean, ci_low: mean * 0.98, ci_high: mean * 1.02, n, interval: { method: 'log-t', center: mean, low: mean * 0.98, high: mean * 1.02, level: 0.95, n } }
      : { mean, n, interval: { method: 'none', center: null, low: null, high: null, level: null, n, note: 'n=1, no interval' } },
    constraints: [], feasible: true, beats_baseline: false, metrics: {},
  } as LeaderboardRow;
}

function board(rows: LeaderboardRow[], metric = 'redis.rss_bytes_at_1000ms'): Leaderboard {
  return { campaign_id: 'c1', state: 'running', objective: { metric, direction: 'min' }, min_effect_pct: 1, rows, duels: [], placebo_alarm: false } as unknown as Leaderboard;
}

describe('CLI formatting', () => {
  it('puts units on values: MiB for bytes, ns/us for latencies, ops/s for throughput', () => {
    assert.equal(metricValueText(65_850_000, 'redis.rss_bytes_at_1000ms'), '62.8 MiB');
    assert.equal(metricValueText(3 * 2 ** 30, 'peak_rss_bytes'), '3.00 GiB');
    assert.equal(metricValueText(123.4, 'redis.p99_us'), '123.4 us');
    assert.equal(metricValueText(48, 'harness:larson.malloc_p99_ns'), '48 ns');
    assert.equal(metricValueText(123_456, 'redis.get_ops_per_s'), '123.5k ops/s');
    assert.equal(metricValueText(1.25, 'fragmentation_ratio'), '1.25');
    assert.equal(intervalText(61.9 * 2 ** 20, 63.7 * 2 ** 20, 'rss_bytes_at_1000ms'), '61.9..63.7 MiB');
    assert.equal(intervalText(undefined, 3, 'p99_us'), '-');
  });

  it('prints configs as KEY=value pairs, one line per row, elided to the width with …', () => {
    const long = { MIMALLOC_PURGE_DELAY: '0', MIMALLOC_ARENA_EAGER_COMMIT: '0', MIMALLOC_RESERVE_OS_MEMORY: '121', MIMALLOC_EAGER_COMMIT: '1' };
    const text = leaderboardTable(board([row(1, long, 62e6, 3), row(2, {}, 64e6, 1), row(3, { MALLOC_CONF: 'dirty_decay_ms:0' }, 65e6, 2)]), { width: 80 });
    const lines = text.split('\n');
    assert.ok(lines.every((l) => l.length <= 80), text);
    assert.match(lines[2] ?? '', / yes MIMALLOC_ARENA_EAGER_C\w*…$/);
    assert.equal(lines[2]?.length, 80);
    assert.match(lines[2] ?? '', /59\.1 MiB +57\.\d\.\.60\.\d MiB log-t /);
    // One measurement has no interval, and says so; nothing set is the allocator's defaults.
    assert.match(lines[3] ?? '', /61\.0 MiB +n=1, no interval +1 +yes +\(defaults\)$/);
    // jemalloc's config is its MALLOC_CONF text.
    assert.match(lines[4] ?? '', / dirty_decay_ms:0$/);
    assert.match(leaderboardTable(board([row(1, long, 62e6, 3)])), / MIMALLOC_PURGE_DELAY=0 MIMALLOC_RESERVE_OS_MEMORY=121$/m);
  });

  it('finds where JSON goes wrong, also where V8 names no position', () => {
    assert.equal(jsonErrorOffset('{"a": 1}'), undefined);
    assert.equal(jsonErrorOffset('{"a": }'), 6);
    assert.equal(jsonErrorOffset('{\n  "a": 1,\n}'), 12);
    assert.deepEqual(lineColumn('{\n  "a": 1,\n}', 12), { line: 3, column: 1 });
    assert.equal(jsonErrorOffset('{"a": tru}'), 9);
    assert.equal(jsonErrorOffset('[1, 2'), 5);
    assert.equal(jsonErrorOffset('"x" y'), 4);
    assert.equal(jsonErrorOffset('{"a": "\\q"}'), 8);
  });

  it('reports errors as one line with the catalogue code; usage errors exit 2, failures 1', () => {
    let out = '';
    const write = (t: string): void => void (out += t);
    assert.equal(reportError(new UsageError('campaign', 'ID', 'missing'), 'campaign', false, write), 2);
    assert.equal(out, "alloctune campaign: ALLOCTUNE_ERR_INVALID_INPUT: invalid ID: missing (see 'alloctune campaign --help')\n");
    out = '';
    const parseArgsError = Object.assign(new TypeError("Unknown option '--frob'. To specify a positional argument starting with a '-', place it at the end"), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    assert.equal(reportError(parseArgsError, 'trial', false, write), 2);
    assert.equal(out, "alloctune trial: ALLOCTUNE_ERR_INVALID_INPUT: invalid arguments: Unknown option '--frob' (see 'alloctune trial --help')\n");
    out = '';
    assert.equal(reportError(new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: 'line one\n  line two' }), 'campaign', false, write), 1);
    assert.equal(out, 'alloctune campaign: ALLOCTUNE_ERR_SETUP: line one line two\n');
    out = '';
    const zod = z.object({ n: z.number() }).safeParse({ n: 'x' }).error as ZodError;
    assert.equal(reportError(zod, 'space', false, write), 1);
    assert.match(out, /^alloctune space: ALLOCTUNE_ERR_INVALID_INPUT: invalid input: n: .*\n$/);
    out = '';
    assert.equal(reportError(new Error('boom'), 'serve', true, write), 1);
    assert.match(out, /^alloctune serve: ALLOCTUNE_ERR_INTERNAL: boom\nError: boom\n {4}at /);
  });
});
