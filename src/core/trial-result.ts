import { z } from 'zod';
import { ConfigSchema, ConfigValueSchema } from './config.js';
import { AllocatorNameSchema } from './trial-job.js';
import { WorkloadKindSchema } from './workload-kinds.js';
import { CutShortRecordSchema } from './cut-short.js';
import { EnvMapSchema, IdSchema } from './safe-text.js';

/** The allocator that really served malloc() during a measurement, with options read back. */
export const AllocatorObservedSchema = z.object({
  name: z.string(),
  version: z.string(),
  options: z.record(z.string(), ConfigValueSchema).default({}),
  /** The shared object that served malloc() (dladdr in the target), when the runner could see it. */
  path: z.string().nullable().optional(),
});

/** One workload measured once: flat numeric metrics with units in their names. */
export const WorkloadMeasurementSchema = z.object({
  label: z.string(),
  kind: WorkloadKindSchema,
  metrics: z.record(z.string(), z.number()),
  steal_pct: z.number().min(0).max(100),
  /** Busy share of each CPU the workload ran on, e.g. {"cpu1": 97.5}. */
  cpu_busy_pct: z.record(z.string(), z.number()).default({}),
  allocator: AllocatorObservedSchema,
  duration_ms: z.number().min(0),
  /** Runner-specific raw record (harness JSON, redis phases) for reports. */
  details: z.unknown().optional(),
});
export type WorkloadMeasurement = z.infer<typeof WorkloadMeasurementSchema>;

/** A measurement thrown away because the machine was too noisy, kept for the record. */
export const DiscardedMeasurementSchema = z.object({
  label: z.string(),
  reason: z.string(),
  steal_pct: z.number(),
  /** Interference gate: how much slower than the worker's reference its spin probe ran (the worse of before and after), percent. */
  probe_slowdown_pct: z.number().optional(),
});

export const RepeatRecordSchema = z.object({
  index: z.number().int().min(0),
  workloads: z.array(WorkloadMeasurementSchema),
  discarded: z.array(DiscardedMeasurementSchema).default([]),
});
export type RepeatRecord = z.infer<typeof RepeatRecordSchema>;

/** Who measured: identifies the host and CPU sets so that paired comparisons stay on one worker. */
export const WorkerIdentitySchema = z.object({
  name: z.string(),
  host: z.string(),
  kernel: z.string(),
  cpus: z.string(),
  client_cpus: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
});
export type WorkerIdentity = z.infer<typeof WorkerIdentitySchema>;

/** Mean, sample standard deviation, count, range, median and values of one metric over the repeats. */
export const MetricSummarySchema = z.object({
  mean: z.number(),
  sd: z.number(),
  n: z.number().int(),
  min: z.number(),
  max: z.number(),
  /** Median of the repeats: what tail-latency metrics are judged on (src/stats/robust-center.ts). Absent in results stored before it was recorded. */
  median: z.number().optional(),
  /** The per-repeat values themselves, in repeat order (absent in records stored before they were kept). */
  values: z.array(z.number()).optional(),
});
export type MetricSummary = z.infer<typeof MetricSummarySchema>;

export const TrialErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

/** What a worker stores for one trial, completed or failed. */
export const TrialResultSchema = z.object({
  schema: z.literal('alloctune.trial/1'),
  campaign_id: IdSchema,
  trial_id: IdSchema,
  status: z.enum(['completed', 'failed']),
  worker: WorkerIdentitySchema,
  allocator: AllocatorNameSchema,
  config: ConfigSchema,
  env: EnvMapSchema,
  /** The library the worker preloaded (its own configuration's); absent for glibc or a trial refused before start. */
  preload: z.string().max(4096).optional(),
  started_at: z.string(),
  finished_at: z.string(),
  duration_ms: z.number().min(0),
  repeats: z.array(RepeatRecordSchema),
  /** Keyed `<workload label>.<metric>`, e.g. `redis.rss_bytes_at_1000ms`, `harness:larson.ops_per_s`. */
  summary: z.record(z.string(), MetricSummarySchema),
  error: TrialErrorSchema.optional(),
  /** Set when the worker stopped after the first repeats because the job's cut rule fired: a completed trial with fewer repeats, never a full measurement. */
  cut_short: CutShortRecordSchema.optional(),
});
export type TrialResult = z.infer<typeof TrialResultSchema>;
