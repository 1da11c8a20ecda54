import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runReplayBenchmark } from '../../src/optimizer/replay/replay-benchmark.js';
import { findTargets } from '../../src/optimizer/replay/replay-targets.js';
import { tableEmbedding } from '../../src/cli/commands/bench.js';
import { syntheticTable } from './synthetic-table.js';

test('targets are the feasible rows within the tolerance of the best feasible mean', () => {
  const table = syntheticTable();
  const t = findTargets(table, 0.01);
  assert.ok(t.best_row !== null);
  const best = table.rows[t.best_row]?.config;
  assert.equal(best?.['dirty_decay_ms'], 100);
  assert.equal(best?.['lg_extent_max_active_fit'], 2);
  for (const i of t.targets) assert.ok(t.feasible[i]);
  // Decay 0..60 is cheaper on RSS but infeasible, so never a target.
  for (const i of t.targets) assert.ok((table.rows[i]?.config['dirty_decay_ms'] as number) >= 100);
  assert.ok(t.targets.size >= 1 && t.targets.size < 6, `targets ${t.targets.size}`);
});

test('the replay uses the real space embedding and reports trials-to-target and the placebo', async () => {
  const table = syntheticTable();
  const embedding = tableEmbedding(table);
  assert.equal(embedding.dimension, 2);
  const result = await runReplayBenchmark({ table, embedding, sampler: 'random', seeds: 6, budget: 40 });
  assert.equal(result.trials_to_target.length, 6);
  for (const t of result.trials_to_target) assert.ok(t === null || (t >= 1 && t <= 40));
  assert.equal(result.placebo.campaigns, 6);
  assert.equal(result.placebo.min_relative_effect, 0.01);
  assert.ok(result.median === null || (result.q1 ?? 0) <= result.median);
  const again = await runReplayBenchmark({ table, embedding, sampler: 'random', seeds: 6, budget: 40 });
  assert.deepEqual(again.trials_to_target, result.trials_to_target, 'seeded replay is repeatable');
});
