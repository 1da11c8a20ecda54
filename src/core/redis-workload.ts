import { z } from 'zod';
import { MIN_MEASURED_REQUESTS, RedisCommandMixSchema } from './redis-command-mix.js';
import { serverConfigProblems } from './redis-server-directives.js';
import { TraceNameSchema } from './trace-name.js';

/**
 * One load phase stream: `keys` random keys of `value_bytes` each (redis-benchmark -r keys). The value
 * travels as one command-line argument, which Linux caps at 128 KiB (MAX_ARG_STRLEN).
 */
export const RedisLoadStreamSchema = z.object({
  value_bytes: z.number().int().min(1).max(100_000),
  keys: z.number().int().min(1).max(5_000_000),
});

/**
 * Parameters of the Redis workload (see shared/reference/redis-measurement.md §3): mixed-size load,
 * scattered delete, memory snapshots at fixed offsets after the delete, a pipelined throughput phase
 * and a sequential latency phase measured by native/rttprobe.
 */
export const RedisWorkloadOptionsSchema = z.object({
  load: z
    .array(RedisLoadStreamSchema)
    .min(1)
    .max(8)
    .default([
      { value_bytes: 64, keys: 120_000 },
      { value_bytes: 512, keys: 100_000 },
      { value_bytes: 4096, keys: 60_000 },
      { value_bytes: 20_000, keys: 20_000 },
    ]),
  /**
   * A command mix (redis-command-mix.ts) run in place of `load`, stream by stream, with memory read
   * after each; its delete streams replace the default delete phase (`delete_fraction` is unused).
   */
  mix: RedisCommandMixSchema.optional(),
  /**
   * A captured command file of the worker's trace directory (`alloctune trace redis-import`), replayed
   * with `redis-cli --pipe` at the start of the load phase, in place of `load` (before `mix`, if any).
   */
  capture: TraceNameSchema.optional(),
  /** Fraction of the loaded keys deleted, chosen by key suffix so holes are scattered. */
  delete_fraction: z.number().min(0).max(1).default(0.6),
  /** Memory snapshots at these offsets after the delete returns (fixed times: CV 0.1-0.3%). */
  snapshot_offsets_ms: z.array(z.number().int().min(0).max(120_000)).min(1).max(10).default([1000, 12_000]),
  throughput: z
    .object({
      enabled: z.boolean().default(true),
      // redis-benchmark times each test in whole milliseconds: a few thousand pipelined requests can
      // end inside one and print "inf" (MIN_MEASURED_REQUESTS, as for a command mix's measured streams).
      requests: z.number().int().min(MIN_MEASURED_REQUESTS).max(10_000_000).default(1_000_000),
      pipeline: z.number().int().min(1).max(256).default(16),
      clients: z.number().int().min(1).max(1000).default(50),
      value_bytes: z.number().int().min(1).max(1_000_000).default(256),
    })
    .prefault({}),
  latency: z
    .object({
      enabled: z.boolean().default(true),
      requests: z.number().int().min(100).max(10_000_000).default(50_000),
      value_bytes: z.number().int().min(1).max(1_000_000).default(256),
    })
    .prefault({}),
  /**
   * redis-server directives passed as arguments, e.g. {"jemalloc-bg-thread": "no"}: only those of the
   * allow-list in redis-server-directives.ts, each value checked by its rule.
   */
  server_config: z
    .record(z.string().max(64), z.string().max(64))
    .superRefine((config, ctx) => {
      for (const p of serverConfigProblems(config)) ctx.addIssue({ code: 'custom', path: [p.directive], message: p.message });
    })
    .default({}),
});
export type RedisWorkloadOptions = z.infer<typeof RedisWorkloadOptionsSchema>;
