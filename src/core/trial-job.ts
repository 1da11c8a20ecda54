import { z } from 'zod';
import { ConfigSchema } from './config.js';
import { DefinitionCopySchema } from './definition-snapshot.js';
import { RedisWorkloadOptionsSchema } from './redis-workload.js';
import { EnvMapSchema, IdSchema, mapKey } from './safe-text.js';
import { TraceNameSchema } from './trace-name.js';

import { AllocatorNameSchema } from './allocator-name.js';
import { CutShortJobSchema } from './cut-short.js';

export { AllocatorNameSchema };

const LabelSchema = z.string().regex(/^[a-z][a-z0-9:_-]{0,63}$/);
const HarnessArgValueSchema = z.union([z.number(), z.string().regex(/^[A-Za-z0-9_.,:-]{1,64}$/)]);

/** What a trial runs; each workload yields metrics under its label. */
export const WorkloadSpecSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('harness'),
    workload: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    args: z.record(mapKey(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/)), HarnessArgValueSchema).default({}),
    label: LabelSchema.optional(),
  }).strict(),
  z.object({
    kind: z.literal('redis'),
    options: RedisWorkloadOptionsSchema.prefault({}),
    label: LabelSchema.optional(),
  }).strict(),
  z.object({
    kind: z.literal('command'),
    /** Name of a command allow-listed in the worker's own config file; never a command line. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
    label: LabelSchema.optional(),
  }).strict(),
  z.object({
    kind: z.literal('trace'),
    /** Name of a recorded allocation trace in the worker's trace directory (`worker --traces DIR`); never a path. */
    trace: TraceNameSchema,
    /** `asap`: every call as soon as the previous one (and the call on the same object) is done; `recorded`: at its recorded time. */
    pace: z.enum(['asap', 'recorded']).default('asap'),
    /** RSS read this many ms after the last replayed call (the trace's leftovers still live): metrics `rss_bytes_at_<N>ms`. */
    snapshot_offsets_ms: z.array(z.number().int().min(0).max(120_000)).min(1).max(10).default([0, 1000]),
    label: LabelSchema.optional(),
  }).strict(),
]);
export type WorkloadSpec = z.infer<typeof WorkloadSpecSchema>;

/** Label under which a workload's metrics are reported: explicit, else `harness:NAME`, `redis`, `command:NAME`, `trace:NAME`. */
export function workloadLabel(spec: WorkloadSpec): string {
  if (spec.label !== undefined) return spec.label;
  if (spec.kind === 'harness') return `harness:${spec.workload}`;
  if (spec.kind === 'command') return `command:${spec.name}`;
  if (spec.kind === 'trace') return `trace:${spec.trace}`;
  return 'redis';
}

/**
 * One trial as queued for a worker. The job id is derived from campaign and trial ids. Strict: a job
 * carrying a field workers do not know (a `library_path` of older versions, ...) is refused whole.
 */
export const TrialJobSchema = z.strictObject({
  campaign_id: IdSchema,
  trial_id: IdSchema,
  allocator: AllocatorNameSchema,
  /** The configuration under test, for the record (already encoded into `env`). */
  config: ConfigSchema,
  /**
   * Encoded allocator variables (MALLOC_CONF, GLIBC_TUNABLES, MIMALLOC_*, ...); empty for the
   * untouched defaults. Workers refuse anything outside the allocator's own variables, and choose
   * the library to preload themselves: a job names an allocator, never a file.
   */
  env: EnvMapSchema,
  /**
   * The campaign's snapshot of the allocator definition and its sha256. The worker recomputes the
   * hash, and runs from this copy only when it is a view over a definition the worker loads itself
   * (same library, identity, read-back; its documented knobs: src/spaces/definition-view.ts); else it
   * refuses the job naming both hashes. Absent (older services): the worker's own definition.
   */
  definition: DefinitionCopySchema.optional(),
  workloads: z.array(WorkloadSpecSchema).min(1).max(8),
  repeats: z.number().int().min(1).max(100).default(1),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** Per-phase timeout. */
  phase_timeout_ms: z.number().int().min(1000).max(3_600_000).default(300_000),
  /** A repeat measured with more CPU steal than this is re-run (at most `steal_max_reruns` times). */
  steal_max_pct: z.number().min(0).max(100).default(2),
  steal_max_reruns: z.number().int().min(0).max(10).default(3),
  /** Interference gate (workers/interference-gate.ts): re-run a repeat whose spin probe before or after it ran more than this many percent slower than the calibrated reference. Absent: off. */
  interference_max_slowdown_pct: z.number().min(1).max(1000).optional(),
  /**
   * Cut the trial short after `after_repeats` repeats when it is already beyond a limit (src/core/cut-short.ts).
   * Absent: every repeat runs. Numbers and summary keys of the job's own workloads only.
   */
  cut_short: CutShortJobSchema.optional(),
  /** Worker routing: every label listed must match the worker's labels. */
  worker_labels: z.record(z.string(), z.string()).default({}),
}).superRefine((job, ctx) => {
  const cut = job.cut_short;
  if (!cut) return;
  if (cut.after_repeats >= job.repeats) {
    ctx.addIssue({ code: 'custom', path: ['cut_short', 'after_repeats'], message: `must be below repeats (${job.repeats})` });
  }
  const labels = job.workloads.map(workloadLabel);
  cut.limits.forEach((limit, i) => {
    if (!labels.some((label) => limit.metric.startsWith(`${label}.`))) {
      ctx.addIssue({ code: 'custom', path: ['cut_short', 'limits', i, 'metric'], message: `not a metric of the job's workloads (${labels.join(', ')})` });
    }
  });
});
export type TrialJob = z.infer<typeof TrialJobSchema>;
export type TrialJobInput = z.input<typeof TrialJobSchema>;

/** Deterministic BullMQ job id, so that re-enqueueing a trial never duplicates it. */
export function trialJobId(job: Pick<TrialJob, 'campaign_id' | 'trial_id'>): string {
  return `${job.campaign_id}--${job.trial_id}`;
}
