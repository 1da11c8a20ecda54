import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignBlockWorkers, blocksByWorker, lostBlocks } from '../../src/service/final-round.js';

describe('final-round block assignment', () => {
  it('hands blocks round-robin over the capable workers, in name order', () => {
    assert.deepEqual(assignBlockWorkers([], 5, ['w2', 'w1']), ['w1', 'w2', 'w1', 'w2', 'w1']);
  });

  it('continues after the worker of the last block, so single-block looks alternate', () => {
    let blocks: string[] = [];
    for (let look = 0; look < 4; look++) blocks = [...blocks, ...assignBlockWorkers(blocks, 1, ['a', 'b', 'c'])];
    assert.deepEqual(blocks, ['a', 'b', 'c', 'a']);
    assert.deepEqual(assignBlockWorkers(['a', 'b'], 2, ['a', 'b']), ['a', 'b']);
  });

  it('keeps every block on the one worker when only one is live', () => {
    assert.deepEqual(assignBlockWorkers(['x', 'y', 'x'], 3, ['x']), ['x', 'x', 'x']);
  });

  it('moves on from a worker that left to the next one in name order', () => {
    // b was last and is gone: c follows it in name order, then a.
    assert.deepEqual(assignBlockWorkers(['a', 'b'], 3, ['a', 'c']), ['c', 'a', 'c']);
    // z (gone) sorts after every capable worker: wrap to the first.
    assert.deepEqual(assignBlockWorkers(['z'], 2, ['a', 'c']), ['a', 'c']);
    // Duplicates in the capable list do not skew the rotation.
    assert.deepEqual(assignBlockWorkers([], 4, ['a', 'a', 'b']), ['a', 'b', 'a', 'b']);
  });

  it('refuses to assign with no capable worker', () => {
    assert.throws(() => assignBlockWorkers([], 1, []), /no capable worker/);
  });

  it('groups blocks by worker, in the order workers were first used', () => {
    assert.deepEqual(blocksByWorker(['b', 'a', 'b', 'a', 'b']), [{ worker: 'b', blocks: [0, 2, 4] }, { worker: 'a', blocks: [1, 3] }]);
    assert.deepEqual(blocksByWorker([]), []);
  });
});

describe('final-round blocks lost with their worker', () => {
  const trial = (trial_id: string, block: number, state: 'queued' | 'completed' | 'failed' | 'withdrawn') => ({ trial_id, arm: 'baseline', block, state });

  it('names only the gone workers\' blocks that still have queued trials', () => {
    const round = {
      block_workers: ['a', 'b', 'a', 'b', 'c'],
      trials: [trial('t1', 0, 'completed'), trial('t2', 1, 'completed'), trial('t3', 2, 'queued'), trial('t4', 3, 'queued'), trial('t5', 3, 'completed'), trial('t6', 4, 'queued')],
    };
    // a is live (its queued block 2 stays); b's block 1 is done, block 3 still queued; c's block 4 queued.
    assert.deepEqual(lostBlocks(round, new Set(['a'])), [{ worker: 'b', blocks: [3] }, { worker: 'c', blocks: [4] }]);
    assert.deepEqual(lostBlocks(round, new Set(['a', 'b', 'c'])), []);
    // Nothing queued: nothing to lose, whoever left.
    assert.deepEqual(lostBlocks({ block_workers: ['a'], trials: [trial('t1', 0, 'withdrawn')] }, new Set()), []);
  });
});
