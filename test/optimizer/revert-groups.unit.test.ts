import assert from 'node:assert/strict';
import { test } from 'node:test';
import { smallKnobGroup } from '../../src/optimizer/recommend/revert-groups.js';

const all = ['a', 'b', 'c', 'd', 'e'];

test('the least important knobs whose shares sum under 10 % go together; fewer than 2 is no group', () => {
  const importance = new Map([['a', 0.01], ['b', 0.02], ['c', 0.05], ['d', 0.3], ['e', 0.62]]);
  assert.deepEqual(smallKnobGroup(all, all, importance), ['a', 'b', 'c'], '1 + 2 + 5 = 8 % < 10 %; adding d would not be');
  assert.deepEqual(smallKnobGroup(all, all, new Map([['a', 0.05], ['b', 0.1], ['c', 0.85]])), [], 'a alone: not worth a joint step');
  assert.deepEqual(smallKnobGroup(all, all, importance, { max_share: 0.5, min_knobs: 2 }), ['a', 'b', 'c', 'd']);
});

test('never every changed knob (that is the baseline), and nothing without an importance estimate', () => {
  const flat = new Map(all.map((k) => [k, k === 'e' ? 1 : 0]));
  assert.deepEqual(smallKnobGroup(all, all, flat), ['a', 'b', 'c', 'd']);
  assert.deepEqual(smallKnobGroup(['a', 'b'], ['a', 'b'], new Map([['a', 0], ['b', 0]])), []);
  assert.deepEqual(smallKnobGroup(all, all, new Map()), []);
  // Only the candidates offered (guard drivers excluded by the caller) are grouped, shares over all.
  assert.deepEqual(smallKnobGroup(['b', 'c'], all, new Map([['a', 0.001], ['b', 0.01], ['c', 0.02], ['d', 0.5], ['e', 0.5]])), ['b', 'c']);
});
