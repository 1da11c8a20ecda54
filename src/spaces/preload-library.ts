import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';
import type { SearchSpace } from '../core/search-space.js';
import { allocatorDefinition } from './allocator-registry.js';
import { DEBIAN_LIBRARY_DIRS, debianLibraryPath } from './debian-libraries.js';

/** ELF e_machine of this process's architecture; a library for another one cannot be preloaded. */
const ELF_MACHINE: Partial<Record<string, number>> = { x64: 62, arm64: 183 };

function missing(allocator: string, path: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_LIBRARY_MISSING', { allocator, path, reason });
}

/**
 * Checks that `path` is a 64-bit little-endian ELF shared object for this architecture: what
 * LD_PRELOAD can load. (The dynamic loader may still refuse it for missing dependencies; the
 * harness probe catches that.)
 */
export function checkSharedObject(allocator: string, path: string): void {
  if (!isAbsolute(path)) throw missing(allocator, path, 'must be an absolute path');
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw missing(allocator, path, 'is not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof AlloctuneError) throw err;
    throw missing(allocator, path, 'does not exist or cannot be read');
  }
  const header = Buffer.alloc(20);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, header, 0, 20, 0);
  } catch {
    throw missing(allocator, path, 'cannot be read');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (size < 64 || header.readUInt32BE(0) !== 0x7f454c46) throw missing(allocator, path, 'is not an ELF file');
  if (header[4] !== 2 || header[5] !== 1) throw missing(allocator, path, 'is not a 64-bit little-endian ELF object');
  if (header.readUInt16LE(16) !== 3) throw missing(allocator, path, 'is not a shared object (ELF type is not ET_DYN)');
  const machine = ELF_MACHINE[process.arch];
  if (machine !== undefined && header.readUInt16LE(18) !== machine) throw missing(allocator, path, `is built for another architecture than ${process.arch}`);
}

/**
 * Where a preload library may come from: the worker's own configuration and environment, never a
 * job or a campaign (a campaign names an allocator, the worker decides which file that is).
 */
export interface PreloadOptions {
  /** Library per allocator name (worker config `libraries`); wins over everything else. */
  libraries?: Readonly<Record<string, string>> | undefined;
  /** Directory of allocator libraries (worker config `library_dir`), holding a definition's `library_files`; wins over the Debian paths. */
  libraryDir?: string | undefined;
  /** Environment to read a definition's `load.path_variable` (`HAKMEM_LIB`) from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** True when `file` is `dir` itself or below it. */
function within(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks that `path`, once symbolic links are followed, is a configured file or lies in a
 * configured directory: a symlink in `library_dir` pointing elsewhere is refused.
 */
function checkAllowedLocation(allocator: string, path: string, allowedFiles: readonly string[], allowedDirs: readonly string[]): void {
  const real = realOrSelf(path);
  const ok = allowedFiles.some((f) => realOrSelf(f) === real) || allowedDirs.some((d) => within(realOrSelf(d), real));
  if (!ok) throw missing(allocator, path, `resolves to ${real}, outside the library locations this worker is configured with`);
}

/**
 * The library to LD_PRELOAD for `space`'s allocator (a definition or its name), or undefined when it preloads nothing (glibc):
 * the worker's `libraries` entry or the definition's `path_variable`, else the first of its
 * `library_files` in the worker's `libraryDir`, else in Debian's library directories. Verified to sit
 * in one of those configured locations and to be a loadable ELF shared object; throws
 * ALLOCTUNE_ERR_LIBRARY_MISSING otherwise.
 */
export function resolvePreloadLibrary(space: string | Pick<SearchSpace, 'allocator' | 'load'>, options: PreloadOptions = {}): string | undefined {
  const { allocator, load } = typeof space === 'string' ? allocatorDefinition(space) : space;
  if (!load.preload) return undefined;
  const fromVariable = load.path_variable === undefined ? undefined : (options.env ?? process.env)[load.path_variable];
  const configured = options.libraries?.[allocator] ?? (fromVariable === '' ? undefined : fromVariable);
  const dir = options.libraryDir;
  const inDir = dir === undefined ? undefined : load.library_files.map((f) => join(dir, f)).find((f) => existsSync(f));
  const path = configured ?? inDir ?? debianLibraryPath(load);
  if (path === undefined) {
    const ways = [`libraries.${allocator} or library_dir in the worker config`];
    if (load.path_variable !== undefined) ways.push(load.path_variable);
    const install = load.debian_package === undefined ? '' : `, or install the Debian package (apt-get install ${load.debian_package})`;
    throw missing(allocator, '(none)', `this worker has no ${load.library_files.join(' or ') || 'library for it'}: set ${ways.join(', or ')}${install}`);
  }
  if (!isAbsolute(path)) throw missing(allocator, path, 'must be an absolute path');
  const dirs = [...(dir === undefined ? [] : [dir]), ...DEBIAN_LIBRARY_DIRS];
  checkAllowedLocation(allocator, path, configured === undefined ? [] : [configured], dirs);
  checkSharedObject(allocator, path);
  return path;
}
