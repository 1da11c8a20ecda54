import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { run } from '../../src/cli/commands/space.js';
import { UsageError } from '../../src/cli/usage-error.js';

/** Runs `alloctune space ...` in process and returns its exit code and stdout. */
async function space(...argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await run(argv), stdout };
  } finally {
    process.stdout.write = write;
  }
}

describe('alloctune space', () => {
  it('list --json names every space', async () => {
    const { code, stdout } = await space('list', '--json');
    assert.equal(code, 0);
    const list = JSON.parse(stdout) as { allocator: string }[];
    assert.deepEqual(list.map((s) => s.allocator), ['glibc', 'hakmem', 'jemalloc', 'mimalloc', 'tcmalloc']);
  });

  it('show prints knobs, notes and extras; --overrides applies', async () => {
    const { stdout } = await space('show', 'jemalloc');
    assert.match(stdout, /background_thread {2}boolean/);
    assert.match(stdout, /note: .*jemalloc-bg-thread/);
    assert.match(stdout, /dirty_decay_ms {2}integer log: an integer in \[-1, 60000\] \(-1 = beyond max, embedded past 60000\)/);
    assert.match(stdout, /extras \(add with overrides\.add\):\n {2}percpu_arena/);
    const narrowed = JSON.parse((await space('show', 'jemalloc', '--json', '--overrides', '{"drop":["thp"]}')).stdout) as { parameters: { name: string }[] };
    assert.ok(!narrowed.parameters.some((p) => p.name === 'thp'));
  });

  it('encode fills defaults and prints the environment', async () => {
    const { code, stdout } = await space('encode', 'glibc', '{"glibc.malloc.arena_max":2}');
    assert.equal(code, 0);
    assert.equal(stdout, 'GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0:glibc.malloc.mxfast=128:glibc.malloc.tcache_count=7:glibc.malloc.tcache_max=1032\n');
    const json = JSON.parse((await space('encode', 'jemalloc', '{"tcache":false}', '--json', '--abort-conf')).stdout) as { env: Record<string, string>; preload: string };
    assert.match(json.env['MALLOC_CONF'] ?? '', /^abort_conf:true,background_thread:false,.*tcache:false/);
    assert.match(json.preload, /libjemalloc\.so\.2$/);
  });

  it('parse imports a setting, and refuses a bad one with the rule', async () => {
    const json = JSON.parse((await space('parse', 'jemalloc', 'narenas:4,dirty_decay_ms:5000', '--json')).stdout) as { config: object; complete_config: Record<string, unknown> };
    assert.deepEqual(json.config, { narenas: 4, dirty_decay_ms: 5000 });
    assert.equal(json.complete_config['muzzy_decay_ms'], 0);
    await assert.rejects(space('parse', 'jemalloc', 'narenas:010'), (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_CONFIG_VALUE') && /leading-zero/.test(err.message));
  });

  it('usage errors are UsageErrors (main exits 2 on them), naming what is wrong', async () => {
    await assert.rejects(space('frobnicate'), (err: unknown) => err instanceof UsageError && /unknown 'frobnicate'/.test(err.message));
    await assert.rejects(space('show', 'ptmalloc'), (err: unknown) => isAlloctuneError(err, 'ALLOCTUNE_ERR_INVALID_INPUT') && /ptmalloc/.test((err as Error).message));
  });
});
