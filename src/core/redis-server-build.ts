import { z } from 'zod';
import type { SearchSpace } from './search-space.js';

/**
 * A redis-server a worker is configured with, as it advertises it: for which allocator (absent:
 * its default, used for every allocator without one of its own), where, and the allocator it is
 * built with (`malloc=` of `redis-server --version`: `jemalloc-5.3.0`, `libc`), or why it cannot run.
 */
export const RedisServerInfoSchema = z.object({
  allocator: z.string().optional(),
  path: z.string(),
  /** null when it could not be asked (see `problem`). */
  malloc: z.string().nullable(),
  problem: z.string().optional(),
});
export type RedisServerInfo = z.infer<typeof RedisServerInfoSchema>;

/** `malloc=` of `redis-server --version` output (`Redis server v=7.0.15 sha=... malloc=jemalloc-5.3.0 bits=64 ...`), or null. */
export function redisBuildMalloc(versionText: string): string | null {
  return /\bmalloc=(\S+)/.exec(versionText)?.[1] ?? null;
}

/**
 * Why a redis-server built with `malloc` cannot measure `definition`'s allocator, or undefined when
 * it can. One built with libc malloc uses whatever serves malloc() (the preloaded library, or
 * glibc). One built with its own allocator (Debian's: jemalloc) keeps that allocator's statistics
 * even when another one is preloaded over it, so it measures only the allocator whose statistics
 * API it is (the Redis runner's serving check, workers/runners/redis/serving-allocator.ts).
 */
export function redisBuildProblem(definition: Pick<SearchSpace, 'allocator' | 'readback'>, malloc: string): string | undefined {
  const family = /^[a-z]+/.exec(malloc)?.[0] ?? malloc;
  if (family === 'libc') return undefined;
  const api = definition.readback.kind === 'stats-api' ? definition.readback.api : undefined;
  if (api === family) return undefined;
  return `it is built with ${malloc} (malloc=${malloc}), which keeps serving or reporting Redis's heap when ${definition.allocator} is preloaded`;
}
