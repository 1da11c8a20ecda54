import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { ReplayResultSchema, type ReplayResult } from '../../src/core/replay-result.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { encodeTrace, expectedFidelity, syntheticTrace, writeTrace, type TraceCall } from '../helpers/write-trace.js';

// native/build/tracereplay on traces written from the format specification by the test writer:
// the op count and peak live bytes the replay reproduces equal the ones computed here from the
// call list, under every allocator preloaded for real; cross-thread frees never deadlock; every
// defect of a file is one line on stderr naming the offset, with its own exit code, never a crash.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-tracereplay-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function replay(file: string, env: Record<string, string> = {}, args: string[] = []): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const r = spawnSync(nativeTool('tracereplay'), ['--trace', file, '--snapshot-ms', '0', ...args], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function replayed(file: string, env: Record<string, string> = {}, args: string[] = []): ReplayResult {
  const r = replay(file, env, args);
  assert.equal(r.status, 0, r.stderr);
  return ReplayResultSchema.parse(JSON.parse(r.stdout));
}

const program = syntheticTrace({ threads: 4, calls: 6000, seed: 21, crossThreadShare: 0.5 });
const programFile = writeTrace(dir, 'program', program);

describe('tracereplay', () => {
  it('the trace writer covers what the test claims: threads, cross-thread frees, reallocs, aligned calls, a failed call, free(NULL)', () => {
    const owner = new Map<number, number>();
    let crossFrees = 0;
    for (const c of program) {
      if (c.op === 'free' && owner.has(c.ptr) && owner.get(c.ptr) !== c.thread) crossFrees++;
      if (c.op !== 'free' && c.ptr !== 0) owner.set(c.ptr, owner.get(c.aux ?? 0) ?? c.thread);
    }
    assert.ok(crossFrees > 100, `cross-thread frees: ${crossFrees}`);
    for (const op of ['realloc', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'calloc'] as const) assert.ok(program.some((c) => c.op === op), op);
    assert.ok(program.some((c) => c.failed === true));
    assert.equal(new Set(program.map((c) => c.thread)).size, 4);
  });

  for (const allocator of ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const) {
    it(`${allocator}: replays every call, with the recording's op count and peak live bytes exactly`, () => {
      const lib = allocator === 'glibc' ? undefined : debianLibraryPath(allocator);
      if (allocator !== 'glibc') assert.ok(lib, `${allocator} library installed`);
      const doc = replayed(programFile, lib === undefined ? {} : { LD_PRELOAD: lib }, ['--cpus', '0,1']);
      const want = expectedFidelity(program);
      assert.equal(doc.allocator.name, allocator, 'the preloaded allocator served malloc()');
      assert.equal(doc.fidelity.recorded.ops, want.ops);
      assert.equal(doc.fidelity.recorded.peak_live_bytes, want.peak_live_bytes);
      assert.equal(doc.fidelity.replayed.ops, want.ops);
      assert.equal(doc.fidelity.replayed.peak_live_bytes, want.peak_live_bytes);
      assert.equal(doc.fidelity.replayed.failed_calls, 0);
      assert.equal(doc.fidelity.match, true);
      // The one recorded failure is counted, not re-issued.
      assert.equal(doc.throughput.ops, want.ops - 1);
      assert.equal(doc.fidelity.recorded.threads, 4);
      assert.ok(doc.throughput.ops_per_cpu_s > 0);
      assert.ok((doc.latency_ns.by_kind['malloc']?.count ?? 0) > 0);
      // Pages were written: the replay's peak RSS holds at least the peak of live requested bytes.
      assert.ok(doc.memory.peak_rss_bytes - doc.memory.baseline_rss_bytes > want.peak_live_bytes * 0.5, `peak ${doc.memory.peak_rss_bytes} baseline ${doc.memory.baseline_rss_bytes}`);
    });
  }

  it('the allocator starts on the CPUs of --cpus, as a program started pinned does: jemalloc sizes its arenas by them', () => {
    const lib = debianLibraryPath('jemalloc');
    assert.ok(lib, 'jemalloc library installed');
    // jemalloc makes 4 arenas per CPU it may run on, counted in its constructor, before main.
    const one = replayed(programFile, { LD_PRELOAD: lib }, ['--cpus', '0']);
    assert.equal(one.allocator.options?.['narenas'], 1, 'one CPU: one arena');
    const two = replayed(programFile, { LD_PRELOAD: lib }, ['--cpus', '0,1']);
    assert.equal(two.allocator.options?.['narenas'], 8, 'two CPUs: eight arenas');
    assert.equal(one.fidelity.match, true);
  });

  it('a thread freeing and reallocating what another allocated waits for it, never deadlocks, and the counts match', () => {
    // Thread 0 allocates 2000 blocks; thread 1 reallocs each, thread 2 frees it: in asap pacing
    // threads 1 and 2 run ahead of thread 0 and must wait on the objects.
    const calls: TraceCall[] = [];
    let t = 0;
    for (let i = 0; i < 2000; i++) calls.push({ thread: 0, op: 'malloc', ptr: 0x100000 + i * 0x100, size: 100 + (i % 50), t_ns: (t += 10) });
    for (let i = 0; i < 2000; i++) calls.push({ thread: 1, op: 'realloc', ptr: 0x900000 + i * 0x1000, size: 3000, aux: 0x100000 + i * 0x100, t_ns: (t += 10) });
    // The addresses thread 0 gave up are reused by thread 0 again: new objects, not the old ones.
    for (let i = 0; i < 500; i++) calls.push({ thread: 0, op: 'malloc', ptr: 0x100000 + i * 0x100, size: 40, t_ns: (t += 10) });
    for (let i = 0; i < 2000; i++) calls.push({ thread: 2, op: 'free', ptr: 0x900000 + i * 0x1000, size: 0, t_ns: (t += 10) });
    for (let i = 0; i < 500; i++) calls.push({ thread: 1, op: 'free', ptr: 0x100000 + i * 0x100, size: 0, t_ns: (t += 10) });
    // Threads 1 and 2 are listed first in the file, so their blocks come before thread 0's.
    const file = join(dir, 'cross.trace');
    writeFileSync(file, encodeTrace(calls, { blockRecords: 100 }));
    const doc = replayed(file, { LD_PRELOAD: debianLibraryPath('jemalloc') ?? '' });
    const want = expectedFidelity(calls);
    assert.equal(doc.fidelity.match, true);
    assert.equal(doc.fidelity.replayed.ops, calls.length);
    assert.equal(doc.fidelity.replayed.peak_live_bytes, want.peak_live_bytes);
    assert.equal(doc.fidelity.replayed.end_live_bytes, 0);
    assert.equal(doc.fidelity.recorded.objects, 2500);
    assert.equal(doc.fidelity.recorded.unknown_pointers, 0);
  });

  it('recorded pacing keeps the recorded gaps', () => {
    const calls: TraceCall[] = [
      { thread: 0, op: 'malloc', ptr: 0x1000, size: 64, t_ns: 1000 },
      { thread: 1, op: 'free', ptr: 0x1000, size: 0, t_ns: 300_000_000 },
    ];
    const file = writeTrace(dir, 'paced', calls);
    const fast = replayed(file);
    const paced = replayed(file, {}, ['--pace', 'recorded']);
    assert.equal(paced.params.pace, 'recorded');
    assert.ok(paced.throughput.duration_ms >= 290, `paced ${paced.throughput.duration_ms} ms`);
    assert.ok(fast.throughput.duration_ms < 290, `asap ${fast.throughput.duration_ms} ms`);
  });

  it('--check validates and prints the recording\'s figures without replaying', () => {
    const r = replay(programFile, {}, ['--check']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { schema: string; recorded: { ops: number; peak_live_bytes: number } };
    assert.equal(doc.schema, 'alloctune.replay-check/1');
    assert.deepEqual({ ops: doc.recorded.ops, peak_live_bytes: doc.recorded.peak_live_bytes }, expectedFidelity(program));
  });

  const good = readFileSync(programFile);
  const headerEnd = 16 + good.readUInt32LE(12);
  const small: TraceCall[] = [
    { thread: 0, op: 'malloc', ptr: 0x1000, size: 10, t_ns: 1 },
    { thread: 0, op: 'free', ptr: 0x1000, size: 0, t_ns: 2 },
    { thread: 0, op: 'malloc', ptr: 0x1000, size: 10, t_ns: 3 },
  ];
  const withSeq = (seqs: number[]): Buffer => {
    const bytes = encodeTrace(small, { blockRecords: 10 });
    const start = 16 + bytes.readUInt32LE(12) + 16;
    seqs.forEach((s, i) => bytes.writeBigUInt64LE(BigInt(s), start + i * 48));
    // Re-sign the block so that only the seqs are wrong.
    bytes.writeUInt32LE(crc32(bytes.subarray(start, start + 48 * small.length)), start - 4);
    return bytes;
  };
  const defects: Array<{ name: string; bytes: Buffer; code: number; message: RegExp }> = [
    { name: 'empty', bytes: Buffer.alloc(0), code: 4, message: /file is empty/ },
    { name: 'bad-magic', bytes: Buffer.concat([Buffer.from('NOTATRAC'), good.subarray(8)]), code: 4, message: /bad magic at offset 0/ },
    { name: 'version-2', bytes: (() => { const b = Buffer.from(good); b.writeUInt32LE(2, 8); return b; })(), code: 4, message: /format version 2 at offset 8/ },
    { name: 'bad-crc', bytes: (() => { const b = Buffer.from(good); const at = headerEnd + 16 + 20; b.writeUInt8(b.readUInt8(at) ^ 0xff, at); return b; })(), code: 5, message: new RegExp(`block at offset ${headerEnd}: CRC`) },
    { name: 'bad-block-magic', bytes: (() => { const b = Buffer.from(good); b.writeUInt32LE(0xdeadbeef, headerEnd); return b; })(), code: 5, message: new RegExp(`bad block magic 0xdeadbeef at offset ${headerEnd}`) },
    { name: 'truncated', bytes: good.subarray(0, good.length - 500), code: 6, message: /file ends at offset \d+ inside/ },
    { name: 'no-trailer', bytes: encodeTrace(program, { omitTrailer: true }), code: 6, message: /no trailer: the file ends at offset \d+ after \d+ complete blocks/ },
    { name: 'header-cut', bytes: good.subarray(0, 12), code: 6, message: /ends inside the 16-byte header/ },
    { name: 'seq-gap', bytes: withSeq([0, 1, 3]), code: 7, message: /seq 2 missing \(seq 3 at offset \d+ is beyond the 3 records\)/ },
    { name: 'seq-repeated', bytes: withSeq([0, 1, 1]), code: 7, message: /seq 1 repeated at offset \d+/ },
  ];
  for (const d of defects) {
    it(`${d.name}: exit ${d.code}, one line naming the defect, no crash`, () => {
      const file = join(dir, `${d.name}.trace`);
      writeFileSync(file, d.bytes);
      const r = replay(file);
      assert.equal(r.signal, null, 'not killed by a signal');
      assert.equal(r.status, d.code, r.stderr);
      assert.equal(r.stdout, '', 'no document');
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0] ?? '', new RegExp(`^tracereplay: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(lines[0] ?? '', d.message);
    });
  }

  it('a recorded success the replay cannot reproduce is exit 8, fidelity lost, the document still printed', () => {
    // No machine here gives glibc 32 TiB; without touching, the call is issued and fails.
    const file = writeTrace(dir, 'impossible', [{ thread: 0, op: 'malloc', ptr: 0x1000, size: 2 ** 45, t_ns: 1 }]);
    const r = replay(file, {}, ['--touch', 'none']);
    assert.equal(r.status, 8, r.stderr);
    assert.match(r.stderr, /fidelity lost: replayed 1 of 1 ops \(1 calls failed\), peak live 0 bytes vs 35184372088832 recorded/);
    const doc = ReplayResultSchema.parse(JSON.parse(r.stdout));
    assert.equal(doc.fidelity.match, false);
    assert.equal(doc.fidelity.replayed.failed_calls, 1);
    // Writing its pages is refused up front, whatever the allocator would hand out.
    const touched = replay(file, { LD_PRELOAD: debianLibraryPath('mimalloc') ?? '' });
    assert.equal(touched.status, 8);
    assert.match(touched.stderr, /exceeds this machine's \d+ available bytes/);
  });

  it('a missing file is exit 3', () => {
    const r = replay(join(dir, 'absent.trace'));
    assert.equal(r.status, 3);
    assert.match(r.stderr, /cannot open .*absent\.trace: No such file/);
  });
});
