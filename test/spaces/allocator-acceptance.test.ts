import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config, ConfigValue } from '../../src/core/config.js';
import type { HarnessResult } from '../../src/core/harness-result.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { defaultConfig, encodeConfig, loadSpace, resolvePreloadLibrary, sampleConfig, type AllocatorName, type SearchSpace } from '../../src/spaces/index.js';

// Extras that warn on this host by design (documented in their notes), so they stay out of this check.
const NOISY_EXTRAS = new Set(['percpu_arena', 'MIMALLOC_LARGE_OS_PAGES']);

/** Runs the harness probe with exactly the encoded environment (plus error reporting switched on). */
async function probe(space: SearchSpace, config: Config): Promise<{ doc: HarnessResult; stderr: string; env: Record<string, string> }> {
  const encoded = encodeConfig(space, config, { abortOnInvalidConf: true });
  const env: Record<string, string> = { ...encoded.env };
  // mimalloc reports invalid values only when asked to.
  if (space.allocator === 'mimalloc') env['MIMALLOC_SHOW_ERRORS'] = '1';
  if (encoded.preload !== undefined) env['LD_PRELOAD'] = encoded.preload;
  const outcome = await runAllocbench({ workload: null, env, timeoutMs: 20_000 });
  if (!outcome.ok) assert.fail(`allocbench --probe refused ${JSON.stringify(env)}: ${outcome.error.message}`);
  return { doc: outcome.result, stderr: outcome.stderr, env };
}

/** The option name and value the harness reads back for a parameter, or undefined when nothing can be read back. */
function expectedReadBack(space: SearchSpace, name: string, value: ConfigValue): [string, ConfigValue] | undefined {
  const p = space.parameters.find((q) => q.name === name);
  const omitted = p?.kind === 'categorical' && p.omit === value;
  switch (space.allocator) {
    case 'jemalloc':
      // narenas has an opt node only when set; 'default' leaves it to the CPU mask.
      return omitted ? undefined : [name, value];
    case 'mimalloc':
      return [name.slice('MIMALLOC_'.length).toLowerCase(), typeof value === 'boolean' ? Number(value) : value];
    case 'glibc':
      // The tunable reads 0 when it was not set.
      return [name, omitted ? 0 : value];
    case 'tcmalloc': {
      const names: Record<string, string> = {
        TCMALLOC_RELEASE_RATE: 'tcmalloc_release_rate',
        TCMALLOC_MAX_TOTAL_THREAD_CACHE_BYTES: 'tcmalloc.max_total_thread_cache_bytes',
        TCMALLOC_AGGRESSIVE_DECOMMIT: 'tcmalloc.aggressive_memory_decommit',
        TCMALLOC_HEAP_LIMIT_MB: 'tcmalloc.heap_limit_mb',
        TCMALLOC_DISABLE_MEMORY_RELEASE: 'malloc_disable_memory_release',
      };
      const option = names[name];
      if (option === undefined) return undefined; // TCMALLOC_TRANSFER_NUM_OBJ has no read back.
      return [option, option.startsWith('tcmalloc.') && typeof value === 'boolean' ? Number(value) : value];
    }
    case 'hakmem':
      return undefined;
  }
}

async function checkAccepted(space: SearchSpace, config: Config): Promise<number> {
  const { doc, stderr, env } = await probe(space, config);
  const context = `${space.allocator} ${JSON.stringify(env)}`;
  assert.equal(doc.allocator.name, space.allocator, `${context}: wrong allocator serves malloc()`);
  assert.equal(stderr.trim(), '', `${context}: allocator printed ${stderr}`);
  assert.deepEqual(doc.allocator.warnings, [], context);
  let checked = 0;
  for (const [name, value] of Object.entries(config)) {
    const expected = expectedReadBack(space, name, value);
    if (!expected) continue;
    assert.deepEqual(doc.allocator.options[expected[0]], expected[1], `${context}: ${name} read back as ${String(doc.allocator.options[expected[0]])}`);
    checked++;
  }
  return checked;
}

const ALLOCATORS_WITH_READ_BACK: AllocatorName[] = ['jemalloc', 'mimalloc', 'glibc', 'tcmalloc'];

for (const allocator of ALLOCATORS_WITH_READ_BACK) {
  describe(`${allocator} accepts every value of its space (allocbench --probe)`, () => {
    const space = loadSpace(allocator);

    it('default config: no warning, read back as set', async () => {
      const checked = await checkAccepted(space, defaultConfig(space));
      assert.ok(checked > 0);
    });

    it('random configs: no warning, read back as set', async () => {
      let checked = 0;
      for (let seed = 1; seed <= 12; seed++) checked += await checkAccepted(space, sampleConfig(space, new SeededRng(seed)));
      assert.ok(checked >= 12, `only ${checked} values read back`);
    });

    it('random configs with the documented extras added', async () => {
      const extended = loadSpace(allocator, { add: space.extras.map((p) => p.name).filter((n) => !NOISY_EXTRAS.has(n)) });
      for (let seed = 100; seed < 106; seed++) await checkAccepted(extended, sampleConfig(extended, new SeededRng(seed)));
    });
  });
}

describe('the acceptance check can fail', () => {
  it('jemalloc complains about a value it rejects, and the probe reports it', async () => {
    const outcome = await runAllocbench({ workload: null, env: { MALLOC_CONF: 'narenas:abc', LD_PRELOAD: resolvePreloadLibrary('jemalloc') ?? '' }, timeoutMs: 20_000 });
    assert.equal(outcome.ok, false);
    assert.match(outcome.stderr, /<jemalloc>: Invalid conf value: narenas:abc/);
  });

  it('glibc reads back an octal tunable as a different number', async () => {
    const outcome = await runAllocbench({ workload: null, env: { GLIBC_TUNABLES: 'glibc.malloc.tcache_count=010' }, timeoutMs: 20_000 });
    assert.ok(outcome.ok);
    assert.equal(outcome.result.allocator.options['glibc.malloc.tcache_count'], 8);
  });
});
