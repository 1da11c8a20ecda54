import { z } from 'zod';
import { AllocatorStatsSchema, HarnessResultSchema, LatencySummarySchema } from './harness-result.js';

/** Version tag of the document `native/build/tracereplay` prints on stdout. */
export const REPLAY_SCHEMA_VERSION = 'alloctune.replay/1';

/** The kinds of replayed calls a replay keeps latency histograms for (native/replay/trace-plan.c, REPLAY_KIND_NAMES). */
export const REPLAY_CALL_KINDS = ['malloc', 'calloc', 'realloc', 'free', 'aligned'] as const;

const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();

/** One memory reading of a replay: during it (`after_end_ms` null) or after its last call. */
export const ReplaySnapshotSchema = z.object({
  at_ms: nonNegative,
  after_end_ms: nonNegative.nullable(),
  rss_bytes: count,
  /** Resident bytes of the replayer's own mappings (its tables, mincore), read right after rss_bytes. */
  replayer_resident_bytes: count,
  live_requested_bytes: count,
  fragmentation_ratio: nonNegative.nullable(),
  allocator_stats: AllocatorStatsSchema.nullable(),
});

/** The recording's own figures, computed by the replayer from the file in seq order. */
export const RecordedFiguresSchema = z.object({
  ops: count,
  peak_live_bytes: count,
  peak_live_seq: count,
  end_live_bytes: z.number().int(),
  threads: count,
  objects: count,
  /** Calls the program saw fail (NULL returned): counted, not re-issued. */
  failed_calls: count,
  /** Frees and reallocs of addresses the trace never allocated (allocated before tracing started). */
  unknown_pointers: count,
  ops_by_kind: z.record(z.string(), count),
  duration_ms: nonNegative,
  file_bytes: count,
  blocks: count,
});

/**
 * Did the replay do what the program did: the records processed and the peak of live requested
 * bytes, recomputed in seq order from what each replay thread applied, against the file's.
 */
export const ReplayFidelitySchema = z.object({
  recorded: RecordedFiguresSchema,
  replayed: z.object({
    ops: count,
    calls: count,
    peak_live_bytes: count,
    end_live_bytes: z.number().int(),
    missing_ops: count,
    /** Calls that failed in the replay although they succeeded in the recording. */
    failed_calls: count,
    cross_thread_waits: count,
  }),
  match: z.boolean(),
});
export type ReplayFidelity = z.infer<typeof ReplayFidelitySchema>;

/** The JSON document printed by `tracereplay` (native/replay/main.c). */
export const ReplayResultSchema = z.object({
  schema: z.literal(REPLAY_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('tracereplay'), version: z.string() }),
  params: z.object({
    pace: z.enum(['asap', 'recorded']),
    touch: z.enum(['none', 'first', 'pages']),
    sample_every: count,
    snapshot_every_ms: count,
    snapshot_ms: z.array(count),
    cpus: z.string().nullable(),
    seed: count,
  }),
  /** Same shape as the harness's: the serving allocator, its options read back, warnings. */
  allocator: HarnessResultSchema.shape.allocator,
  throughput: z.object({ ops: count, ops_per_s: nonNegative, duration_ms: nonNegative, cpu_ms: nonNegative, ops_per_cpu_s: nonNegative }),
  latency_ns: z.object({
    sample_every: count,
    timer_overhead_ns: nonNegative,
    timer_source: z.string(),
    /** malloc, calloc, realloc, free, aligned (the posix_memalign family). */
    by_kind: z.record(z.string(), LatencySummarySchema),
  }),
  memory: z.object({
    peak_rss_bytes: count,
    /** False when VmHWM could not be reset after loading: the peak may then be the loader's. */
    peak_rss_covers_replay_only: z.boolean(),
    baseline_rss_bytes: count,
    /** Bytes of the replayer's own tables (mmap, not the allocator under test). */
    replayer_bytes: count,
    /** Resident bytes of those own mappings when baseline_rss_bytes was read. */
    replayer_resident_bytes_at_baseline: count,
    /**
     * Peak of RSS minus the replayer's resident own mappings: the largest reading (timeline, end,
     * after-end offsets) or VmHWM minus the own resident bytes at the end, whichever is larger
     * (a lower bound of the true peak; native/replay/main.c, peak_minus_own).
     */
    peak_rss_minus_replayer_bytes: count,
    peak_live_bytes: count,
    peak_fragmentation_ratio: nonNegative.nullable(),
    /** Highest live-byte sum the timeline saw across threads (they run concurrently, not in seq order). */
    concurrent_peak_live_bytes: z.number().int(),
    live_requested_bytes: count,
    fragmentation_ratio: nonNegative.nullable(),
    allocator_stats: AllocatorStatsSchema.nullable(),
    timeline: z.array(ReplaySnapshotSchema),
    after_end: z.array(ReplaySnapshotSchema),
  }),
  fidelity: ReplayFidelitySchema,
  system: HarnessResultSchema.shape.system,
});
export type ReplayResult = z.infer<typeof ReplayResultSchema>;

/** The original program's run (the trace's sidecar) against the replay: peak RSS as a ratio. */
export const OriginalRunSchema = z.object({
  peak_rss_bytes: count.nullable(),
  allocator: z.string().nullable(),
  replay_peak_rss_bytes: count,
  /** Replay peak RSS / the program's; null when the sidecar does not record it. */
  peak_rss_ratio: nonNegative.nullable(),
  /** Whether the sidecar's allocator is the replay's; null when it names none. */
  same_allocator: z.boolean().nullable(),
  /** Why a figure is missing ("original peak RSS unknown: ..."), or that the allocators differ. */
  note: z.string().optional(),
});

/**
 * The replay against the untraced original run under the trial's own allocator (the sidecar's
 * reference of that allocator, `trace record --reference-allocators`). Replay times are the replay
 * phase's (first to last replayed call, and the CPU time of it), the original's its whole run.
 */
export const ReferenceComparisonSchema = z.object({
  /** The trial's allocator. */
  allocator: z.string(),
  /** Whether the sidecar has an untraced run under it; when false every figure below is null. */
  available: z.boolean(),
  /** Allocators the sidecar has a reference run under. */
  references_under: z.array(z.string()),
  original_peak_rss_bytes: count.nullable(),
  original_wall_ms: nonNegative.nullable(),
  original_cpu_ms: nonNegative.nullable(),
  original_version: z.string().nullable(),
  original_served_by: z.string().nullable(),
  replay_peak_rss_bytes: count,
  replay_wall_ms: nonNegative,
  replay_cpu_ms: nonNegative,
  /** Replay / original, under the same allocator. */
  peak_rss_ratio: nonNegative.nullable(),
  wall_ratio: nonNegative.nullable(),
  cpu_ratio: nonNegative.nullable(),
  /** The comparison in words, or plainly that there is none under this allocator and which allocators have one. */
  statement: z.string(),
});
export type ReferenceComparison = z.infer<typeof ReferenceComparisonSchema>;

/** The fidelity block a trace measurement carries in `details.fidelity` (workers/runners/trace-runner.ts). */
export const TraceFidelityReportSchema = ReplayFidelitySchema.extend({
  /** The traced recording (tracer included, under the allocator it was recorded with). */
  original: OriginalRunSchema,
  /** The untraced original under the trial's allocator (absent from results stored before it existed). */
  reference: ReferenceComparisonSchema.optional(),
});
export type TraceFidelityReport = z.infer<typeof TraceFidelityReportSchema>;

/** The part of a trace measurement's `details` that reports read. */
export const TraceDetailsSchema = z.looseObject({ trace: z.string(), fidelity: TraceFidelityReportSchema });
