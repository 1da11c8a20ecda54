import { z } from 'zod';
import { TraceNameSchema } from './trace-name.js';

/** One trace file of a recording: the program's own, or a followed fork/exec child's (NAME.<pid>.trace). */
export const TraceFileFactsSchema = z.object({
  name: TraceNameSchema,
  records: z.number().int().nonnegative(),
  threads: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * The sidecar `NAME.json` that `alloctune trace record` writes next to `NAME.trace` once the program
 * has exited (format: native/tracer/FORMAT.md). Figures come from wait4() of the program.
 */
export const TraceSidecarSchema = z.object({
  schema: z.literal('alloctune.trace-sidecar/1'),
  name: TraceNameSchema,
  recorded_at: z.string(),
  /** Absolute path of the program, then its arguments. */
  command: z.array(z.string()).min(1),
  exit_code: z.number().int().nullable(),
  signal: z.number().int().nullable(),
  wall_ms: z.number().nonnegative(),
  peak_rss_kb: z.number().nonnegative(),
  /** Allocator named with --allocator (null: whatever the program loads itself, e.g. glibc). */
  allocator: z.string().nullable(),
  /** LD_PRELOAD and the allocator variables the program ran with. */
  allocator_env: z.record(z.string(), z.string()),
  follow_forks: z.boolean(),
  follow_exec: z.boolean(),
  trace: TraceFileFactsSchema,
  children: z.array(TraceFileFactsSchema),
});
export type TraceSidecar = z.infer<typeof TraceSidecarSchema>;
export type TraceFileFacts = z.infer<typeof TraceFileFactsSchema>;
