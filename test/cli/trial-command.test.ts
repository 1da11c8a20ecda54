import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrialResultSchema } from '../../src/core/trial-result.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

function trial(args: string[]) {
  return runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'trial', ...args], { env: { ...process.env }, cwd: REPO_ROOT, timeoutMs: 60_000 });
}

describe('alloctune trial (foreground, real harness)', () => {
  it('prints a valid TrialResult for a config given as MALLOC_CONF, applied as read back by jemalloc', async () => {
    const out = await trial(['--allocator', 'jemalloc', '--config', 'dirty_decay_ms:0', '--workload', 'harness:threadtest', '--repeats', '2', '--cpus', '1', '--json']);
    assert.equal(out.exitCode, 0, out.stderr);
    const result = TrialResultSchema.parse(JSON.parse(out.stdout));
    assert.equal(result.status, 'completed');
    assert.equal(result.config['dirty_decay_ms'], 0);
    assert.equal(result.repeats.length, 2);
    assert.equal(result.repeats[0]?.workloads[0]?.allocator.name, 'jemalloc');
    assert.equal(result.repeats[0]?.workloads[0]?.allocator.options['dirty_decay_ms'], 0);
    assert.equal(result.summary['harness:threadtest.ops_per_s']?.n, 2);
    assert.equal(result.worker.cpus, '1');
  });

  it('with --raw lets jemalloc judge the text: a failed trial quoting it, exit status 1', async () => {
    const out = await trial(['--allocator', 'jemalloc', '--raw', '--config', 'narenas:abc', '--workload', 'harness:threadtest', '--json']);
    assert.equal(out.exitCode, 1);
    const result = TrialResultSchema.parse(JSON.parse(out.stdout));
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
    assert.match(result.error?.message ?? '', /<jemalloc>: Invalid conf value: narenas:abc/);
  });

  it('rejects a config the search space does not accept before running anything', async () => {
    const out = await trial(['--allocator', 'jemalloc', '--config', 'narenas:abc', '--workload', 'harness:threadtest']);
    assert.equal(out.exitCode, 1);
    assert.match(out.stderr, /ALLOCTUNE_ERR_CONFIG_VALUE/);
    assert.equal(out.stdout, '');
  });
});
