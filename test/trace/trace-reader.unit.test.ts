import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { AddressTable } from '../../src/trace/address-table.js';
import { OP_CODE } from '../../src/trace/trace-format.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';

// Synthetic traces written byte by byte from the format (native/tracer/FORMAT.md): every fault the
// reader must name, and the statistics on a hand-computed sequence of calls.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Rec {
  seq: number;
  op: keyof typeof OP_CODE;
  ptr: number;
  size?: number;
  aux?: number;
  usable?: number;
  t?: number;
  failed?: boolean;
}

function record(r: Rec): Buffer {
  const b = Buffer.alloc(48);
  b.writeBigUInt64LE(BigInt(r.seq), 0);
  b.writeBigUInt64LE(BigInt(r.t ?? r.seq * 10), 8);
  b.writeBigUInt64LE(BigInt(r.ptr), 16);
  b.writeBigUInt64LE(BigInt(r.size ?? 0), 24);
  b.writeBigUInt64LE(BigInt(r.aux ?? 0), 32);
  b.writeUInt16LE(OP_CODE[r.op], 40);
  b.writeUInt16LE(r.failed ? 1 : 0, 42);
  b.writeUInt32LE(r.usable ?? r.size ?? 0, 44);
  return b;
}

function block(thread: number, recs: readonly Rec[]): Buffer {
  const data = Buffer.concat(recs.map(record));
  const h = Buffer.alloc(16);
  h.writeUInt32LE(0x4b4c4243, 0);
  h.writeUInt32LE(thread, 4);
  h.writeUInt32LE(recs.length, 8);
  h.writeUInt32LE(crc32(data) >>> 0, 12);
  return Buffer.concat([h, data]);
}

function header(): Buffer {
  const json = Buffer.from(JSON.stringify({ tracer_version: 'test', pid: 1, argv: ['x'], start_unix_ns: 0, clock: 'CLOCK_MONOTONIC', page_size: 4096, env: {} }));
  const h = Buffer.alloc(16);
  h.write('ALCTRACE', 0, 'latin1');
  h.writeUInt32LE(1, 8);
  h.writeUInt32LE(json.length, 12);
  return Buffer.concat([h, json]);
}

function trailer(threads: readonly [number, number][], total: number, end = 1000): Buffer {
  const b = Buffer.alloc(24 + threads.length * 8);
  b.writeUInt32LE(0x444e4543, 0);
  b.writeUInt32LE(threads.length, 4);
  b.writeBigUInt64LE(BigInt(total), 8);
  b.writeBigUInt64LE(BigInt(end), 16);
  threads.forEach(([i, tid], k) => {
    b.writeUInt32LE(i, 24 + k * 8);
    b.writeUInt32LE(tid, 28 + k * 8);
  });
  return b;
}

let n = 0;
function file(...parts: Buffer[]): string {
  const path = join(dir, `t${n++}.trace`);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

function fails(path: string, pattern: RegExp): void {
  assert.throws(
    () => readTrace(path, { columns: true }),
    (err: unknown) => {
      assert.ok(err instanceof AlloctuneError, String(err));
      assert.equal(err.code, 'ALLOCTUNE_ERR_TRACE_INVALID');
      assert.match(err.message, pattern);
      return true;
    },
  );
}

// Thread 0 allocates A (100 B) and B (50 B); thread 1 frees A (cross-thread); thread 0 reallocs B to
// 300 B at a new address, fails a malloc, frees an address allocated before tracing, frees NULL.
const CALLS: Rec[] = [
  { seq: 0, op: 'malloc', ptr: 0x1000, size: 100, usable: 104 },
  { seq: 1, op: 'calloc', ptr: 0x2000, size: 50, usable: 56 },
  { seq: 2, op: 'free', ptr: 0x1000 },
  { seq: 3, op: 'realloc', ptr: 0x3000, size: 300, aux: 0x2000, usable: 312 },
  { seq: 4, op: 'malloc', ptr: 0, size: 1e12, usable: 0, failed: true },
  { seq: 5, op: 'free', ptr: 0x9000 },
  { seq: 6, op: 'free', ptr: 0 },
  { seq: 7, op: 'posix_memalign', ptr: 0x4000, size: 64, aux: 64, usable: 64 },
];
const THREAD0 = CALLS.filter((c) => c.seq !== 2);
const THREAD1 = CALLS.filter((c) => c.seq === 2);
const TABLE: [number, number][] = [
  [0, 100],
  [1, 101],
];

describe('trace reader', () => {
  it('reads a valid trace in seq order across threads and blocks, and computes the statistics', () => {
    const path = file(header(), block(0, THREAD0.slice(0, 4)), block(1, THREAD1), block(0, THREAD0.slice(4)), trailer(TABLE, 8));
    const t = readTrace(path, { columns: true }) as TraceContents & { columns: TraceColumns };
    assert.equal(t.records, 8);
    assert.equal(t.blocks, 3);
    assert.deepEqual(t.threads, [
      { index: 0, os_tid: 100, records: 7 },
      { index: 1, os_tid: 101, records: 1 },
    ]);
    assert.deepEqual([...t.columns.op], CALLS.map((c) => OP_CODE[c.op]));
    const s = traceStats(t);
    assert.equal(s.ops.malloc.calls, 2);
    assert.equal(s.ops.malloc.failed, 1);
    assert.equal(s.cross_thread_frees, 1);
    assert.equal(s.untracked_frees, 1);
    // Live: after seq 1 A+B = 150 (usable 160); after seq 3 B' = 300 (312); after seq 7 364 (376).
    assert.deepEqual(s.peak_live, { requested_bytes: 364, requested_at_seq: 7, usable_bytes: 376, usable_at_seq: 7, objects: 2 });
    assert.deepEqual(s.live_at_end, { objects: 2, requested_bytes: 364, usable_bytes: 376 });
    // Lifetimes: A 0 -> 2 (2 calls, 20 ns), B 1 -> 3 (2 calls, 20 ns).
    assert.equal(s.lifetime_ops.objects, 2);
    assert.equal(s.lifetime_ops.max, 2);
    assert.equal(s.lifetime_ns.p50, 20);
    assert.deepEqual(s.size_histogram, [
      { le: 64, count: 2 },
      { le: 128, count: 1 },
      { le: 512, count: 1 },
    ]);
  });

  it('names the offset of a bad magic, version and header', () => {
    const good = header();
    const badMagic = Buffer.from(good);
    badMagic.write('NOTTRACE', 0, 'latin1');
    fails(file(badMagic), /at offset 0: bad magic "NOTTRACE"/);
    const badVersion = Buffer.from(good);
    badVersion.writeUInt32LE(7, 8);
    fails(file(badVersion), /at offset 8: format version 7/);
    fails(file(good.subarray(0, 10)), /at offset 0: truncated: 10 bytes/);
    fails(file(good.subarray(0, 30)), /at offset 16: truncated: the header JSON needs/);
    const badJson = Buffer.from(good);
    badJson.write('#', 16, 'latin1');
    fails(file(badJson), /at offset 16: header JSON does not parse/);
  });

  it('names the offset of a bad block: magic, count, crc, truncation; and a missing trailer', () => {
    const h = header();
    const b = block(0, CALLS);
    const wrongMagic = Buffer.from(b);
    wrongMagic.writeUInt32LE(0xdeadbeef, 0);
    fails(file(h, wrongMagic, trailer([[0, 1]], 8)), new RegExp(`at offset ${h.length}: bad block magic 0xDEADBEEF`));
    const zero = Buffer.from(b);
    zero.writeUInt32LE(0, 8);
    fails(file(h, zero), new RegExp(`at offset ${h.length + 8}: block record_count 0 outside 1..65536`));
    const flipped = Buffer.from(b);
    flipped[16 + 48 + 30] = 0x55;
    fails(file(h, flipped, trailer([[0, 1]], 8)), new RegExp(`at offset ${h.length + 12}: block crc32 0x[0-9A-F]{8} but the 384 record bytes give`));
    fails(file(h, b.subarray(0, 100)), new RegExp(`at offset ${h.length + 16}: truncated block: 8 records need 384 bytes, 84 left`));
    fails(file(h, b), new RegExp(`at offset ${h.length + b.length}: no trailer`));
    fails(file(h, b, trailer([[0, 1]], 8).subarray(0, 10)), /truncated trailer: 10 of 24 bytes/);
  });

  it('names seq gaps and duplicates, a count that disagrees with the trailer, and an unknown thread', () => {
    const h = header();
    const dup = CALLS.map((c) => (c.seq === 5 ? { ...c, seq: 4 } : c));
    fails(file(h, block(0, dup), trailer([[0, 1]], 8)), new RegExp(`at offset ${h.length + 16 + 5 * 48}: seq 4 repeated`));
    const gap = CALLS.map((c) => (c.seq === 5 ? { ...c, seq: 8 } : c));
    fails(file(h, block(0, gap), trailer([[0, 1]], 8)), new RegExp(`at offset ${h.length + 16 + 5 * 48}: seq 8 beyond record_total 8: seq 5 is missing`));
    fails(file(h, block(0, CALLS), trailer([[0, 1]], 9)), /trailer record_total 9 but the blocks hold 8 records/);
    fails(file(h, block(3, CALLS), trailer([[0, 1]], 8)), new RegExp(`at offset ${h.length + 4}: block of thread_index 3, which the trailer's thread table does not list`));
    fails(file(h, block(0, CALLS), trailer([[0, 1]], 8), Buffer.from('xx')), /2 bytes after the trailer/);
    const huge = CALLS.map((c) => (c.seq === 0 ? { ...c, seq: 2 ** 40 } : c));
    fails(file(h, block(0, huge), trailer([[0, 1]], 8)), /seq 1099511627776 impossible: the file holds at most \d+ records/);
  });
});

describe('address table', () => {
  it('agrees with a Map over random pointer-sized inserts, lookups and deletes', () => {
    const table = new AddressTable(4);
    const map = new Map<number, number>();
    let x = 12345;
    const rand = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    };
    for (let i = 0; i < 50_000; i++) {
      const addr = 0x7f0000000000 + (rand() % 4096) * 16;
      if (rand() % 3 === 0) {
        assert.equal(table.delete(addr), map.delete(addr));
      } else {
        table.set(addr, i);
        map.set(addr, i);
      }
      const probe = 0x7f0000000000 + (rand() % 4096) * 16;
      assert.equal(table.get(probe), map.get(probe) ?? -1);
    }
    assert.equal(table.size, map.size);
  });
});
