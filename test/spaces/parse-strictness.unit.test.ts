import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { loadSpace, parseConfigText, parseGlibcTunables, parseMallocConf, type ConfigRule } from '../../src/spaces/index.js';

/** Asserts that `fn` throws ALLOCTUNE_ERR_CONFIG_VALUE for `key` under `rule`, with both in the message. */
function rejects(fn: () => unknown, key: string, rule: ConfigRule): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAlloctuneError(err, 'ALLOCTUNE_ERR_CONFIG_VALUE'), `expected a config error, got ${String(err)}`);
    assert.equal(err.params['key'], key);
    assert.equal(err.params['rule'], rule);
    assert.ok(err.message.startsWith(`${key}: `), err.message);
    assert.ok(err.message.includes(`rule ${rule}`), err.message);
    return true;
  });
}

/** One test per `[text, key, rule]` row. */
function itRejectsEach(cases: readonly [string, string, ConfigRule][], parse: (text: string) => unknown): void {
  for (const [text, key, rule] of cases) it(`rejects ${JSON.stringify(text)} (${rule})`, () => rejects(() => parse(text), key, rule));
}

describe('parseMallocConf', () => {
  const jemalloc = loadSpace('jemalloc');

  it('reads a production setting into the keys it sets', () => {
    assert.deepEqual(parseMallocConf('narenas:4,dirty_decay_ms:-1,background_thread:true,max_background_threads:2,thp:never', jemalloc), {
      narenas: 4,
      dirty_decay_ms: -1,
      background_thread: true,
      max_background_threads: 2,
      thp: 'never',
    });
    assert.deepEqual(parseMallocConf('', jemalloc), {});
  });

  const cases: [string, string, ConfigRule][] = [
    ['foo:1', 'foo', 'unknown-key'],
    ['Narenas:3', 'Narenas', 'key-case'],
    ['m:always', 'm', 'key-prefix'],
    ['percpu_arena:percpu', 'percpu_arena', 'not-in-space'],
    ['narenas:0', 'narenas', 'not-a-choice'],
    ['narenas:default', 'narenas', 'omitted-choice'],
    ['tcache:yes', 'tcache', 'not-a-boolean'],
    ['tcache:TRUE', 'tcache', 'not-a-boolean'],
    ['tcache:1', 'tcache', 'not-a-boolean'],
    ['narenas:010', 'narenas', 'leading-zero'],
    ['lg_extent_max_active_fit:010', 'lg_extent_max_active_fit', 'leading-zero'],
    ['tcache_max:0x1000', 'tcache_max', 'hex'],
    ['dirty_decay_ms:1e3', 'dirty_decay_ms', 'exponent'],
    ['tcache_max:64k', 'tcache_max', 'suffix'],
    ['dirty_decay_ms:-2', 'dirty_decay_ms', 'range'],
    ['lg_extent_max_active_fit:11', 'lg_extent_max_active_fit', 'range'],
    ['dirty_decay_ms:+5', 'dirty_decay_ms', 'bad-character'],
    ['thp:a', 'thp', 'value-prefix'],
    ['thp:sometimes', 'thp', 'not-a-choice'],
    ['narenas:3;dirty_decay_ms:5', 'narenas', 'separator'],
    ['narenas=3', 'narenas=3', 'separator'],
    ['narenas:3 ', 'narenas', 'bad-character'],
    ['dirty_decay_ms:1 000', 'dirty_decay_ms', 'bad-character'],
    [' narenas:3', ' narenas', 'bad-character'],
    ['narenas:', 'narenas', 'empty-value'],
    ['narenas', 'narenas', 'malformed-pair'],
    ['narenas:4,', 'narenas', 'trailing-separator'],
    ['narenas:4,,tcache:true', 'narenas', 'empty-pair'],
    ['narenas:2,narenas:4', 'narenas', 'duplicate-key'],
    ['max_background_threads:2', 'max_background_threads', 'inactive'],
    ['tcache:false,tcache_max:4096', 'tcache_max', 'inactive'],
    ['narenas:1:2', 'narenas', 'malformed-pair'],
  ];
  itRejectsEach(cases, (text) => parseMallocConf(text, jemalloc));

  it('never accepts a string with a character outside the value alphabet', () => {
    fc.assert(
      fc.property(fc.constantFrom(...'; "\'$`\\\t\n*()&|<>!?#~'.split('')), fc.integer({ min: 0, max: 4 }), (ch, pos) => {
        const text = 'narenas:4,dirty_decay_ms:1000';
        const at = 8 + pos; // inside "4,dirty..."; never accepted whatever the pair
        assert.throws(() => parseMallocConf(text.slice(0, at) + ch + text.slice(at), jemalloc), (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_CONFIG_VALUE'));
      }),
    );
  });
});

describe('parseGlibcTunables', () => {
  const glibc = loadSpace('glibc');
  it('reads tunables', () => {
    assert.deepEqual(parseGlibcTunables('glibc.malloc.arena_max=2:glibc.malloc.tcache_count=100', glibc), { 'glibc.malloc.arena_max': 2, 'glibc.malloc.tcache_count': 100 });
  });
  const cases: [string, string, ConfigRule][] = [
    ['glibc.malloc.mmap_threshold=1M', 'glibc.malloc.mmap_threshold', 'suffix'],
    ['glibc.malloc.tcache_count=010', 'glibc.malloc.tcache_count', 'leading-zero'],
    ['glibc.malloc.tcache_max=4096', 'glibc.malloc.tcache_max', 'range'],
    ['glibc.malloc.bogus=1', 'glibc.malloc.bogus', 'unknown-key'],
    ['glibc.malloc.perturb=1', 'glibc.malloc.perturb', 'unknown-key'],
    ['glibc.malloc.arena_max=2,glibc.malloc.tcache_count=1', 'glibc.malloc.arena_max', 'separator'],
    ['arena_max=2', 'arena_max', 'unknown-key'],
  ];
  itRejectsEach(cases, (text) => parseGlibcTunables(text, glibc));
});

describe('environment maps', () => {
  const mimalloc = loadSpace('mimalloc');
  const tcmalloc = loadSpace('tcmalloc');
  const hakmem = loadSpace('hakmem');

  it('reads NAME=value lists', () => {
    assert.deepEqual(parseConfigText(mimalloc, 'MIMALLOC_DECOMMIT_DELAY=10\nMIMALLOC_PAGE_RESET=1'), { MIMALLOC_DECOMMIT_DELAY: 10, MIMALLOC_PAGE_RESET: true });
    assert.deepEqual(parseConfigText(tcmalloc, 'TCMALLOC_RELEASE_RATE=2.5 TCMALLOC_AGGRESSIVE_DECOMMIT=true'), { TCMALLOC_RELEASE_RATE: 2.5, TCMALLOC_AGGRESSIVE_DECOMMIT: true });
    assert.deepEqual(parseConfigText(hakmem, 'HAKMEM_MID_V3_ENABLED=1 HAKMEM_MID_V3_CLASSES=0xC0'), { HAKMEM_MID_V3_ENABLED: true, HAKMEM_MID_V3_CLASSES: '0xC0' });
  });

  // mimalloc matches names case-insensitively and reads on/off; unknown (newer) names are silent there.
  itRejectsEach(
    [
      ['mimalloc_decommit_delay=10', 'mimalloc_decommit_delay', 'key-case'],
      ['MIMALLOC_PAGE_RESET=on', 'MIMALLOC_PAGE_RESET', 'not-a-boolean'],
      ['MIMALLOC_DECOMMIT_DELAY=10ms', 'MIMALLOC_DECOMMIT_DELAY', 'suffix'],
      ['MIMALLOC_PURGE_DELAY=10', 'MIMALLOC_PURGE_DELAY', 'unknown-key'],
    ],
    (text) => parseConfigText(mimalloc, text),
  );
  // tcmalloc reads garbage as 0 and drops suffixes without a word.
  itRejectsEach(
    [
      ['TCMALLOC_RELEASE_RATE=abc', 'TCMALLOC_RELEASE_RATE', 'not-a-number'],
      ['TCMALLOC_RELEASE_RATE=2.50', 'TCMALLOC_RELEASE_RATE', 'not-a-number'],
      ['TCMALLOC_RELEASE_RATE=2.55', 'TCMALLOC_RELEASE_RATE', 'range'],
      ['TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES=64M', 'TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES', 'suffix'],
      ['TCMALLOC_RELEASE_RATE', 'TCMALLOC_RELEASE_RATE', 'malformed-pair'],
    ],
    (text) => parseConfigText(tcmalloc, text),
  );
  // hakmem class masks need their feature; HAKMEM_WRAP_TINY is frozen at 1.
  itRejectsEach(
    [
      ['HAKMEM_MID_V3_CLASSES=0x40', 'HAKMEM_MID_V3_CLASSES', 'inactive'],
      ['HAKMEM_WRAP_TINY=0', 'HAKMEM_WRAP_TINY', 'fixed'],
    ],
    (text) => parseConfigText(hakmem, text),
  );
});
