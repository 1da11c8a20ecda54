import { z } from 'zod';

/** Round-trip statistics of one kind of request, in microseconds (histogram buckets: <= 1/128 wide). */
export const RttStatsSchema = z.object({
  count: z.number().int().min(0),
  min_us: z.number().min(0),
  mean_us: z.number().min(0),
  p50_us: z.number().min(0),
  p90_us: z.number().min(0),
  p99_us: z.number().min(0),
  p999_us: z.number().min(0),
  max_us: z.number().min(0),
});
export type RttStats = z.infer<typeof RttStatsSchema>;

/** The JSON document printed by native/rttprobe (schema alloctune.rttprobe/1). */
export const RttProbeResultSchema = RttStatsSchema.extend({
  schema: z.literal('alloctune.rttprobe/1'),
  host: z.string(),
  port: z.number().int(),
  op: z.enum(['mixed', 'set', 'get']),
  requests: z.number().int(),
  warmup: z.number().int(),
  value_bytes: z.number().int(),
  keys: z.number().int(),
  errors: z.number().int().min(0),
  duration_ms: z.number().min(0),
  by_op: z.object({ set: RttStatsSchema, get: RttStatsSchema }),
});
export type RttProbeResult = z.infer<typeof RttProbeResultSchema>;
