import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { CommandRunner, extractMetric } from '../../workers/runners/command-runner.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { CommandSpecSchema, type CommandSpec } from '../../workers/worker-config.js';
import { processAlive, waitGone } from '../helpers/process-alive.js';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-cmd-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
const sh = (script: string, extra: Record<string, unknown> = {}): CommandSpec => CommandSpecSchema.parse({ argv: ['/bin/sh', '-c', script], ...extra });

const runner = new CommandRunner({
  affinity: sh('grep Cpus_allowed_list /proc/self/status', { metric: { name: 'cpu', regex: 'Cpus_allowed_list:\\s+(\\d+)$' } }),
  big: sh('x=$(head -c 30000000 /dev/zero | tr "\\000" a); echo ${#x}', { metric: { name: 'length_bytes', regex: '^(\\d+)$' } }),
  json: sh('echo \'{"result": {"ops_per_s": 1234.5}}\'', { metric: { name: 'ops_per_s', json_path: 'result.ops_per_s' } }),
  segv: sh('kill -SEGV $$'),
  fails: sh('echo broken >&2; exit 3'),
  hang: sh(`sleep 30 & echo $! > ${dir}/pids; echo $$ >> ${dir}/pids; wait`, { timeout_ms: 400 }),
  env: CommandSpecSchema.parse({ argv: ['/usr/bin/env'] }),
});

function ctx(env: Record<string, string> = {}, allocator: RunContext['allocator'] = 'glibc'): RunContext {
  return { env: { PATH, ...env }, allocator, definition: allocatorDefinition(allocator), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 60_000 };
}

describe('command runner (real processes through runstat)', () => {
  it('pins the command to the worker CPUs and reads the metric with a regex', async () => {
    const m = await runner.run({ kind: 'command', name: 'affinity' }, ctx());
    assert.equal(m.metrics['cpu'], 1);
    assert.equal(m.label, 'command:affinity');
    assert.ok(m.steal_pct >= 0 && m.steal_pct <= 100);
    assert.ok('cpu1' in m.cpu_busy_pct);
  });

  it('reports rusage: wall, user+sys CPU time and the max RSS of the command', async () => {
    const m = await runner.run({ kind: 'command', name: 'big' }, ctx());
    assert.equal(m.metrics['length_bytes'], 30_000_000);
    assert.ok((m.metrics['max_rss_bytes'] ?? 0) > 30_000_000, `max RSS ${m.metrics['max_rss_bytes']}`);
    assert.ok((m.metrics['wall_ms'] ?? 0) > 0);
    assert.ok((m.metrics['user_ms'] ?? 0) + (m.metrics['sys_ms'] ?? 0) > 0);
  });

  it('reads a metric by JSON path', async () => {
    const m = await runner.run({ kind: 'command', name: 'json' }, ctx());
    assert.equal(m.metrics['ops_per_s'], 1234.5);
    assert.throws(() => extractMetric({ name: 'x', json_path: 'result.missing', source: 'stdout' }, '{"result":{}}', '', 't'), { code: 'ALLOCTUNE_ERR_BAD_OUTPUT' });
  });

  it('fails with TARGET_CRASHED naming the signal or the exit status', async () => {
    await assert.rejects(runner.run({ kind: 'command', name: 'segv' }, ctx()), (err: Error & { code?: string }) => err.code === 'ALLOCTUNE_ERR_TARGET_CRASHED' && /SIGSEGV/.test(err.message));
    await assert.rejects(runner.run({ kind: 'command', name: 'fails' }, ctx()), (err: Error & { code?: string }) => err.code === 'ALLOCTUNE_ERR_TARGET_CRASHED' && /status 3: broken/.test(err.message));
  });

  it('kills the whole process group on timeout and leaves nothing behind', async () => {
    await assert.rejects(runner.run({ kind: 'command', name: 'hang' }, ctx()), { code: 'ALLOCTUNE_ERR_TIMEOUT' });
    const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 2);
    for (const pid of pids) assert.ok(await waitGone(pid, 2000), `process ${pid} survived`);
    assert.ok(pids.every((pid) => !processAlive(pid)));
  });

  it('quotes jemalloc when it rejects MALLOC_CONF, also when abort_conf makes it abort', async () => {
    const lib = debianLibraryPath('jemalloc');
    assert.ok(lib, 'libjemalloc2 is installed');
    await assert.rejects(runner.run({ kind: 'command', name: 'env' }, ctx({ LD_PRELOAD: lib, MALLOC_CONF: 'foo:1' }, 'jemalloc')), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
      assert.match(err.message, /<jemalloc>: Invalid conf pair: foo:1/);
      return true;
    });
    await assert.rejects(runner.run({ kind: 'command', name: 'env' }, ctx({ LD_PRELOAD: lib, MALLOC_CONF: 'abort_conf:true,narenas:abc' }, 'jemalloc')), /<jemalloc>: Invalid conf value: narenas:abc/);
  });

  it('refuses a command that is not allow-listed', async () => {
    await assert.rejects(runner.run({ kind: 'command', name: 'rm-rf' }, ctx()), { code: 'ALLOCTUNE_ERR_NOT_FOUND' });
  });
});
