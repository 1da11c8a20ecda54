import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { guardedSpawn } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { processAlive } from '../helpers/process-alive.js';

const RUN_TESTS = join(REPO_ROOT, 'scripts', 'run-tests.mjs');
const FIXTURES = join(REPO_ROOT, 'test', 'scripts', 'fixtures');
/** Distinct from anything else on the host, and the same in and outside the nested run. */
const SLEEP_SECONDS = '617';

/** A `sleep` started outside any nested run, with the same command line as the fixture's leak. */
function unrelatedSleep(t: TestContext): number {
  const child = spawn('sleep', [SLEEP_SECONDS], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  assert.ok(child.pid !== undefined);
  return child.pid;
}

function runTests(fixture: string, lane: readonly string[] = []): { status: number | null; stdout: string; stderr: string } {
  // Without NODE_TEST_CONTEXT, which makes a nested `node --test` report to this runner instead.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const run = spawnSync(process.execPath, [RUN_TESTS, ...lane, join(FIXTURES, fixture)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...env, LEAK_FIXTURE_SECONDS: SLEEP_SECONDS },
    timeout: 120_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('run-tests leftover check', () => {
  it('fails and names a process the run left behind, and only that one', (t) => {
    const outside = unrelatedSleep(t);
    const run = runTests('leaks-a-process.fixture.ts');
    const named = [...run.stderr.matchAll(/pid (\d+): (.*)$/gm)].map((m) => ({ pid: Number(m[1]), cmdline: m[2] }));
    for (const { pid } of named) t.after(() => process.kill(pid, 'SIGKILL'));
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /1 process\(es\) started by this run still alive/);
    assert.equal(named.length, 1, run.stderr);
    assert.deepEqual(named[0]?.cmdline, `sleep ${SLEEP_SECONDS}`);
    assert.notEqual(named[0]?.pid, outside);
    assert.ok(processAlive(outside), 'the unrelated sleep still runs, so it was there to be (wrongly) reported');
  });

  it('passes when the run left nothing behind, whatever else runs on the host', (t) => {
    const outside = unrelatedSleep(t);
    const run = runTests('passes-cleanly.fixture.ts');
    assert.equal(run.status, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /still alive/);
    assert.ok(processAlive(outside));
  });

  it('a process given a complete environment by guardedSpawn still carries the run marker', async (t) => {
    const saved = process.env['ALLOCTUNE_TEST_RUN'];
    process.env['ALLOCTUNE_TEST_RUN'] = 'marker-check-1';
    t.after(() => {
      if (saved === undefined) delete process.env['ALLOCTUNE_TEST_RUN'];
      else process.env['ALLOCTUNE_TEST_RUN'] = saved;
    });
    const proc = guardedSpawn('sleep', [SLEEP_SECONDS], { env: { ONLY: 'this' } });
    t.after(() => proc.kill());
    // spawn-guard execs the program in place: same pid, same environment block.
    await new Promise((r) => setTimeout(r, 300));
    const environ = readFileSync(`/proc/${proc.pid}/environ`, 'utf8').split('\0').filter(Boolean).sort();
    assert.deepEqual(environ, ['ALLOCTUNE_TEST_RUN=marker-check-1', 'ONLY=this']);
  });
});

describe('run-tests --unit', () => {
  it('refuses child processes and network connections in a unit test', () => {
    const run = runTests('impure-unit.fixture.ts', ['--unit']);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /child_process\.spawnSync\("true"\) is not allowed in a unit test/);
    assert.match(run.stdout, /a network connection .*6379.* is not allowed in a unit test/);
    assert.match(run.stdout, /ℹ fail 2/);
  });

  it('discovers only *.unit.test.ts files', () => {
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const lane = (filter: string): ReturnType<typeof spawnSync> =>
      spawnSync(process.execPath, [RUN_TESTS, '--unit', filter], { cwd: REPO_ROOT, encoding: 'utf8', env, timeout: 120_000 });
    // test/scripts/ holds only process-starting tests: none of them is in the unit lane.
    const scripts = lane('test/scripts/');
    assert.equal(scripts.status, 1);
    assert.match(String(scripts.stderr), /no test files matched/);
    const sys = lane('test/sys/');
    assert.equal(sys.status, 0, String(sys.stdout) + String(sys.stderr));
    assert.match(String(sys.stdout), /ℹ pass [1-9]/);
  });
});
