import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignBlockWorkers, blocksByWorker } from '../../src/service/final-round.js';

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
