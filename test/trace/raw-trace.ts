import { readFileSync } from 'node:fs';

/**
 * An independent, deliberately plain reading of a trace file for the tests: one object per record,
 * sorted by seq, with its own peak-live computation. It shares no code with src/trace.
 */
export interface RawRecord {
  seq: number;
  t: number;
  ptr: bigint;
  size: number;
  aux: bigint;
  op: number;
  flags: number;
  usable: number;
  thread: number;
}

export interface RawTrace {
  header: Record<string, unknown>;
  records: RawRecord[];
  tids: Map<number, number>;
}

export function readRaw(file: string): RawTrace {
  const b = readFileSync(file);
  const hlen = b.readUInt32LE(12);
  const header = JSON.parse(b.toString('utf8', 16, 16 + hlen)) as Record<string, unknown>;
  let off = 16 + hlen;
  const records: RawRecord[] = [];
  while (b.readUInt32LE(off) === 0x4b4c4243) {
    const thread = b.readUInt32LE(off + 4);
    const n = b.readUInt32LE(off + 8);
    for (let i = 0; i < n; i++) {
      const r = off + 16 + i * 48;
      records.push({
        seq: Number(b.readBigUInt64LE(r)),
        t: Number(b.readBigUInt64LE(r + 8)),
        ptr: b.readBigUInt64LE(r + 16),
        size: Number(b.readBigUInt64LE(r + 24)),
        aux: b.readBigUInt64LE(r + 32),
        op: b.readUInt16LE(r + 40),
        flags: b.readUInt16LE(r + 42),
        usable: b.readUInt32LE(r + 44),
        thread,
      });
    }
    off += 16 + n * 48;
  }
  const count = b.readUInt32LE(off + 4);
  const tids = new Map<number, number>();
  for (let i = 0; i < count; i++) tids.set(b.readUInt32LE(off + 24 + i * 8), b.readUInt32LE(off + 28 + i * 8));
  records.sort((x, y) => x.seq - y.seq);
  return { header, records, tids };
}

/** Peak live requested and usable bytes, and cross-thread frees, recomputed from the raw records. */
export function rawPeaks(t: RawTrace): { requested: number; usable: number; crossFrees: number } {
  // String keys: a Map keyed by bigints or pointer-sized numbers is very slow in V8.
  const live = new Map<string, RawRecord>();
  let req = 0;
  let use = 0;
  let peakReq = 0;
  let peakUse = 0;
  let cross = 0;
  const drop = (p: bigint, by: RawRecord): void => {
    const a = live.get(p.toString(16));
    if (!a) return;
    live.delete(p.toString(16));
    req -= a.size;
    use -= a.usable;
    if (a.thread !== by.thread) cross++;
  };
  for (const r of t.records) {
    if (r.flags & 1) continue;
    if (r.op === 4) drop(r.ptr, r);
    else {
      if (r.op === 3 && r.aux !== 0n) drop(r.aux, r);
      if (r.ptr !== 0n) {
        const key = r.ptr.toString(16);
        const prev = live.get(key);
        if (prev) {
          req -= prev.size;
          use -= prev.usable;
        }
        live.set(key, r);
        req += r.size;
        use += r.usable;
      }
    }
    peakReq = Math.max(peakReq, req);
    peakUse = Math.max(peakUse, use);
  }
  return { requested: peakReq, usable: peakUse, crossFrees: cross };
}
