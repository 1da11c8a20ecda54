import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrialJobSchema, type TrialJobInput } from '../../src/core/trial-job.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { buildRunners } from '../../workers/build-runners.js';
import { availableAllocators } from '../../workers/host-info.js';
import { executeTrial } from '../../workers/trial-executor.js';
import { WorkerConfigSchema } from '../../workers/worker-config.js';
import { FIXTURE_SPACES_DIR } from '../helpers/user-spaces.js';

const identity = { name: 'identity-test', host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {} };
const STANDIN = nativeTool('libhakmem-standin.so');
// Debian's redis-server is linked with libjemalloc: whatever the campaign says, jemalloc serves its malloc().
const config = WorkerConfigSchema.parse({
  commands: {
    'redis-version': { argv: ['/usr/bin/redis-server', '--version'] },
    'shell-ls': { argv: ['/bin/sh', '-c', 'ls / > /dev/null'] },
    // Debian's python3.11 is not position-independent and takes malloc's address: a canonical PLT entry.
    'python-version': { argv: ['/usr/bin/python3', '--version'] },
  },
});
const runners = buildRunners(config);

function job(input: Partial<TrialJobInput>): ReturnType<typeof TrialJobSchema.parse> {
  return TrialJobSchema.parse({ campaign_id: 'c1', trial_id: `t${Math.random().toString(36).slice(2, 8)}`, allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'shell-ls' }], ...input });
}

describe('identity on every path: which library really served malloc()', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'alloctune-identity-'));
    process.env['ALLOCTUNE_SPACES_DIR'] = FIXTURE_SPACES_DIR;
  });
  after(() => {
    delete process.env['ALLOCTUNE_SPACES_DIR'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('a command trial whose serving allocator is not the campaign\'s fails with a clear message', async () => {
    const result = await executeTrial(job({ allocator: 'glibc', workloads: [{ kind: 'command', name: 'redis-version' }] }), { runners, identity });
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR');
    assert.match(result.error?.message ?? '', /^expected glibc to serve malloc\(\) but jemalloc \(\/.*libjemalloc\.so\.2\) in command:redis-version \(\/usr\/bin\/redis-\S+, pid \d+\) does$/);
  });

  it('a program whose own PLT stub is what dlsym finds for malloc is reported as served by the library the stub jumps to', async () => {
    for (const [allocator, library] of [['jemalloc', /libjemalloc\.so\.2$/], ['glibc', /libc\.so\.6$/]] as const) {
      const r = await executeTrial(job({ allocator, workloads: [{ kind: 'command', name: 'python-version' }] }), { runners, identity });
      assert.equal(r.status, 'completed', JSON.stringify(r.error));
      assert.match(r.repeats[0]?.workloads[0]?.allocator.path ?? '', library);
    }
  });

  it('a command trial records the library that served malloc() in every process of the command', async () => {
    const own = await executeTrial(job({ allocator: 'jemalloc', workloads: [{ kind: 'command', name: 'redis-version' }] }), { runners, identity });
    assert.equal(own.status, 'completed', JSON.stringify(own.error));
    assert.match(own.repeats[0]?.workloads[0]?.allocator.path ?? '', /libjemalloc\.so\.2$/);
    // A user's allocator, found in the worker's library_dir by its definition's file name: sh and ls both run on it.
    const standIn = await executeTrial(job({ allocator: 'hakmem-standin', workloads: [{ kind: 'command', name: 'shell-ls' }] }), {
      runners,
      identity,
      libraries: { libraryDir: join(STANDIN, '..') },
    });
    assert.equal(standIn.status, 'completed', JSON.stringify(standIn.error));
    assert.equal(standIn.repeats[0]?.workloads[0]?.allocator.path, STANDIN);
  });

  it('an allocator no definition identifies does not pass as hakmem any more (harness probe)', async () => {
    // The worker is told the stand-in is its hakmem: hakmem's definition identifies libhakmem.so, not this.
    const result = await executeTrial(
      job({ allocator: 'hakmem', workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 100 } }] }),
      { runners, identity, libraries: { libraries: { hakmem: STANDIN } } },
    );
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR');
    assert.match(result.error?.message ?? '', /expected hakmem to serve malloc\(\) but hakmem-standin \(.*libhakmem-standin\.so\) does/);
    // The stand-in copied under hakmem's file name still names itself by its symbols.
    const fake = join(dir, 'libhakmem.so');
    copyFileSync(nativeTool('libhakmem-standin.so'), fake);
    const disguised = await executeTrial(job({ allocator: 'jemalloc', workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 100 } }] }), {
      runners,
      identity,
      libraries: { libraryDir: dir, libraries: { jemalloc: fake } },
    });
    assert.equal(disguised.error?.code, 'ALLOCTUNE_ERR_WRONG_ALLOCATOR');
    assert.match(disguised.error?.message ?? '', /expected jemalloc to serve malloc\(\) but hakmem or hakmem-standin \(.*\/libhakmem\.so\) does/);
  });

  it('workers advertise the definitions whose library they find, with the version read back', async () => {
    const found = await availableAllocators({ libraryDir: join(STANDIN, '..') });
    const byName = new Map(found.map((a) => [a.name, a]));
    assert.equal(byName.get('hakmem-standin')?.version, 'standin-1.0');
    assert.equal(byName.get('hakmem-standin')?.path, STANDIN);
    assert.match(byName.get('jemalloc')?.version ?? '', /^5\./);
    assert.ok(!byName.has('hakmem'), 'no libhakmem.so on this host');
    // A library that does not identify as its definition says is not advertised.
    const wrong = await availableAllocators({ libraries: { jemalloc: STANDIN } });
    assert.ok(!wrong.some((a) => a.name === 'jemalloc'), JSON.stringify(wrong));
  });
});
