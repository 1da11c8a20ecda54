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
 * One untraced run of the recorded program under one allocator (`trace record --reference-allocators`):
 * what the replay under that allocator is compared with. Figures come from runstat's wait4().
 */
export const TraceReferenceSchema = z.object({
  ran_at: z.string(),
  exit_code: z.number().int().nullable(),
  signal: z.number().int().nullable(),
  wall_ms: z.number().nonnegative(),
  user_ms: z.number().nonnegative(),
  sys_ms: z.number().nonnegative(),
  peak_rss_kb: z.number().nonnegative(),
  /** LD_PRELOAD and the allocator variables the run had (the identity recorder left out). */
  allocator_env: z.record(z.string(), z.string()),
  /** The object that served malloc() in the program, as the preloaded identity recorder saw it. */
  served_by: z.string().nullable(),
  /** The allocator's version read back by `allocbench --probe` through the same LD_PRELOAD (null: it has none to read). */
  version: z.string().nullable(),
});

/** Sidecar schema versions: 2 added `references` and `reference_problems`; a version 1 sidecar still reads. */
export const TRACE_SIDECAR_SCHEMAS = ['alloctune.trace-sidecar/1', 'alloctune.trace-sidecar/2'] as const;
export const TRACE_SIDECAR_SCHEMA = 'alloctune.trace-sidecar/2' as const;

/**
 * The sidecar `NAME.json` that `alloctune trace record` writes next to `NAME.trace` once the program
 * has exited (format: native/tracer/FORMAT.md). Figures come from wait4() of the program.
 */
export const TraceSidecarSchema = z.object({
  schema: z.enum(TRACE_SIDECAR_SCHEMAS),
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
  /** Untraced runs of the program after the recording, by allocator name (absent in version 1). */
  references: z.record(z.string(), TraceReferenceSchema).default({}),
  /** Reference runs asked for that gave no figure, by allocator name: why. */
  reference_problems: z.record(z.string(), z.string()).default({}),
});
export type TraceSidecar = z.infer<typeof TraceSidecarSchema>;
export type TraceFileFacts = z.infer<typeof TraceFileFactsSchema>;
export type TraceReference = z.infer<typeof TraceReferenceSchema>;
