import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImportanceResponseSchema } from '../../src/api/routes/importance-routes.js';
import { importanceTable } from '../../src/cli/client/importance-table.js';

const knob = (name: string, total: number) => ({ name, total, total_low: total / 2, total_high: Math.min(1, total * 1.5), first: total * 0.8, first_low: 0, first_high: total });

test('the importance table shows each metric, knobs with percent shares and intervals, and summarises the negligible ones', () => {
  const response = ImportanceResponseSchema.parse({
    campaign_id: 'c1',
    version: -1,
    computed_at: '2026-12-01T00:00:00Z',
    knobs: ['dirty_decay_ms', 'narenas', 'thp'],
    metrics: [
      { metric: 'redis.rss_bytes_at_1000ms', role: 'objective', method: 'Sobol shares of a GP surrogate', trials: 20, level: 0.9, knobs: [knob('dirty_decay_ms', 0.82), knob('narenas', 0.05), knob('thp', 0.001)] },
      { metric: 'redis.get_ops_per_s', role: 'guard', method: 'Sobol shares of a GP surrogate', trials: 2, level: 0.9, knobs: [] },
    ],
  });
  const text = importanceTable(response);
  assert.match(text, /^objective redis\.rss_bytes_at_1000ms: 20 trials, 90% intervals$/m);
  assert.match(text, /^ {2}dirty_decay_ms +82\.0% +\[41\.0%, 100\.0%\] +65\.6%$/m);
  assert.match(text, /^ {2}narenas +5\.0% /m);
  assert.doesNotMatch(text, /^ {2}thp /m);
  assert.match(text, /\(1 more knobs below 1\.0% each\)/);
  assert.match(text, /guard redis\.get_ops_per_s: 2 trials[^\n]*\n {2}too few measured trials/);
});
