import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { TraceSidecarSchema } from '../../src/core/trace-sidecar.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { nativeTool, REPO_ROOT } from '../../src/proc/repo-paths.js';
import { resolvePreloadLibrary } from '../../src/spaces/index.js';
import { recordTrace } from '../../src/trace/record-trace.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { rawPeaks, readRaw } from './raw-trace.js';

// The tracer preloaded into a small real C program (native/tests/trace-target.c) under each allocator,
// preloaded after the tracer; the trace is checked against what the program itself reports and
// against an independent reading of the raw records.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
const target = nativeTool('trace-target');
const BLOCKS = 1500;

before(async () => {
  const made = await runGuarded('make', ['-s', '-C', `${REPO_ROOT}/native`, 'all', 'check-tools'], { env, timeoutMs: 120_000 });
  assert.equal(made.exitCode, 0, made.stderr);
});

interface TargetReport {
  tids: number[];
  blocks: number;
  forked_child: number;
  spawned_child: number;
  loop_pairs: number;
  handler_calls: number;
}

function withColumns(file: string): TraceContents & { columns: TraceColumns } {
  return readTrace(file, { columns: true }) as TraceContents & { columns: TraceColumns };
}

function expectTraceError(file: string, pattern: RegExp): void {
  assert.throws(
    () => readTrace(file),
    (err: unknown) => err instanceof AlloctuneError && err.code === 'ALLOCTUNE_ERR_TRACE_INVALID' && pattern.test(err.message),
    `${file} should fail with ${String(pattern)}`,
  );
}

describe('alloctune trace record on a threaded C program', () => {
  for (const allocator of ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const) {
    it(`records every call under ${allocator} (tracer first, allocator after): threads, cross-thread frees and peak live bytes match`, async () => {
      const name = `target-${allocator}`;
      const library = resolvePreloadLibrary(allocator);
      // jemalloc 5.3 has no pvalloc (glibc's would then own the block).
      const args = ['--blocks', String(BLOCKS), ...(allocator === 'jemalloc' ? [] : ['--pvalloc'])];
      const rec = await recordTrace({ name, dir, command: target, args, allocator, allocatorLibrary: library, followForks: false, followExec: false, env });
      assert.equal(rec.sidecar.exit_code, 0, rec.stderr);
      const report = JSON.parse(rec.stdout) as TargetReport;
      const file = join(dir, `${name}.trace`);
      const trace = withColumns(file);
      const stats = traceStats(trace);
      assert.equal(rec.sidecar.trace.records, trace.records);
      assert.ok(trace.records > 2 * BLOCKS, `${trace.records} records`);
      assert.deepEqual(new Set(trace.threads.map((t) => t.os_tid)), new Set(report.tids), 'thread table = the program\'s own thread ids');
      assert.equal(trace.header['pid'], report.tids[0]);
      assert.ok(stats.cross_thread_frees >= BLOCKS, `cross-thread frees ${stats.cross_thread_frees}`);
      for (const op of ['malloc', 'calloc', 'realloc', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc'] as const) {
        assert.ok(stats.ops[op].calls > 0, `${op} recorded`);
      }
      assert.equal(stats.ops.pvalloc.calls, allocator === 'jemalloc' ? 0 : 1);
      assert.equal(stats.untracked_frees, 0);
      const raw = rawPeaks(readRaw(file));
      assert.equal(stats.peak_live.requested_bytes, raw.requested);
      assert.equal(stats.peak_live.usable_bytes, raw.usable);
      assert.equal(stats.cross_thread_frees, raw.crossFrees);
      // The producer's blocks are all live at once: the peak holds at least their requested bytes.
      let produced = 0;
      for (let i = 0; i < BLOCKS; i++) produced += 16 + ((i * 37) % 2000);
      assert.ok(stats.peak_live.requested_bytes >= produced, `${stats.peak_live.requested_bytes} >= ${produced}`);
      assert.ok(stats.peak_live.usable_bytes >= stats.peak_live.requested_bytes);
      if (library !== undefined) assert.match(rec.sidecar.allocator_env['LD_PRELOAD'] ?? '', new RegExp(`liballoctune-tracer\\.so:${library}$`));
    });
  }

  it('a fork child is not traced by default, and writes NAME.<pid>.trace of its own calls with --follow-forks', async () => {
    const plain = await recordTrace({ name: 'fork-off', dir, command: target, args: ['--fork'], followForks: false, followExec: false, env });
    const pid = (JSON.parse(plain.stdout) as TargetReport).forked_child;
    assert.ok(pid > 0);
    assert.equal(existsSync(join(dir, `fork-off.${pid}.trace`)), false);
    assert.deepEqual(plain.sidecar.children, []);

    const followed = await recordTrace({ name: 'fork-on', dir, command: target, args: ['--fork'], followForks: true, followExec: false, env });
    const child = (JSON.parse(followed.stdout) as TargetReport).forked_child;
    assert.equal(followed.sidecar.children.length, 1);
    assert.equal(followed.sidecar.children[0]?.name, `fork-on.${child}`);
    const childTrace = withColumns(join(dir, `fork-on.${child}.trace`));
    assert.equal(childTrace.header['origin'], 'fork');
    assert.equal(childTrace.threads.length, 1);
    assert.equal(childTrace.threads[0]?.os_tid, child);
    // Exactly the child's 100 malloc/free pairs: nothing of the parent's buffers came along.
    const stats = traceStats(childTrace);
    assert.equal(stats.ops.malloc.calls, 100);
    assert.equal(stats.ops.free.calls, 100);
    assert.equal(childTrace.records, 200);
  });

  it('allocations made by a signal handler that interrupts traced calls are recorded, with no seq lost', async () => {
    const rec = await recordTrace({ name: 'signals', dir, command: target, args: ['--blocks', '10', '--signals', '300'], followForks: false, followExec: false, env });
    const report = JSON.parse(rec.stdout) as TargetReport;
    assert.ok(report.handler_calls > 20, `${report.handler_calls} SIGALRM handler runs`);
    // readTrace checks that every seq appears once; the handler's 40-byte blocks are all there.
    const trace = withColumns(join(dir, 'signals.trace'));
    let forty = 0;
    for (let s = 0; s < trace.records; s++) if (trace.columns.op[s] === 1 && trace.columns.size[s] === 40) forty++;
    const fromLoop = report.loop_pairs > 32 ? Math.floor((report.loop_pairs - 33) / 500) + 1 : 0;
    assert.equal(forty, report.handler_calls + fromLoop);
    const stats = traceStats(trace);
    assert.equal(stats.untracked_frees, 0);
    assert.ok(stats.ops.malloc.calls >= report.loop_pairs + report.handler_calls);
  });

  it('a program executed by the traced one is traced only with --follow-exec; an exec in place restarts the trace', async () => {
    const plain = await recordTrace({ name: 'exec-off', dir, command: target, args: ['--spawn'], followForks: false, followExec: false, env });
    const spawned = (JSON.parse(plain.stdout.split('\n')[1] ?? '') as TargetReport).spawned_child;
    assert.ok(spawned > 0);
    assert.equal(existsSync(join(dir, `exec-off.${spawned}.trace`)), false);
    const followed = await recordTrace({ name: 'exec-on', dir, command: target, args: ['--spawn'], followForks: false, followExec: true, env });
    const lines = followed.stdout.trim().split('\n').map((l) => JSON.parse(l) as TargetReport);
    const child = lines[1]?.spawned_child ?? 0;
    assert.equal(followed.sidecar.children.length, 1);
    const childTrace = withColumns(join(dir, `exec-on.${child}.trace`));
    assert.equal(childTrace.header['origin'], 'exec');
    assert.deepEqual(new Set(childTrace.threads.map((t) => t.os_tid)), new Set(lines[0]?.tids));
    // env(1) traced first, then it executes the program in place: the file holds the program's calls.
    const inPlace = await recordTrace({ name: 'in-place', dir, command: '/usr/bin/env', args: [target, '--blocks', '10'], followForks: false, followExec: false, env });
    const trace = withColumns(join(dir, 'in-place.trace'));
    assert.equal(trace.header['origin'], 'exec-in-place');
    assert.deepEqual(new Set(trace.threads.map((t) => t.os_tid)), new Set((JSON.parse(inPlace.stdout) as TargetReport).tids));
  });

  it('the CLI records into the trace directory with a sidecar, and trace info --json reports the statistics', async () => {
    const cli = (args: string[]) =>
      runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...env, HOME: dir }, cwd: REPO_ROOT, timeoutMs: 60_000 });
    const traces = join(dir, 'cli');
    const rec = await cli(['trace', 'record', 'cli-target', '--traces', traces, '--allocator', 'mimalloc', '--json', '--', 'trace-target-not-on-path']);
    assert.equal(rec.exitCode, 2, rec.stderr);
    assert.match(rec.stderr, /invalid CMD: 'trace-target-not-on-path' is not an executable file on PATH/);
    const ok = await cli(['trace', 'record', 'cli-target', '--traces', traces, '--allocator', 'mimalloc', '--json', '--', target, '--blocks', '200']);
    assert.equal(ok.exitCode, 0, ok.stderr);
    const sidecar = TraceSidecarSchema.parse(JSON.parse(readFileSync(join(traces, 'cli-target.json'), 'utf8')));
    assert.equal(sidecar.allocator, 'mimalloc');
    assert.deepEqual(sidecar.command, [target, '--blocks', '200']);
    assert.ok(sidecar.peak_rss_kb > 0 && sidecar.wall_ms > 0);
    const info = await cli(['trace', 'info', 'cli-target', '--traces', traces, '--json']);
    assert.equal(info.exitCode, 0, info.stderr);
    const doc = JSON.parse(info.stdout) as { stats: { records: number; cross_thread_frees: number; threads: unknown[] }; sidecar: { trace: { sha256: string } } };
    assert.equal(doc.stats.records, sidecar.trace.records);
    assert.equal(doc.stats.threads.length, 3);
    assert.ok(doc.stats.cross_thread_frees >= 200);
    assert.equal(doc.sidecar.trace.sha256, sidecar.trace.sha256);
    const missing = await cli(['trace', 'info', 'nope', '--traces', traces]);
    assert.equal(missing.exitCode, 1);
    assert.match(missing.stderr, /no trace file nope\.trace/);
  });

  it('a truncated and a corrupted copy of a real trace are clear errors naming the offset', () => {
    const file = join(dir, 'target-glibc.trace');
    const good = readTrace(file);
    const cut = join(dir, 'cut.trace');
    copyFileSync(file, cut);
    truncateSync(cut, good.bytes - 100);
    expectTraceError(cut, /at offset \d+: truncated/);
    const noTrailer = join(dir, 'no-trailer.trace');
    const bytes = readFileSync(file);
    // The trailer is the last 24 + 8 * threads bytes.
    writeFileSync(noTrailer, bytes.subarray(0, bytes.length - 24 - 8 * good.threads.length));
    expectTraceError(noTrailer, /at offset \d+: no trailer/);
    const flipped = Buffer.from(bytes);
    const firstRecordSize = 16 + flipped.readUInt32LE(12) + 16 + 24; // size field of the first record
    flipped[firstRecordSize] = (flipped[firstRecordSize] as number) ^ 0x40;
    const corrupt = join(dir, 'corrupt.trace');
    writeFileSync(corrupt, flipped);
    expectTraceError(corrupt, new RegExp(`at offset ${16 + bytes.readUInt32LE(12) + 12}: block crc32 0x[0-9A-F]{8} but`));
  });
});
