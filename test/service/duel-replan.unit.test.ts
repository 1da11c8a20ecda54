import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { brokenDuelPairs, replacementSlots } from '../../src/service/duel-replan.js';

function duelTrial(n: number, pair: number, side: 'a' | 'b', state: TrialRecord['state'], worker: string): TrialRecord {
  return {
    trial_id: `t${n}`,
    campaign_id: 'c1',
    role: 'duel',
    config_key: side === 'a' ? 'MALLOC_CONF=dirty_decay_ms:0' : '(defaults)',
    config: {},
    env: {},
    state,
    worker,
    duel: { duel_id: 'd1', pair_index: pair, side, arm: side === 'a' ? 't7' : 'baseline' },
    proposed_at: '2026-11-22T00:00:00.000Z',
  };
}

describe('duel pairs on a lost worker', () => {
  // Pair 0 done on w1; pair 1 half done (B A order: b ran, a waits); pair 2 not started; pair 3 on w2.
  const trials = [
    duelTrial(10, 0, 'a', 'completed', 'w1'),
    duelTrial(11, 0, 'b', 'completed', 'w1'),
    duelTrial(12, 1, 'b', 'completed', 'w1'),
    duelTrial(13, 1, 'a', 'queued', 'w1'),
    duelTrial(14, 2, 'a', 'queued', 'w1'),
    duelTrial(15, 2, 'b', 'queued', 'w1'),
    duelTrial(16, 3, 'a', 'queued', 'w2'),
    duelTrial(17, 3, 'b', 'queued', 'w2'),
  ];

  it('are the pairs with a side still waiting on a worker that is gone', () => {
    assert.deepEqual(brokenDuelPairs(trials, new Set(['w1', 'w2'])), [], 'nothing is broken while both live');
    const broken = brokenDuelPairs(trials, new Set(['w2']));
    assert.deepEqual(broken.map((b) => [b.duel_id, b.pair_index, b.lost_worker]), [['d1', 1, 'w1'], ['d1', 2, 'w1']]);
    assert.deepEqual(broken[0]?.trials.map((t) => t.trial_id), ['t12', 't13'], 'the whole pair, in planned order');
  });

  it('are re-planned whole under fresh pair indices, keeping the order of their sides', () => {
    const slots = replacementSlots(trials, brokenDuelPairs(trials, new Set(['w2'])));
    assert.deepEqual(slots.map((pair) => pair.map(({ slot }) => `${slot.pair_index}${slot.side}`)), [['4b', '4a'], ['5a', '5b']]);
    assert.deepEqual(slots[0]?.map(({ source }) => source.trial_id), ['t12', 't13']);
    assert.ok(slots.flat().every(({ slot }) => slot.duel_id === 'd1'));
  });
});
