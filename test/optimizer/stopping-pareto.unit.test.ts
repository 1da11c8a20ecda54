import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paretoFront } from '../../src/optimizer/pareto.js';
import { shouldStop, type CampaignProgress } from '../../src/optimizer/stopping.js';

const rule = { max_trials: 50, max_wall_ms: 60_000, ei_relative_threshold: 0.01, patience: 3 };
const base: CampaignProgress = { trials: 10, elapsed_ms: 1000, confirmed_feasible: true, incumbent: 100, expected_improvements: [5, 0.5, 0.2, 0.1] };

test('stops on convergence only with a confirmed feasible config and k small EIs in a row', () => {
  const d = shouldStop(base, rule);
  assert.equal(d.stop, true);
  assert.equal(d.stop && d.reason, 'converged');
  assert.deepEqual(shouldStop({ ...base, confirmed_feasible: false }, rule), { stop: false });
  assert.deepEqual(shouldStop({ ...base, expected_improvements: [0.1, 0.1, 2] }, rule), { stop: false });
  assert.deepEqual(shouldStop({ ...base, expected_improvements: [0.1, null, 0.1] }, rule), { stop: false });
  assert.deepEqual(shouldStop({ ...base, expected_improvements: [0.1, 0.1] }, rule), { stop: false });
});

test('budgets stop regardless and say which', () => {
  const t = shouldStop({ ...base, trials: 50, confirmed_feasible: false }, rule);
  assert.equal(t.stop && t.reason, 'trial_budget');
  const w = shouldStop({ ...base, elapsed_ms: 60_000, confirmed_feasible: false }, rule);
  assert.equal(w.stop && w.reason, 'wall_time');
});

test('Pareto front over latency and memory', () => {
  const items = [
    { id: 'a', metrics: { p99_us: 5, rss_bytes: 100 } },
    { id: 'b', metrics: { p99_us: 4, rss_bytes: 120 } },
    { id: 'c', metrics: { p99_us: 6, rss_bytes: 110 } },
    { id: 'd', metrics: { p99_us: 5, rss_bytes: 100 } },
    { id: 'e', metrics: { p99_us: 3 } },
  ];
  const front = paretoFront(items, [
    { metric: 'p99_us', direction: 'min' },
    { metric: 'rss_bytes', direction: 'min' },
  ]);
  assert.deepEqual(front.map((f) => f.id), ['a', 'b', 'd']);
  const maxFront = paretoFront([{ id: 'x', metrics: { ops: 1 } }, { id: 'y', metrics: { ops: 2 } }], [{ metric: 'ops', direction: 'max' }]);
  assert.deepEqual(maxFront.map((f) => f.id), ['y']);
});
