import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Allocators alloctune knows how to configure. */
export const ALLOCATORS = ['jemalloc', 'mimalloc', 'tcmalloc', 'glibc', 'hakmem'] as const;
export type AllocatorName = (typeof ALLOCATORS)[number];

/** Debian 12 shared objects that replace malloc() through LD_PRELOAD (glibc needs none; hakmem is user supplied). */
export const DEBIAN_LIBRARY_FILES: Partial<Record<AllocatorName, string>> = {
  jemalloc: 'libjemalloc.so.2',
  mimalloc: 'libmimalloc.so.2',
  tcmalloc: 'libtcmalloc_minimal.so.4',
};

/** Directories Debian installs shared libraries into, searched in this order. */
export const DEBIAN_LIBRARY_DIRS: readonly string[] = [join('/usr/lib', process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'), '/usr/lib', '/lib'];

/**
 * Absolute path of the Debian library for `allocator`, or undefined when the allocator has no
 * Debian library (glibc, hakmem) or the package is not installed.
 */
export function debianLibraryPath(allocator: AllocatorName): string | undefined {
  const file = DEBIAN_LIBRARY_FILES[allocator];
  if (file === undefined) return undefined;
  for (const dir of DEBIAN_LIBRARY_DIRS) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
