import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEYOND_MAX_SHARE } from '../../src/spaces/embedding.js';
import { completeConfig, createEmbedding, loadSpace } from '../../src/spaces/index.js';

describe('beyond_max values in the embedding', () => {
  const space = loadSpace('jemalloc', { drop: ['narenas', 'max_background_threads', 'tcache_max', 'lg_tcache_nslots_mul'], freeze: { tcache: true, background_thread: true } });
  const e = createEmbedding(space);
  const k = e.names.indexOf('dirty_decay_ms');
  const decayAt = (x: number): unknown => {
    const v = e.toVector(completeConfig(space, {}));
    v[k] = x;
    return e.fromVector(v)['dirty_decay_ms'];
  };

  it('puts jemalloc decay -1 ("never") past 60 s and 0 ("immediately") at the bottom', () => {
    assert.ok(k >= 0);
    const coordinate = (ms: number): number => e.toVector(completeConfig(space, { dirty_decay_ms: ms }))[k] as number;
    assert.equal(coordinate(-1), 1);
    assert.equal(coordinate(0), 0);
    assert.ok(Math.abs(coordinate(60000) - (1 - BEYOND_MAX_SHARE)) < 1e-12);
    // Monotone: immediately < 1 ms < 10 s < 60 s < never.
    const order = [0, 1, 10000, 60000, -1].map(coordinate);
    for (let i = 1; i < order.length; i++) assert.ok((order[i] as number) > (order[i - 1] as number), JSON.stringify(order));
    assert.equal(decayAt(0), 0);
    assert.equal(decayAt(1), -1);
    assert.equal(decayAt(1 - BEYOND_MAX_SHARE / 4), -1);
    assert.equal(decayAt(1 - (3 * BEYOND_MAX_SHARE) / 4), 60000, 'the lower half of the slice is still max');
  });

  it('narrowing keeps the value only while it is still the bottom of a wider range', () => {
    const kept = loadSpace('jemalloc', { narrow: { dirty_decay_ms: { min: -1, max: 1000 } } }).parameters.find((p) => p.name === 'dirty_decay_ms');
    assert.ok(kept?.kind === 'integer' && kept.beyond_max === -1);
    const dropped = loadSpace('jemalloc', { narrow: { dirty_decay_ms: { min: 0, max: 1000 } } }).parameters.find((p) => p.name === 'dirty_decay_ms');
    assert.ok(dropped?.kind === 'integer' && dropped.beyond_max === undefined);
    const only = loadSpace('jemalloc', { narrow: { dirty_decay_ms: { min: -1, max: -1 } } }).parameters.find((p) => p.name === 'dirty_decay_ms');
    assert.ok(only?.kind === 'integer' && only.beyond_max === undefined);
  });
});
