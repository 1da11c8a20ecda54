import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-run-allocbench-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };

function fakeBinary(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('a probe returns the validated document with no workload', async () => {
  const out = await runAllocbench({ workload: null, env: baseEnv });
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.equal(out.result.workload, null);
  assert.equal(out.result.throughput, null);
  assert.equal(out.result.allocator.name, 'glibc');
});

test('arguments become flags and the document echoes them', async () => {
  const out = await runAllocbench({ workload: 'threadtest', args: { threads: 1, 'duration-ms': 100, batch: 10, size: 32 }, cpus: '0', env: baseEnv });
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.equal(out.result.workload?.params['batch'], 10);
  assert.equal(out.result.workload?.params['size'], 32);
  assert.equal(out.result.system.cpu_list, '0');
});

test('an invalid MALLOC_CONF is a rejected config quoting jemalloc, even though the run itself succeeds', async () => {
  const jemalloc = debianLibraryPath('jemalloc');
  assert.ok(jemalloc, 'libjemalloc2 must be installed');
  const out = await runAllocbench({ workload: null, env: { ...baseEnv, LD_PRELOAD: jemalloc, MALLOC_CONF: 'foo:1' } });
  assert.equal(out.ok, false);
  if (out.ok) return;
  assert.equal(out.error.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
  assert.equal(out.error.retryable, false);
  assert.match(out.error.message, /<jemalloc>: Invalid conf pair: foo:1/);
});

test('abort_conf turns a bad key into SIGABRT, still reported with jemalloc\'s own line', async () => {
  const out = await runAllocbench({ workload: null, env: { ...baseEnv, LD_PRELOAD: debianLibraryPath('jemalloc') ?? '', MALLOC_CONF: 'abort_conf:true,narenas:abc' } });
  assert.equal(out.ok, false);
  if (out.ok) return;
  assert.equal(out.error.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
  assert.match(out.error.message, /Invalid conf value: narenas:abc/);
});

test('bad arguments are invalid input (exit 2), reserved or malformed flag names never reach the binary', async () => {
  const bad = await runAllocbench({ workload: 'larson', args: { 'no-such-flag': 1 }, env: baseEnv });
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.error.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
    assert.match(bad.error.message, /unknown option '--no-such-flag'/);
  }
  for (const key of ['probe', 'Threads', '--x', 'a b']) {
    const out = await runAllocbench({ workload: 'larson', args: { [key]: 1 }, env: baseEnv });
    assert.equal(out.ok, false);
    if (!out.ok) assert.equal(out.error.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
  }
});

test('a run past its timeout is killed with its group and reported as a timeout', async () => {
  const started = Date.now();
  const out = await runAllocbench({ workload: 'threadtest', args: { 'duration-ms': 60_000 }, env: baseEnv, timeoutMs: 400 });
  assert.equal(out.ok, false);
  if (!out.ok) {
    assert.equal(out.error.code, 'ALLOCTUNE_ERR_TIMEOUT');
    assert.match(out.error.message, /400 ms/);
  }
  assert.ok(Date.now() - started < 10_000);
});

test('a crash is reported with its signal name, garbage output as bad output', async () => {
  const crash = await runAllocbench({ workload: null, env: baseEnv, binary: fakeBinary('crash', 'kill -SEGV $$') });
  assert.equal(crash.ok, false);
  if (!crash.ok) {
    assert.equal(crash.error.code, 'ALLOCTUNE_ERR_TARGET_CRASHED');
    assert.match(crash.error.message, /SIGSEGV/);
  }
  const garbage = await runAllocbench({ workload: null, env: baseEnv, binary: fakeBinary('garbage', 'echo "{not json"') });
  assert.equal(garbage.ok, false);
  if (!garbage.ok) assert.equal(garbage.error.code, 'ALLOCTUNE_ERR_BAD_OUTPUT');
  const wrong = await runAllocbench({ workload: null, env: baseEnv, binary: fakeBinary('wrong', 'echo \'{"schema":"alloctune.harness/0"}\'') });
  assert.equal(wrong.ok, false);
  if (!wrong.ok) assert.match(wrong.error.message, /schema/);
  const missing = await runAllocbench({ workload: null, env: baseEnv, binary: join(dir, 'does-not-exist') });
  assert.equal(missing.ok, false);
  if (!missing.ok) assert.ok(['ALLOCTUNE_ERR_SETUP', 'ALLOCTUNE_ERR_TARGET_CRASHED'].includes(missing.error.code), missing.error.code);
});
