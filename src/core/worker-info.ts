import { z } from 'zod';
import { RedisServerInfoSchema } from './redis-server-build.js';
import { WorkerIdentitySchema } from './trial-result.js';

/** An allocator library found on a worker host, with the version `allocbench --probe` read when it could. */
export const AvailableAllocatorSchema = z.object({
  name: z.string(),
  /** Shared object preloaded for it; null for glibc (nothing to preload). */
  path: z.string().nullable(),
  version: z.string().nullable(),
});

/** What a worker publishes about itself in the registry, refreshed by its heartbeat. */
export const WorkerInfoSchema = WorkerIdentitySchema.extend({
  pid: z.number().int(),
  concurrency: z.number().int().min(1),
  /** BullMQ queues the worker takes trials from (one per subset of its labels). */
  queues: z.array(z.string()),
  allocators: z.array(AvailableAllocatorSchema),
  /** The redis-server of each allocator it has one configured for, and its default one; absent from workers older than this field. */
  redis_servers: z.array(RedisServerInfoSchema).optional(),
  /** Names of the commands its config allow-lists (never their command lines); absent from workers older than this field. */
  commands: z.array(z.string()).optional(),
  /** Names of the traces and Redis captures in its trace directory; absent from workers older than this field. */
  traces: z.object({ trace: z.array(z.string()), redis_capture: z.array(z.string()) }).optional(),
  started_at: z.string(),
  /** Milliseconds since the epoch of the last heartbeat. */
  last_seen_ms: z.number(),
  /** Trials currently running on it. */
  active_trials: z.array(z.string()).default([]),
});
export type WorkerInfo = z.infer<typeof WorkerInfoSchema>;
export type AvailableAllocator = z.infer<typeof AvailableAllocatorSchema>;
