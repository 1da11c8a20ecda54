import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { createEmbedding, defaultConfig, encodeEnv, loadSpace, validateConfig } from '../../src/spaces/index.js';

describe('space overrides', () => {
  it('narrow, freeze, drop and add change what is searched and emitted', () => {
    const space = loadSpace('jemalloc', {
      add: ['retain'],
      drop: ['lg_extent_max_active_fit'],
      narrow: { dirty_decay_ms: { min: 0, max: 5000 }, thp: { choices: ['default', 'never'] }, tcache: { choices: [true] } },
      freeze: { narenas: 2 },
    });
    const names = space.parameters.map((p) => p.name);
    assert.ok(names.includes('retain') && !names.includes('lg_extent_max_active_fit'));
    assert.ok(!space.extras.some((p) => p.name === 'retain'));
    const embedding = createEmbedding(space);
    // narenas and tcache are frozen, so they are no coordinates.
    assert.ok(!embedding.names.includes('narenas') && !embedding.names.includes('tcache'));
    assert.equal(embedding.dimension, 11 - 1);
    const d = defaultConfig(space);
    assert.equal(d['dirty_decay_ms'], 5000, 'default clamped into the narrowed range');
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: embedding.dimension, maxLength: embedding.dimension }), (v) => {
        const c = embedding.fromVector(v);
        assert.equal(c['narenas'], 2);
        assert.equal(c['tcache'], true);
        assert.ok((c['dirty_decay_ms'] as number) >= 0 && (c['dirty_decay_ms'] as number) <= 5000);
        assert.ok(c['thp'] === 'default' || c['thp'] === 'never');
        assert.match(encodeEnv(space, c)['MALLOC_CONF'] ?? '', /narenas:2,.*retain:(true|false)/);
      }),
    );
  });

  it('freezing the parent of a conditional knob removes it when it can never be active', () => {
    const space = loadSpace('jemalloc', { freeze: { background_thread: false } });
    assert.ok(!space.parameters.some((p) => p.name === 'max_background_threads'));
  });

  const bad: [string, Parameters<typeof loadSpace>[1], RegExp][] = [
    ['narrowing outside the documented range', { narrow: { dirty_decay_ms: { min: -5 } } }, /not inside/],
    ['an unknown extra', { add: ['stats_print'] }, /not a documented/],
    ['dropping a parent but not its dependant', { drop: ['tcache'] }, /depends on 'tcache'/],
    ['freezing an invalid value', { freeze: { narenas: 5 } }, /one of/],
    ['narrowing choices to nothing valid', { narrow: { thp: { choices: ['sometimes'] } } }, /choice/],
    ['a typo in the override field', { narow: {} } as never, /narow|Unrecognized/],
  ];
  for (const [what, overrides, reason] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => loadSpace('jemalloc', overrides), (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_INVALID_INPUT') && reason.test(err.message));
    });
  }

  it('a config valid for the full space can be invalid after narrowing', () => {
    const narrowed = loadSpace('mimalloc', { narrow: { MIMALLOC_DECOMMIT_DELAY: { max: 100 } } });
    const c = { ...defaultConfig(narrowed), MIMALLOC_DECOMMIT_DELAY: 500 };
    assert.throws(() => validateConfig(narrowed, c), /MIMALLOC_DECOMMIT_DELAY: .*out of range/);
  });
});
