import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TrialResultSchema } from '../../src/core/trial-result.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

function trial(args: string[]) {
  return runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'trial', ...args], { env: { ...process.env }, cwd: REPO_ROOT, timeoutMs: 60_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trial-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

  it('runs a real redis trial with --workload-options FILE and prints values with units', async () => {
    const file = join(dir, 'redis-options.json');
    writeFileSync(file, JSON.stringify({ load: [{ value_bytes: 64, keys: 3000 }], snapshot_offsets_ms: [0, 250], throughput: { enabled: false }, latency: { requests: 200 } }));
    const json = await trial(['--allocator', 'jemalloc', '--workload', 'redis', '--workload-options', file, '--cpus', '1', '--client-cpus', '0', '--json']);
    assert.equal(json.exitCode, 0, json.stderr);
    const result = TrialResultSchema.parse(JSON.parse(json.stdout));
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    // The options were applied: the snapshots asked for, no throughput phase, this key count.
    assert.ok(result.summary['redis.rss_bytes_at_250ms'] !== undefined, Object.keys(result.summary).join(' '));
    assert.equal(result.summary['redis.get_ops_per_s'], undefined);
    // 3000 SETs over a key space of 3000 (random keys, with overwrites), not the default load of 300 000.
    const keys = result.summary['redis.keys_after_load']?.mean ?? 0;
    assert.ok(keys > 1000 && keys <= 3000, `keys after load ${keys}`);
    const text = await trial(['--allocator', 'jemalloc', '--workload', 'redis', '--workload-options', file, '--cpus', '1', '--client-cpus', '0']);
    assert.equal(text.exitCode, 0, text.stderr);
    assert.match(text.stdout, /^ {2}redis\.rss_bytes_at_0ms: mean [\d.]+ MiB sd [\d.]+ MiB n 1$/m);
    assert.match(text.stdout, /^ {2}redis\.p99_us: mean [\d.]+ us sd [\d.]+ us n 1$/m);
  });
});
