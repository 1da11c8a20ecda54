import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import { basename } from 'node:path';
import type { SearchSpace } from '../../../src/core/search-space.js';
import { loadRegistry } from '../../../src/spaces/index.js';

/** Which allocator a running redis-server is built for and whether that allocator really serves its heap. */
export interface ServingAllocator {
  /** Family named by INFO `mem_allocator` (`jemalloc-5.3.0` -> jemalloc, `libc` -> glibc). */
  name: string;
  version: string;
  /** False when the built-in allocator's own counters show it holds almost none of Redis's memory. */
  serving: boolean;
  evidence: string;
}

function family(memAllocator: string): { name: string; version: string } {
  const m = /^([a-z]+)-?(.*)$/.exec(memAllocator);
  const raw = m?.[1] ?? memAllocator;
  return { name: raw === 'libc' ? 'glibc' : raw, version: m?.[2] ?? '' };
}

/**
 * Reads INFO `mem_allocator` and, for jemalloc, compares `allocator_allocated` with `used_memory`:
 * when another allocator is preloaded into Debian's jemalloc-linked redis-server it takes malloc()
 * over, and jemalloc's counters stay near 28 KB while used_memory is about 900 KB on an empty
 * server (measured; allocator-knobs.md §2.1). With jemalloc serving, allocated exceeds used_memory.
 */
export function servingAllocator(info: Record<string, string>): ServingAllocator {
  const memAllocator = info['mem_allocator'] ?? 'unknown';
  const { name, version } = family(memAllocator);
  const used = Number(info['used_memory']);
  const allocated = Number(info['allocator_allocated']);
  if (name !== 'jemalloc' || !Number.isFinite(used) || !Number.isFinite(allocated) || used <= 0) {
    return { name, version, serving: true, evidence: `mem_allocator:${memAllocator}` };
  }
  const serving = allocated >= 0.5 * used;
  return { name, version, serving, evidence: `mem_allocator:${memAllocator}, allocator_allocated ${allocated} B vs used_memory ${used} B` };
}

/** The definition whose library file the preloaded path is, or the path itself. */
function preloadedAllocator(ldPreload: string | undefined): string | undefined {
  if (ldPreload === undefined || ldPreload === '') return undefined;
  const file = basename(ldPreload);
  const owner = [...loadRegistry().definitions.values()].find((d) => d.load.library_files.includes(file));
  return owner?.allocator ?? `the preloaded ${ldPreload}`;
}

/**
 * Fails with ALLOCTUNE_ERR_WRONG_ALLOCATOR unless the allocator Redis reports is the one under test.
 * A redis-server built with libc malloc uses whatever serves malloc() (checked by the identity
 * recorder); one built with its own allocator (Debian's: jemalloc) measures that allocator only, so
 * the definition must read back through that allocator's statistics API (`readback.api`) and that
 * allocator must hold Redis's heap. A preloaded tcmalloc or mimalloc does take malloc() away from
 * Debian's jemalloc build, but Redis keeps reporting jemalloc's statistics (frag ratios,
 * MALLOC-STATS), so the trial could not measure the allocator under test.
 */
export function assertServingAllocator(expected: string, definition: Pick<SearchSpace, 'readback'>, serving: ServingAllocator, ldPreload: string | undefined): void {
  if (serving.name === 'glibc') return;
  const api = definition.readback.kind === 'stats-api' ? definition.readback.api : undefined;
  if (api === serving.name && serving.serving) return;
  const preloaded = preloadedAllocator(ldPreload);
  let actual: string;
  if (api !== serving.name && serving.serving) {
    actual = `${serving.name}-${serving.version}, which redis-server is built with (${serving.evidence})`;
  } else if (api !== serving.name) {
    actual =
      `${preloaded ?? 'an unknown allocator'}, but redis-server is built with ${serving.name}-${serving.version} and reports ` +
      `that allocator's statistics, which are meaningless now (${serving.evidence})`;
  } else {
    actual = `${preloaded ?? 'another allocator'}, not redis-server's own ${serving.name}-${serving.version} (${serving.evidence})`;
  }
  throw new AlloctuneError('ALLOCTUNE_ERR_WRONG_ALLOCATOR', {
    expected,
    actual,
    built_with: `${serving.name}-${serving.version}`,
    ...(preloaded === undefined ? {} : { preloaded }),
  });
}
