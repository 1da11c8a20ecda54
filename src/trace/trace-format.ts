/**
 * The binary layout of an alloctune allocation trace, format version 1 (native/tracer/FORMAT.md).
 * The C tracer (native/tracer/alloc-tracer.c) writes it; this is its one description on the
 * TypeScript side.
 */
export const TRACE_FORMAT = {
  magic: 'ALCTRACE',
  version: 1,
  fileHeaderBytes: 16,
  maxHeaderJsonBytes: 1024 * 1024,
  blockMagic: 0x4b4c4243,
  blockHeaderBytes: 16,
  maxBlockRecords: 65536,
  recordBytes: 48,
  trailerMagic: 0x444e4543,
  trailerFixedBytes: 24,
  threadEntryBytes: 8,
} as const;

/** Byte offsets of the fields inside one 48-byte record. */
export const RECORD_FIELD_OFFSET = { seq: 0, t_ns: 8, ptr: 16, size: 24, aux: 32, op: 40, flags: 42, usable: 44 } as const;

/** Record `op` codes, in the order of the format; index = code - 1. */
export const TRACE_OPS = ['malloc', 'calloc', 'realloc', 'free', 'posix_memalign', 'aligned_alloc', 'memalign', 'valloc', 'pvalloc'] as const;
export type TraceOp = (typeof TRACE_OPS)[number];

/** The code of each op (1-based). */
export const OP_CODE: Readonly<Record<TraceOp, number>> = Object.fromEntries(TRACE_OPS.map((op, i) => [op, i + 1])) as Record<TraceOp, number>;

/** `flags` bit 0: the call failed (returned NULL or an error; realloc(p, 0) returning NULL after freeing p is not a failure). */
export const FLAG_FAILED = 1;
