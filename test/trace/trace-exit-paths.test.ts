import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool, REPO_ROOT } from '../../src/proc/repo-paths.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { rawPeaks, readRaw } from './raw-trace.js';

// How a traced program ends other than by exit(): execl/execlp/execle into a program that does not load
// the tracer, a catchable fatal signal (the tracer's handler completes the trace), a handler of the
// program's own (respected), and SIGKILL (the trace cannot be finished: a clear error).

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-exit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: '/usr/bin:/bin' };
const target = nativeTool('trace-target');

before(async () => {
  const made = await runGuarded('make', ['-s', '-C', `${REPO_ROOT}/native`, 'all', 'check-tools'], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

function withColumns(file: string): TraceContents & { columns: TraceColumns } {
  return readTrace(file, { columns: true }) as TraceContents & { columns: TraceColumns };
}

/** The trace holds exactly trace-target's run: its threads, its 4 KiB block live at the end, raw peaks. */
function assertTargetTrace(file: string, stdout: string): void {
  const report = JSON.parse(stdout.trim().split('\n')[0] ?? '') as { tids: number[] };
  const trace = withColumns(file);
  assert.deepEqual(new Set(trace.threads.map((t) => t.os_tid)), new Set(report.tids));
  assert.equal(trace.header['pid'], report.tids[0]);
  const last = trace.records - 1;
  assert.equal(trace.columns.op[last], 1, 'the last record is the malloc(4096) made just before the end');
  assert.equal(trace.columns.size[last], 4096);
  const stats = traceStats(trace);
  const raw = rawPeaks(readRaw(file));
  assert.equal(stats.peak_live.requested_bytes, raw.requested);
  assert.equal(stats.cross_thread_frees, raw.crossFrees);
}

/** The pid of the process named `comm` under `root` (runstat -> the program). */
function descendant(root: number, comm: string): number | undefined {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm && pid !== root) return pid;
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        queue.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/** True once `pid` catches SIGTERM (the tracer's constructor installed its handler). */
function catchesSigterm(pid: number): boolean {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
    return (BigInt(`0x${mask}`) & (1n << 14n)) !== 0n;
  } catch {
    return false;
  }
}

/** Records `command` and sends SIGTERM to it alone (not runstat) once it catches SIGTERM, `afterMs` later. */
async function recordUntilSigterm(name: string, command: string, args: string[], afterMs: number): Promise<{ pid: number | undefined; sidecarSignal: number | null }> {
  let pid: number | undefined;
  const comm = command.split('/').at(-1) ?? command;
  const rec = await recordTrace({
    name,
    dir,
    command,
    args,
    followForks: false,
    followExec: false,
    env,
    timeoutMs: 60_000,
    onSpawn: (child) => {
      void (async () => {
        for (let i = 0; i < 600 && (pid === undefined || !catchesSigterm(pid)); i++) {
          pid ??= descendant(child.pid, comm.slice(0, 15));
          await sleep(50);
        }
        await sleep(afterMs);
        if (pid !== undefined) process.kill(pid, 'SIGTERM');
      })();
    },
  });
  return { pid, sidecarSignal: rec.sidecar.signal };
}

describe('trace endings other than exit()', () => {
  for (const kind of ['l', 'lp', 'le'] as const) {
    it(`exec${kind} into a program that does not load the tracer: the trace is completed before the exec`, async () => {
      const name = `execl-${kind}`;
      const rec = await recordTrace({ name, dir, command: target, args: ['--blocks', '200', '--execl', kind], followForks: false, followExec: false, env });
      // /bin/true ran in place of trace-target (exit 0; trace-target itself would print an error and exit 126).
      assert.equal(rec.sidecar.exit_code, 0, rec.stderr);
      assert.equal(rec.stderr, '');
      assertTargetTrace(join(dir, `${name}.trace`), rec.stdout);
    });
  }

  it('SIGTERM sent by the program to itself: a complete, valid trace, and the sidecar says signal 15', async () => {
    const rec = await recordTrace({ name: 'sigterm-self', dir, command: target, args: ['--blocks', '200', '--raise', '15'], followForks: false, followExec: false, env });
    assert.equal(rec.sidecar.signal, 15);
    assert.equal(rec.sidecar.exit_code, null);
    assertTargetTrace(join(dir, 'sigterm-self.trace'), rec.stdout);
    assert.equal(rec.sidecar.trace.records, readTrace(join(dir, 'sigterm-self.trace')).records);
  });

  it('SIGTERM from outside to a program waiting in sleep(1): a complete, valid trace of its calls', async () => {
    const { pid, sidecarSignal } = await recordUntilSigterm('sigterm-sleep', '/usr/bin/sleep', ['60'], 0);
    assert.equal(sidecarSignal, 15);
    const trace = readTrace(join(dir, 'sigterm-sleep.trace'));
    assert.equal(trace.header['pid'], pid);
    assert.ok(trace.records > 0, `${trace.records} records`);
    assert.deepEqual(trace.threads.map((t) => t.os_tid), [pid]);
  });

  it('SIGTERM from outside into a malloc/free loop interrupted by allocating SIGALRM handlers: still a complete, valid trace', async () => {
    // The signal mostly lands inside a traced call; the handler then lets that call finish and comes back.
    for (let run = 0; run < 3; run++) {
      const name = `sigterm-loop-${run}`;
      const { pid, sidecarSignal } = await recordUntilSigterm(name, target, ['--blocks', '10', '--signals', '30000'], 100 + 100 * run);
      assert.equal(sidecarSignal, 15, `run ${run}`);
      const trace = readTrace(join(dir, `${name}.trace`));
      assert.equal(trace.header['pid'], pid);
      assert.ok(trace.records > 1000, `run ${run}: ${trace.records} records`);
    }
  });

  it("a SIGTERM handler of the program's own is respected: it runs, the program exits, the trace ends at its exit", async () => {
    const script = 'import os, signal, sys\nsignal.signal(signal.SIGTERM, lambda s, f: sys.exit(7))\nx = [str(i) for i in range(5000)]\nos.kill(os.getpid(), signal.SIGTERM)\n';
    const rec = await recordTrace({ name: 'own-handler', dir, command: '/usr/bin/python3', args: ['-c', script], followForks: false, followExec: false, env: { ...env, PYTHONMALLOC: 'malloc' } });
    assert.equal(rec.sidecar.exit_code, 7, rec.stderr);
    assert.equal(rec.sidecar.signal, null);
    assert.ok(readTrace(join(dir, 'own-handler.trace')).records > 5000);
  });

  it('SIGINT is the program\'s own: traced python3 still raises KeyboardInterrupt (the tracer leaves SIGINT at its default), and exits with a complete trace', async () => {
    const script = 'import os, signal, sys\ntry:\n    x = [str(i) for i in range(5000)]\n    os.kill(os.getpid(), signal.SIGINT)\n    signal.pause()\nexcept KeyboardInterrupt:\n    print("keyboard interrupt")\n    sys.exit(5)\n';
    const rec = await recordTrace({ name: 'python-sigint', dir, command: '/usr/bin/python3', args: ['-c', script], followForks: false, followExec: false, env: { ...env, PYTHONMALLOC: 'malloc' }, timeoutMs: 30_000 });
    assert.equal(rec.sidecar.exit_code, 5, rec.stderr);
    assert.match(rec.stdout, /keyboard interrupt/);
    assert.ok(readTrace(join(dir, 'python-sigint.trace')).records > 5000);
  });

  it('SIGKILL: the file is unfinished, and trace record says the program was killed by signal 9 before the tracer could finish the file', async () => {
    await assert.rejects(
      recordTrace({ name: 'sigkill', dir, command: target, args: ['--blocks', '200', '--raise', '9'], followForks: false, followExec: false, env }),
      (err: unknown) =>
        err instanceof AlloctuneError &&
        err.code === 'ALLOCTUNE_ERR_TRACE_INVALID' &&
        /the program was killed by signal 9 before the tracer could finish the file/.test(err.message),
    );
    assert.equal(existsSync(join(dir, 'sigkill.json')), false, 'no sidecar for an unfinished trace');
    // The CLI prints the same message and fails.
    const cli = await runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'trace', 'record', 'sigkill-cli', '--traces', dir, '--', target, '--blocks', '10', '--raise', '9'], {
      env: { ...env, HOME: dir },
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    });
    assert.notEqual(cli.exitCode, 0);
    assert.match(cli.stderr, /sigkill-cli\.trace: at offset \d+: .*; the program was killed by signal 9 before the tracer could finish the file/);
  });
});
