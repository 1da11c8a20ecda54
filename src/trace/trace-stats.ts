import { AddressTable } from './address-table.js';
import { FLAG_FAILED, OP_CODE, TRACE_OPS, type TraceOp } from './trace-format.js';
import type { TraceColumns, TraceContents, TraceThread } from './trace-reader.js';

/** Calls of one kind. */
export interface OpCount {
  calls: number;
  failed: number;
}

/** Power-of-two bucket: values v with le/2 < v <= le (le = 0 holds the zeros). */
export interface Bucket {
  le: number;
  count: number;
}

/** Distribution of object lifetimes (allocation to free, or to the realloc that replaced it). */
export interface LifetimeStats {
  objects: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  histogram: Bucket[];
}

/** What `alloctune trace info` reports. */
export interface TraceStats {
  records: number;
  duration_ns: number;
  threads: TraceThread[];
  ops: Record<TraceOp, OpCount>;
  /** Requested sizes of the allocating calls that succeeded. */
  size_histogram: Bucket[];
  peak_live: { requested_bytes: number; requested_at_seq: number; usable_bytes: number; usable_at_seq: number; objects: number };
  live_at_end: { objects: number; requested_bytes: number; usable_bytes: number };
  lifetime_ops: LifetimeStats;
  lifetime_ns: LifetimeStats;
  /** Frees (and moving reallocs) of an object another thread allocated. */
  cross_thread_frees: number;
  /** Frees and reallocs of pointers the trace never saw allocated (made before tracing began). */
  untracked_frees: number;
  /** Allocations returning an address that was still live in seq order (a realloc race between threads). */
  live_address_reuses: number;
}

/** Bucket index of v: 0 for v <= 0, else ceil(log2 v) + 1 (so le = 2^(index - 1)). */
function bucketOf(v: number): number {
  if (v <= 0) return 0;
  if (v <= 2147483648) return 33 - Math.clz32(Math.ceil(v) - 1);
  return Math.ceil(Math.log2(v)) + 1;
}

function bucketsOut(counts: Float64Array): Bucket[] {
  const out: Bucket[] = [];
  counts.forEach((count, i) => {
    if (count > 0) out.push({ le: i === 0 ? 0 : 2 ** (i - 1), count });
  });
  return out;
}

function lifetimes(values: Float64Array, n: number): LifetimeStats {
  const sorted = values.subarray(0, n).sort();
  const q = (p: number): number => (n === 0 ? 0 : (sorted[Math.min(n - 1, Math.floor(p * n))] as number));
  const counts = new Float64Array(72);
  for (let i = 0; i < n; i++) counts[bucketOf(sorted[i] as number)]! += 1;
  return { objects: n, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: n === 0 ? 0 : (sorted[n - 1] as number), histogram: bucketsOut(counts) };
}

/**
 * Statistics of a trace read with columns, replaying it in seq order: an address names an object
 * from the call that returned it to the free or realloc that ended it. realloc ends the old object
 * and starts a new one (also in place); a failed call changes nothing; realloc(p, 0) returning NULL
 * without the failed flag freed p.
 */
export function traceStats(trace: TraceContents & { columns: TraceColumns }): TraceStats {
  const c = trace.columns;
  const n = trace.records;
  const ops = Object.fromEntries(TRACE_OPS.map((op) => [op, { calls: 0, failed: 0 }])) as Record<TraceOp, OpCount>;
  const sizeCounts = new Float64Array(72);
  const live = new AddressTable(); // address -> seq of the call that returned it
  const lifeOps = new Float64Array(n);
  const lifeNs = new Float64Array(n);
  let ended = 0;
  let requested = 0;
  let usable = 0;
  let peakReq = 0;
  let peakReqAt = -1;
  let peakUse = 0;
  let peakUseAt = -1;
  let peakObjects = 0;
  let cross = 0;
  let untracked = 0;
  let reuses = 0;

  const end = (addr: number, at: number): void => {
    const from = live.get(addr);
    if (from < 0) {
      untracked++;
      return;
    }
    live.delete(addr);
    requested -= c.size[from] as number;
    usable -= c.usable[from] as number;
    lifeOps[ended] = at - from;
    lifeNs[ended] = (c.t_ns[at] as number) - (c.t_ns[from] as number);
    ended++;
    if (c.thread[from] !== c.thread[at]) cross++;
  };
  const begin = (addr: number, at: number): void => {
    const prev = live.get(addr);
    if (prev >= 0) {
      // The earlier object's end was recorded later in seq order than this: drop it, no lifetime.
      reuses++;
      requested -= c.size[prev] as number;
      usable -= c.usable[prev] as number;
    }
    live.set(addr, at);
    requested += c.size[at] as number;
    usable += c.usable[at] as number;
    sizeCounts[bucketOf(c.size[at] as number)]! += 1;
  };

  for (let s = 0; s < n; s++) {
    const code = c.op[s] as number;
    const op = TRACE_OPS[code - 1];
    if (op === undefined) continue; // unknown op codes are counted nowhere; the reader keeps them
    const failed = ((c.flags[s] as number) & FLAG_FAILED) !== 0;
    ops[op].calls++;
    if (failed) {
      ops[op].failed++;
      continue;
    }
    const ptr = c.ptr[s] as number;
    if (code === OP_CODE.free) {
      if (ptr !== 0) end(ptr, s);
    } else if (code === OP_CODE.realloc) {
      const old = c.aux[s] as number;
      if (old !== 0) end(old, s);
      if (ptr !== 0) begin(ptr, s);
    } else if (ptr !== 0) {
      begin(ptr, s);
    }
    if (requested > peakReq) {
      peakReq = requested;
      peakReqAt = s;
      peakObjects = live.size;
    }
    if (usable > peakUse) {
      peakUse = usable;
      peakUseAt = s;
    }
  }
  return {
    records: n,
    duration_ns: trace.end_t_ns,
    threads: trace.threads,
    ops,
    size_histogram: bucketsOut(sizeCounts),
    peak_live: { requested_bytes: peakReq, requested_at_seq: peakReqAt, usable_bytes: peakUse, usable_at_seq: peakUseAt, objects: peakObjects },
    live_at_end: { objects: live.size, requested_bytes: requested, usable_bytes: usable },
    lifetime_ops: lifetimes(lifeOps, ended),
    lifetime_ns: lifetimes(lifeNs, ended),
    cross_thread_frees: cross,
    untracked_frees: untracked,
    live_address_reuses: reuses,
  };
}
