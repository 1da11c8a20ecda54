import { z } from 'zod';

/**
 * The name of a recorded trace or a captured command file. A campaign names a trace, never a path:
 * the worker resolves the name inside its own trace directory (`worker --traces DIR`), so the
 * pattern excludes `/`, a leading dot and anything a shell would read.
 */
export const TraceNameSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a trace name: [a-z0-9][a-z0-9._-]{0,63}');
export type TraceName = z.infer<typeof TraceNameSchema>;

/** File name suffixes inside a trace directory, one per kind of file. */
export const TRACE_FILE_SUFFIX = {
  /** Binary allocation trace (format in native/tracer/FORMAT.md). */
  trace: '.trace',
  /** Sidecar JSON written after recording: command, exit status, wall time, peak RSS. */
  sidecar: '.json',
  /** Redis command capture as RESP (replayed with `redis-cli --pipe`). */
  redis_capture: '.resp',
} as const;
export type TraceFileKind = keyof typeof TRACE_FILE_SUFFIX;
