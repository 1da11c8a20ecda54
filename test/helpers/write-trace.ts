// TEST-ONLY writer of alloctune trace files, format v1 (/work/wt/TRACE-FORMAT.md, native/tracer/),
// written from the specification alone so that the replayer is tested against the agreed format,
// not against its own reader. Not the recorder: it encodes calls a test describes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { SeededRng } from '../../src/core/seeded-rng.js';

export const TRACE_OPS = { malloc: 1, calloc: 2, realloc: 3, free: 4, posix_memalign: 5, aligned_alloc: 6, memalign: 7, valloc: 8, pvalloc: 9 } as const;
export type TraceOp = keyof typeof TRACE_OPS;

/** One recorded call; its seq is its index in the list. */
export interface TraceCall {
  thread: number;
  op: TraceOp;
  /** Returned pointer (allocations), freed pointer (free); 0 for NULL. */
  ptr: number;
  /** Requested bytes (realloc: the new size; free: 0). */
  size: number;
  /** realloc: the old pointer; aligned calls: the alignment. */
  aux?: number;
  failed?: boolean;
  t_ns: number;
}

export interface EncodeOptions {
  /** Records per block (a thread's records are cut into blocks of at most this many). */
  blockRecords?: number;
  /** OS thread ids by thread index (default 1000 + index). */
  tids?: number[];
  /** Leave the trailer out (a recording that was killed). */
  omitTrailer?: boolean;
}

const RECORD_BYTES = 48;

function header(threads: number): Buffer {
  const json = Buffer.from(JSON.stringify({ tracer_version: 'test-writer', pid: 4242, argv: ['test-program'], start_unix_ns: 0, clock: 'CLOCK_MONOTONIC', page_size: 4096, env: {} }));
  const fixed = Buffer.alloc(16);
  fixed.write('ALCTRACE', 0, 'latin1');
  fixed.writeUInt32LE(1, 8);
  fixed.writeUInt32LE(json.length, 12);
  void threads;
  return Buffer.concat([fixed, json]);
}

function record(seq: number, c: TraceCall): Buffer {
  const b = Buffer.alloc(RECORD_BYTES);
  b.writeBigUInt64LE(BigInt(seq), 0);
  b.writeBigUInt64LE(BigInt(c.t_ns), 8);
  b.writeBigUInt64LE(BigInt(c.ptr), 16);
  b.writeBigUInt64LE(BigInt(c.size), 24);
  b.writeBigUInt64LE(BigInt(c.aux ?? 0), 32);
  b.writeUInt16LE(TRACE_OPS[c.op], 40);
  b.writeUInt16LE(c.failed === true ? 1 : 0, 42);
  b.writeUInt32LE(c.op === 'free' || c.failed === true ? 0 : Math.min(c.size, 0xffffffff), 44);
  return b;
}

function block(thread: number, records: Buffer[]): Buffer {
  const body = Buffer.concat(records);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(0x4b4c4243, 0);
  head.writeUInt32LE(thread, 4);
  head.writeUInt32LE(records.length, 8);
  head.writeUInt32LE(crc32(body), 12);
  return Buffer.concat([head, body]);
}

/**
 * The bytes of a v1 trace of `calls`. Each thread's records go into its own blocks, and the blocks
 * of different threads are interleaved round robin, as per-thread buffers flushed at different
 * times leave them: the file is not in seq order.
 */
export function encodeTrace(calls: readonly TraceCall[], opts: EncodeOptions = {}): Buffer {
  const threads = calls.reduce((n, c) => Math.max(n, c.thread + 1), 0);
  const perThread: Buffer[][] = Array.from({ length: threads }, () => []);
  calls.forEach((c, seq) => perThread[c.thread]?.push(record(seq, c)));
  const size = opts.blockRecords ?? 64;
  const blocks: Buffer[][] = perThread.map((recs, t) => {
    const out: Buffer[] = [];
    for (let i = 0; i < recs.length; i += size) out.push(block(t, recs.slice(i, i + size)));
    return out;
  });
  const ordered: Buffer[] = [];
  for (let round = 0; blocks.some((b) => b.length > round); round++) {
    for (const b of blocks) {
      const next = b[round];
      if (next !== undefined) ordered.push(next);
    }
  }
  const parts = [header(threads), ...ordered];
  if (opts.omitTrailer !== true) {
    const trailer = Buffer.alloc(24 + 8 * threads);
    trailer.writeUInt32LE(0x444e4543, 0);
    trailer.writeUInt32LE(threads, 4);
    trailer.writeBigUInt64LE(BigInt(calls.length), 8);
    trailer.writeBigUInt64LE(BigInt(calls[calls.length - 1]?.t_ns ?? 0), 16);
    for (let t = 0; t < threads; t++) {
      trailer.writeUInt32LE(t, 24 + 8 * t);
      trailer.writeUInt32LE(opts.tids?.[t] ?? 1000 + t, 28 + 8 * t);
    }
    parts.push(trailer);
  }
  return Buffer.concat(parts);
}

/** Writes NAME.trace (and, given `sidecar`, NAME.json) into `dir`; returns the trace's path. */
export function writeTrace(dir: string, name: string, calls: readonly TraceCall[], opts: EncodeOptions & { sidecar?: Record<string, unknown> } = {}): string {
  const path = join(dir, `${name}.trace`);
  writeFileSync(path, encodeTrace(calls, opts));
  if (opts.sidecar !== undefined) writeFileSync(join(dir, `${name}.json`), JSON.stringify(opts.sidecar));
  return path;
}

/** What a trace must replay to, computed here independently of the replayer: ops and peak live bytes in seq order. */
export function expectedFidelity(calls: readonly TraceCall[]): { ops: number; peak_live_bytes: number } {
  const live = new Map<number, number>();
  let now = 0;
  let peak = 0;
  for (const c of calls) {
    if (c.failed === true) continue;
    if (c.op === 'free') {
      now -= live.get(c.ptr) ?? 0;
      live.delete(c.ptr);
    } else if (c.op === 'realloc' && (c.aux ?? 0) !== 0) {
      const old = live.get(c.aux ?? 0);
      live.delete(c.aux ?? 0);
      if (c.ptr === 0) {
        now -= old ?? 0;
      } else {
        now += c.size - (old ?? 0);
        live.set(c.ptr, c.size);
      }
    } else {
      now -= live.get(c.ptr) ?? 0;
      live.set(c.ptr, c.size);
      now += c.size;
    }
    peak = Math.max(peak, now);
  }
  return { ops: calls.length, peak_live_bytes: peak };
}

export interface SyntheticOptions {
  threads: number;
  calls: number;
  seed: number;
  /** Share of frees and reallocs that pick another thread's object. */
  crossThreadShare?: number;
  /** Largest request (a few go up to it; most are small). */
  maxSize?: number;
  /** Nanoseconds between consecutive calls in the recording. */
  gapNs?: number;
}

/**
 * A program-like trace: several threads allocating (malloc, calloc, realloc, posix_memalign,
 * aligned_alloc, memalign, valloc), freeing their own and each other's objects, with addresses
 * handed out LIFO from a pool so that the same address names many objects over time, and a few
 * calls that fail, a free(NULL) and a realloc(NULL, n).
 */
export function syntheticTrace(o: SyntheticOptions): TraceCall[] {
  const rng = new SeededRng(o.seed);
  const pool: number[] = [];
  let nextAddr = 0x7f0000010000;
  const take = (): number => pool.pop() ?? (nextAddr += 0x10000);
  const live: Array<{ ptr: number; owner: number }> = [];
  const calls: TraceCall[] = [];
  const gap = o.gapNs ?? 1000;
  const maxSize = o.maxSize ?? 256 * 1024;
  const size = (): number => (rng.next() < 0.05 ? rng.int(16 * 1024, maxSize) : rng.int(1, 512));
  const cross = o.crossThreadShare ?? 0.3;
  // Mostly the thread's own objects (a few random tries), else anyone's: O(1) a call.
  const pick = (thread: number): number => {
    const own = rng.next() >= cross;
    for (let tries = 0; own && tries < 8; tries++) {
      const i = rng.int(0, live.length - 1);
      if (live[i]?.owner === thread) return i;
    }
    return rng.int(0, live.length - 1);
  };
  for (let i = 0; i < o.calls; i++) {
    const thread = rng.int(0, o.threads - 1);
    const t_ns = (i + 1) * gap;
    const r = rng.next();
    if (i === 3) {
      calls.push({ thread, op: 'free', ptr: 0, size: 0, t_ns });
    } else if (i === 5) {
      calls.push({ thread, op: 'malloc', ptr: 0, size: 2 ** 45, failed: true, t_ns });
    } else if (live.length > 0 && r < 0.4) {
      const [victim] = live.splice(pick(thread), 1) as [{ ptr: number; owner: number }];
      calls.push({ thread, op: 'free', ptr: victim.ptr, size: 0, t_ns });
      pool.push(victim.ptr);
    } else if (live.length > 0 && r < 0.5) {
      const index = pick(thread);
      const victim = live[index] as { ptr: number; owner: number };
      const moved = rng.next() < 0.5;
      const ptr = moved ? take() : victim.ptr;
      calls.push({ thread, op: 'realloc', ptr, size: size(), aux: victim.ptr, t_ns });
      if (moved) pool.push(victim.ptr);
      live[index] = { ptr, owner: victim.owner };
    } else {
      const ptr = take();
      const kinds: TraceOp[] = ['malloc', 'malloc', 'malloc', 'calloc', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc'];
      const op = rng.next() < 0.02 ? 'realloc' : (kinds[rng.int(0, kinds.length - 1)] as TraceOp);
      const aux = op === 'posix_memalign' || op === 'memalign' ? 2 ** rng.int(4, 12) : op === 'aligned_alloc' ? 64 : 0;
      const n = op === 'aligned_alloc' ? Math.ceil(size() / 64) * 64 : size();
      calls.push({ thread, op, ptr, size: n, aux, t_ns });
      live.push({ ptr, owner: thread });
    }
  }
  return calls;
}
