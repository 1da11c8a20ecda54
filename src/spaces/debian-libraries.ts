import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AllocatorLoad } from '../core/search-space.js';
import { loadRegistry } from './allocator-registry.js';

/** Directories Debian installs shared libraries into, searched in this order. */
export const DEBIAN_LIBRARY_DIRS: readonly string[] = [join('/usr/lib', process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu'), '/usr/lib', '/lib'];

/**
 * Absolute path of the first of a definition's `library_files` (given by allocator name or its
 * `load`) installed in a Debian library directory, or undefined (nothing to preload, or the package
 * is not installed, or no definition of that name is loaded).
 */
export function debianLibraryPath(allocator: string | AllocatorLoad): string | undefined {
  const load = typeof allocator === 'string' ? loadRegistry().definitions.get(allocator)?.load : allocator;
  if (load === undefined || !load.preload) return undefined;
  for (const file of load.library_files) {
    for (const dir of DEBIAN_LIBRARY_DIRS) {
      const candidate = join(dir, file);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}
