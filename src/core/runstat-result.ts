import { z } from 'zod';

/** The document `native/build/runstat` writes (see native/runstat/runstat.c): wait4() figures of one child. */
export const RunstatSchema = z.object({
  schema: z.literal('alloctune.runstat/1'),
  exit_code: z.number().int().nullable(),
  signal: z.number().int().nullable(),
  wall_ms: z.number(),
  user_ms: z.number(),
  sys_ms: z.number(),
  max_rss_bytes: z.number(),
  minor_faults: z.number(),
  major_faults: z.number(),
  voluntary_ctx: z.number(),
  involuntary_ctx: z.number(),
});
export type RunstatResult = z.infer<typeof RunstatSchema>;
