import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { HarnessResultSchema } from '../../src/core/harness-result.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { parseJemallocOptions } from '../../workers/runners/redis/jemalloc-options.js';
import { startRedisServer } from '../../workers/runners/redis/redis-server.js';

// Every target a worker starts runs its allocator's initialization on the CPUs it is pinned to:
// jemalloc counts the CPUs of its affinity mask in its constructor, before main, and makes 4 arenas
// per CPU (1 for a single CPU). The harness pins itself and runs itself again (native/harness/lib/
// pinned-exec.c); redis-server is started by taskset. This machine has 2 CPUs, so an allocator sized
// by the whole machine has 8 arenas whatever --cpus says.

const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
const jemalloc = debianLibraryPath('jemalloc');
const MARK = 'ALLOCTUNE_PINNED_EXEC';

/** jemalloc's opt.narenas as the harness reads it back, from a short trial pinned to `cpus`. */
async function harnessArenas(cpus: string): Promise<unknown> {
  assert.ok(jemalloc, 'libjemalloc2 must be installed');
  const out = await runAllocbench({ workload: 'threadtest', args: { threads: 2, 'duration-ms': 0, ops: 2000 }, cpus, env: { PATH, LD_PRELOAD: jemalloc } });
  assert.ok(out.ok, out.ok ? '' : out.error.message);
  assert.equal(out.result.allocator.name, 'jemalloc');
  assert.equal(out.result.system.cpu_list, cpus);
  return out.result.allocator.options['narenas'];
}

/** The harness probe under jemalloc pinned to CPU 0, started by sh with the exec mark set to `mark` ($$ is the pid the harness gets). */
function probeWithMark(mark: string): unknown {
  assert.ok(jemalloc, 'libjemalloc2 must be installed');
  const r = spawnSync('/bin/sh', ['-c', `${MARK}=${mark} exec "$0" --probe --cpus 0`, nativeTool('allocbench')], { env: { PATH, LD_PRELOAD: jemalloc }, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return HarnessResultSchema.parse(JSON.parse(r.stdout)).allocator.options['narenas'];
}

describe('targets start pinned', () => {
  it('a harness trial under jemalloc has the arenas of its --cpus, not of the machine', async () => {
    assert.equal(await harnessArenas('0'), 1, 'one CPU: one arena');
    assert.equal(await harnessArenas('0,1'), 8, 'two CPUs: eight arenas');
  });

  it('the harness does not run itself again when the mark holds its own pid, and ignores an inherited mark', () => {
    // $$ is the shell's pid and exec keeps it: the harness takes itself for the program it executed,
    // so it does not exec (jemalloc stays sized by both CPUs) and returns instead of looping.
    assert.equal(probeWithMark('$$'), 8, 'the mark with its own pid: no second exec');
    // A mark some parent left in the environment names another process: the harness still pins first.
    assert.equal(probeWithMark('1'), 1, 'a foreign mark: pinned before jemalloc starts');
  });

  it('redis-server under jemalloc has the arenas of its CPUs (taskset pins it before exec)', async () => {
    for (const [cpus, arenas] of [['0', 1], ['0,1', 8]] as const) {
      const server = await startRedisServer({ serverPath: 'redis-server', cpus, env: { PATH }, serverConfig: {}, startTimeoutMs: 10_000 });
      try {
        const options = parseJemallocOptions(String(await server.client.call('MEMORY', 'MALLOC-STATS')));
        assert.equal(options['narenas']?.value, arenas, `redis-server on CPUs ${cpus}`);
      } finally {
        await server.stop();
      }
    }
  });
});
