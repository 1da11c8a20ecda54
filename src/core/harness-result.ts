import { z } from 'zod';

/** Version tag of the document `native/build/allocbench` prints on stdout. */
export const HARNESS_SCHEMA_VERSION = 'alloctune.harness/1';


const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();

/** A scalar read back from an allocator (jemalloc `opt.*` keep their real type: bool, integer or string). */
export const AllocatorOptionValueSchema = z.union([z.boolean(), z.number(), z.string(), z.null()]);

/**
 * Usage figures the allocator itself reports, in bytes. Which fields exist depends on the allocator:
 * jemalloc `stats.*` after an `epoch` refresh, glibc `mallinfo2()`, tcmalloc numeric properties,
 * mimalloc `mi_process_info()` (whose "rss" is a commit estimate on Linux, see `caveat`).
 */
export const AllocatorStatsSchema = z.object({
  /** Where the figures come from, e.g. `jemalloc.stats`, `mallinfo2`, `tcmalloc.properties`, `mi_process_info`. */
  source: z.string(),
  /** Bytes handed out to the program (jemalloc stats.allocated, mallinfo2 uordblks+hblkhd, tcmalloc current_allocated_bytes). */
  allocated_bytes: nonNegative.nullable(),
  /** Bytes in active pages (jemalloc stats.active); null where the allocator has no such notion. */
  active_bytes: nonNegative.nullable(),
  /** Bytes the allocator believes are resident (jemalloc stats.resident, tcmalloc total_physical_bytes, mimalloc commit). */
  resident_bytes: nonNegative.nullable(),
  /** Bytes mapped from the OS (jemalloc stats.mapped, mallinfo2 arena+hblkhd, tcmalloc heap_size). */
  mapped_bytes: nonNegative.nullable(),
  /** Every figure read, under the allocator's own name (e.g. `stats.retained`, `fordblks`). */
  raw: z.record(z.string(), z.number()),
  /** A known limitation of these figures, or null. */
  caveat: z.string().nullable(),
});

/** Summary of one log-linear latency histogram, all values in nanoseconds. */
export const LatencySummarySchema = z.object({
  /** Number of sampled operations (not all operations: see `sample_every`). */
  count,
  p50: nonNegative,
  p90: nonNegative,
  p99: nonNegative,
  p999: nonNegative,
  p9999: nonNegative,
  max: nonNegative,
  mean: nonNegative,
});

/** One memory reading taken during the run. */
export const MemorySnapshotSchema = z.object({
  /** What the workload was doing: `start`, `filled`, `after_free`, `refilled`, `end`, ... */
  phase: z.string(),
  /** Milliseconds since the workload started. */
  at_ms: nonNegative,
  /** Milliseconds after the free burst (fragmentation workload), otherwise null. */
  after_free_ms: nonNegative.nullable(),
  /** Resident set size from /proc/self/statm. */
  rss_bytes: count,
  /** Bytes the workload has requested and not yet freed. */
  live_requested_bytes: count,
  /** rss_bytes / live_requested_bytes; null when nothing is live. */
  fragmentation_ratio: nonNegative.nullable(),
  allocator_stats: AllocatorStatsSchema.nullable(),
});

/** The JSON document printed by `allocbench` (a workload run, or `--probe` with `workload: null`). */
export const HarnessResultSchema = z.object({
  schema: z.literal(HARNESS_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('allocbench'), version: z.string() }),
  /** Null for `--probe`. */
  workload: z
    .object({
      name: z.string(),
      /** Every parameter with the value used (defaults included), so a run can be repeated. */
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.array(z.number())])),
      /** Workload-specific figures, e.g. the per-size table of `size-sweep`. */
      results: z.record(z.string(), z.unknown()),
    })
    .nullable(),
  allocator: z.object({
    /** The statistics API the probe recognised in the serving object (its C table entry), or `unknown`. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    version: z.string().nullable(),
    /** The shared object that serves `malloc()` (dladdr of the resolved symbol). */
    path: z.string().nullable(),
    /** Of the symbols asked for with `--identity-symbols`, those the serving object itself defines. */
    symbols: z.array(z.string()).default([]),
    /** Read back from the serving allocator: jemalloc `opt.*`, mimalloc options, tcmalloc properties/flags, glibc tunables. */
    options: z.record(z.string(), AllocatorOptionValueSchema),
    /** Other allocators loaded in the process that do not serve `malloc()`. */
    loaded_not_serving: z.array(z.string()),
    warnings: z.array(z.string()),
  }),
  /**
   * Null for `--probe`. `ops` counts malloc() plus free() calls made by the workload in the measured
   * phase. `cpu_ms` is the CPU time of the workload threads in that phase (CLOCK_THREAD_CPUTIME_ID),
   * so `ops_per_cpu_s` does not drop when other processes take the CPU away (wall `ops_per_s` does).
   */
  throughput: z
    .object({ ops: count, ops_per_s: nonNegative, duration_ms: nonNegative, cpu_ms: nonNegative, ops_per_cpu_s: nonNegative })
    .nullable(),
  /** Null for `--probe`. */
  latency_ns: z
    .object({
      malloc: LatencySummarySchema,
      free: LatencySummarySchema,
      /** 1 in this many operations is timed; 0 means sampling was off. */
      sample_every: count,
      /** Cost of one timer reading pair, measured at start-up (median). */
      timer_overhead_ns: nonNegative,
      /** `clock_gettime(CLOCK_MONOTONIC)`; the overhead is NOT subtracted from the samples. */
      timer_source: z.string(),
    })
    .nullable(),
  memory: z.object({
    peak_rss_bytes: count,
    /** Bytes requested and not yet freed at the end of the measured phase (before teardown). */
    live_requested_bytes: count,
    /** RSS / live requested bytes at that point; null when nothing is live. */
    fragmentation_ratio: nonNegative.nullable(),
    allocator_stats: AllocatorStatsSchema.nullable(),
    snapshots: z.array(MemorySnapshotSchema),
  }),
  system: z.object({
    /** Online CPUs. */
    cpus: count,
    /** CPU list the workload threads were pinned to, or null. */
    cpu_list: z.string().nullable(),
    minor_faults: count,
    major_faults: count,
    voluntary_ctx: count,
    involuntary_ctx: count,
    /** Share of CPU time stolen by the hypervisor during the run (all CPUs, /proc/stat). */
    steal_pct: nonNegative,
    user_ms: nonNegative,
    sys_ms: nonNegative,
  }),
});

/** A validated allocbench document. */
export type HarnessResult = z.infer<typeof HarnessResultSchema>;
/** One latency histogram summary. */
export type LatencySummary = z.infer<typeof LatencySummarySchema>;
/** One memory snapshot. */
export type MemorySnapshot = z.infer<typeof MemorySnapshotSchema>;
/** Allocator-reported usage figures. */
export type AllocatorStats = z.infer<typeof AllocatorStatsSchema>;
