import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { AlloctuneError } from '../core/alloctune-error.js';
import { RECORD_FIELD_OFFSET as F, TRACE_FORMAT as T } from './trace-format.js';

/** One recorded thread: its index in the blocks, its OS thread id, and how many records it made. */
export interface TraceThread {
  index: number;
  os_tid: number;
  records: number;
}

/**
 * The records as columns, indexed by seq (the program's order of calls), so that a trace of 10^7
 * records is eight typed arrays rather than 10^7 objects. u64 fields are numbers: exact below 2^53
 * (user-space pointers, seq, t_ns; a size above that is a failed request and only approximate).
 */
export interface TraceColumns {
  op: Uint8Array;
  flags: Uint8Array;
  /** thread_index of the thread that made the call. */
  thread: Uint32Array;
  ptr: Float64Array;
  size: Float64Array;
  aux: Float64Array;
  usable: Uint32Array;
  t_ns: Float64Array;
}

/** A validated trace file. */
export interface TraceContents {
  file: string;
  bytes: number;
  version: number;
  header: Record<string, unknown>;
  records: number;
  blocks: number;
  end_t_ns: number;
  threads: TraceThread[];
  /** Present when read with `{ columns: true }`. */
  columns?: TraceColumns;
}

export interface ReadTraceOptions {
  /** Keep every record (in seq order) for statistics; without it only the structure is checked. */
  columns?: boolean;
}

const CHUNK_BYTES = 4 * 1024 * 1024;
const TWO_32 = 4294967296;

/** Sequential reads of a file through one buffer, never holding more than a block or a chunk. */
class FileWindow {
  private buf = Buffer.alloc(CHUNK_BYTES);
  private start = 0;
  private length = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  /** Makes [offset, offset + n) readable and returns where it starts in `buffer`, or -1 if the file ends first. */
  at(offset: number, n: number): number {
    if (offset + n > this.size) return -1;
    if (offset >= this.start && offset + n <= this.start + this.length) return offset - this.start;
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    const want = Math.min(this.buf.length, this.size - offset);
    let got = 0;
    while (got < want) {
      const r = readSync(this.fd, this.buf, got, want - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    this.start = offset;
    this.length = got;
    return got >= n ? 0 : -1;
  }

  get buffer(): Buffer {
    return this.buf;
  }
}

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * TWO_32;
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

function allocColumns(n: number): TraceColumns {
  return {
    op: new Uint8Array(n),
    flags: new Uint8Array(n),
    thread: new Uint32Array(n),
    ptr: new Float64Array(n),
    size: new Float64Array(n),
    aux: new Float64Array(n),
    usable: new Uint32Array(n),
    t_ns: new Float64Array(n),
  };
}

function sliceColumns(c: TraceColumns, n: number): TraceColumns {
  return {
    op: c.op.subarray(0, n),
    flags: c.flags.subarray(0, n),
    thread: c.thread.subarray(0, n),
    ptr: c.ptr.subarray(0, n),
    size: c.size.subarray(0, n),
    aux: c.aux.subarray(0, n),
    usable: c.usable.subarray(0, n),
    t_ns: c.t_ns.subarray(0, n),
  };
}

/**
 * Reads and validates a trace file (format v1): magic, version, header JSON, every block's magic,
 * count and crc32, the trailer, the thread table, and that every seq from 0 to record_total - 1
 * appears exactly once. Any fault throws ALLOCTUNE_ERR_TRACE_INVALID naming the byte offset; nothing
 * else is thrown for a bad file (an unreadable one is ALLOCTUNE_ERR_SETUP).
 */
export function readTrace(file: string, options: ReadTraceOptions = {}): TraceContents {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `cannot open trace file ${file}: ${(err as Error).message}` });
  }
  try {
    return readOpen(file, fd, options);
  } finally {
    closeSync(fd);
  }
}

function readOpen(file: string, fd: number, options: ReadTraceOptions): TraceContents {
  const size = fstatSync(fd).size;
  const win = new FileWindow(fd, size);
  const fail = (offset: number, reason: string): never => {
    throw new AlloctuneError('ALLOCTUNE_ERR_TRACE_INVALID', { file, offset: String(offset), reason });
  };

  let h = win.at(0, T.fileHeaderBytes);
  if (h < 0) fail(0, `truncated: ${size} bytes, the file header alone is ${T.fileHeaderBytes}`);
  let buf = win.buffer;
  if (buf.toString('latin1', h, h + 8) !== T.magic) fail(0, `bad magic ${JSON.stringify(buf.toString('latin1', h, h + 8))} (expected "${T.magic}": not an alloctune trace)`);
  const version = buf.readUInt32LE(h + 8);
  if (version !== T.version) fail(8, `format version ${version}, this reader knows version ${T.version}`);
  const headerLen = buf.readUInt32LE(h + 12);
  if (headerLen > T.maxHeaderJsonBytes) fail(12, `header_json_len ${headerLen} exceeds ${T.maxHeaderJsonBytes}`);
  h = win.at(T.fileHeaderBytes, headerLen);
  if (h < 0) fail(T.fileHeaderBytes, `truncated: the header JSON needs ${headerLen} bytes, ${size - T.fileHeaderBytes} left`);
  buf = win.buffer;
  let header: unknown;
  try {
    header = JSON.parse(buf.toString('utf8', h, h + headerLen));
  } catch (err) {
    fail(T.fileHeaderBytes, `header JSON does not parse: ${(err as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail(T.fileHeaderBytes, 'header JSON is not an object');

  const first = T.fileHeaderBytes + headerLen;
  // Every record takes 48 bytes of the file, so no valid seq can reach this.
  const capacity = Math.floor(Math.max(0, size - first) / T.recordBytes);
  const seen = new Uint8Array(Math.ceil(capacity / 8) + 1);
  const cols = options.columns ? allocColumns(capacity) : undefined;
  const perThread = new Map<number, { records: number; firstBlock: number }>();
  let records = 0;
  let blocks = 0;
  let maxSeq = -1;
  let maxSeqOffset = 0;
  let off = first;
  for (;;) {
    let at = win.at(off, 4);
    if (at < 0) {
      fail(off, off === size ? 'no trailer: the file ends after the last block (the traced process did not exit normally, or the file was cut)' : `truncated: ${size - off} stray bytes where a block or the trailer should start`);
    }
    buf = win.buffer;
    const magic = buf.readUInt32LE(at);
    if (magic === T.trailerMagic) break;
    if (magic !== T.blockMagic) fail(off, `bad block magic ${hex(magic)} (expected CBLK ${hex(T.blockMagic)} or the trailer CEND ${hex(T.trailerMagic)})`);
    at = win.at(off, T.blockHeaderBytes);
    if (at < 0) fail(off, `truncated block header: ${size - off} of ${T.blockHeaderBytes} bytes`);
    buf = win.buffer;
    const thread = buf.readUInt32LE(at + 4);
    const count = buf.readUInt32LE(at + 8);
    const crc = buf.readUInt32LE(at + 12);
    if (count < 1 || count > T.maxBlockRecords) fail(off + 8, `block record_count ${count} outside 1..${T.maxBlockRecords}`);
    const dataLen = count * T.recordBytes;
    const dataOff = off + T.blockHeaderBytes;
    const d = win.at(dataOff, dataLen);
    if (d < 0) fail(dataOff, `truncated block: ${count} records need ${dataLen} bytes, ${size - dataOff} left`);
    buf = win.buffer;
    const computed = crc32(buf.subarray(d, d + dataLen)) >>> 0;
    if (computed !== crc) fail(off + 12, `block crc32 ${hex(crc)} but the ${dataLen} record bytes give ${hex(computed)} (corrupted)`);
    for (let i = 0; i < count; i++) {
      const r = d + i * T.recordBytes;
      const seq = u64(buf, r + F.seq);
      const recOff = dataOff + i * T.recordBytes;
      if (seq >= capacity) fail(recOff, `seq ${seq} impossible: the file holds at most ${capacity} records`);
      const byte = seq >>> 3;
      const bit = 1 << (seq & 7);
      if ((seen[byte] as number) & bit) fail(recOff, `seq ${seq} repeated (it appeared earlier in the file)`);
      seen[byte] = (seen[byte] as number) | bit;
      if (seq > maxSeq) {
        maxSeq = seq;
        maxSeqOffset = recOff;
      }
      if (cols) {
        cols.op[seq] = buf.readUInt16LE(r + F.op);
        cols.flags[seq] = buf.readUInt16LE(r + F.flags);
        cols.thread[seq] = thread;
        cols.ptr[seq] = u64(buf, r + F.ptr);
        cols.size[seq] = u64(buf, r + F.size);
        cols.aux[seq] = u64(buf, r + F.aux);
        cols.usable[seq] = buf.readUInt32LE(r + F.usable);
        cols.t_ns[seq] = u64(buf, r + F.t_ns);
      }
    }
    const t = perThread.get(thread);
    if (t) t.records += count;
    else perThread.set(thread, { records: count, firstBlock: off });
    records += count;
    blocks++;
    off = dataOff + dataLen;
  }

  const trailerOff = off;
  let at = win.at(off, T.trailerFixedBytes);
  if (at < 0) fail(off, `truncated trailer: ${size - off} of ${T.trailerFixedBytes} bytes`);
  buf = win.buffer;
  const threadCount = buf.readUInt32LE(at + 4);
  const total = u64(buf, at + 8);
  const endTNs = u64(buf, at + 16);
  const tableOff = off + T.trailerFixedBytes;
  const tableLen = threadCount * T.threadEntryBytes;
  if (tableOff + tableLen > size) fail(tableOff, `truncated thread table: ${threadCount} threads need ${tableLen} bytes, ${size - tableOff} left`);
  if (tableOff + tableLen < size) fail(tableOff + tableLen, `${size - tableOff - tableLen} bytes after the trailer`);
  at = win.at(tableOff, tableLen);
  buf = win.buffer;
  const threads: TraceThread[] = [];
  const tids = new Map<number, number>();
  for (let i = 0; i < threadCount; i++) {
    const index = buf.readUInt32LE(at + i * 8);
    const osTid = buf.readUInt32LE(at + i * 8 + 4);
    if (tids.has(index)) fail(tableOff + i * 8, `thread_index ${index} listed twice in the thread table`);
    tids.set(index, osTid);
    threads.push({ index, os_tid: osTid, records: perThread.get(index)?.records ?? 0 });
  }
  for (const [index, t] of perThread) {
    if (!tids.has(index)) fail(t.firstBlock + 4, `block of thread_index ${index}, which the trailer's thread table does not list`);
  }
  if (total !== records) fail(trailerOff + 8, `trailer record_total ${total} but the blocks hold ${records} records`);
  if (maxSeq >= total) {
    let missing = 0;
    while (missing < total && (seen[missing >>> 3] as number) & (1 << (missing & 7))) missing++;
    fail(maxSeqOffset, `seq ${maxSeq} beyond record_total ${total}: seq ${missing} is missing`);
  }
  threads.sort((a, b) => a.index - b.index);
  const contents: TraceContents = { file, bytes: size, version, header: header as Record<string, unknown>, records, blocks, end_t_ns: endTNs, threads };
  if (cols) contents.columns = sliceColumns(cols, records);
  return contents;
}
