import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';
import { DEBIAN_LIBRARY_DIRS, DEBIAN_LIBRARY_FILES, debianLibraryPath, type AllocatorName } from './debian-libraries.js';

/** ELF e_machine of this process's architecture; a library for another one cannot be preloaded. */
const ELF_MACHINE: Partial<Record<string, number>> = { x64: 62, arm64: 183 };

function missing(allocator: AllocatorName, path: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_LIBRARY_MISSING', { allocator, path, reason });
}

/**
 * Checks that `path` is a 64-bit little-endian ELF shared object for this architecture: what
 * LD_PRELOAD can load. (The dynamic loader may still refuse it for missing dependencies; the
 * harness probe catches that.)
 */
export function checkSharedObject(allocator: AllocatorName, path: string): void {
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

/** File name of each allocator's library in a worker's `library_dir`: the Debian soname, `libhakmem.so` for hakmem. */
export const LIBRARY_DIR_FILES: Partial<Record<AllocatorName, string>> = { ...DEBIAN_LIBRARY_FILES, hakmem: 'libhakmem.so' };

/**
 * Where a preload library may come from: the worker's own configuration and environment, never a
 * job or a campaign (a campaign names an allocator, the worker decides which file that is).
 */
export interface PreloadOptions {
  /** hakmem shared object (worker config `hakmem_lib`); wins over `HAKMEM_LIB`. */
  hakmemLib?: string | undefined;
  /** Directory of allocator libraries (worker config `library_dir`), named as in {@link LIBRARY_DIR_FILES}; wins over the Debian paths. */
  libraryDir?: string | undefined;
  /** Environment to read `HAKMEM_LIB` from; default `process.env`. */
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
function checkAllowedLocation(allocator: AllocatorName, path: string, allowedFiles: readonly string[], allowedDirs: readonly string[]): void {
  const real = realOrSelf(path);
  const ok = allowedFiles.some((f) => realOrSelf(f) === real) || allowedDirs.some((d) => within(realOrSelf(d), real));
  if (!ok) throw missing(allocator, path, `resolves to ${real}, outside the library locations this worker is configured with`);
}

/**
 * The library to LD_PRELOAD for `allocator`, or undefined for glibc: `<libraryDir>/<file>` when the
 * worker declares a library directory holding one, else the Debian path (jemalloc, mimalloc,
 * tcmalloc) or `hakmemLib` / `HAKMEM_LIB` (hakmem). Verified to sit in one of those configured
 * locations and to be a loadable ELF shared object; throws ALLOCTUNE_ERR_LIBRARY_MISSING otherwise.
 */
export function resolvePreloadLibrary(allocator: AllocatorName, options: PreloadOptions = {}): string | undefined {
  if (allocator === 'glibc') return undefined;
  const fromEnv = (options.env ?? process.env)['HAKMEM_LIB'];
  const hakmemLib = options.hakmemLib ?? (fromEnv === '' ? undefined : fromEnv);
  const dirFile = LIBRARY_DIR_FILES[allocator];
  const inDir = options.libraryDir !== undefined && dirFile !== undefined && existsSync(join(options.libraryDir, dirFile)) ? join(options.libraryDir, dirFile) : undefined;
  let path: string | undefined;
  if (allocator === 'hakmem') {
    path = hakmemLib ?? inDir;
    if (path === undefined) throw missing(allocator, '(none)', 'this worker has no libhakmem.so: set hakmem_lib or library_dir in its config, or HAKMEM_LIB');
  } else {
    path = inDir ?? debianLibraryPath(allocator);
    if (path === undefined) throw missing(allocator, '(Debian package)', 'not installed; run the bootstrap (apt-get install libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4)');
  }
  if (!isAbsolute(path)) throw missing(allocator, path, 'must be an absolute path');
  const dirs = [...(options.libraryDir === undefined ? [] : [options.libraryDir]), ...(allocator === 'hakmem' ? [] : DEBIAN_LIBRARY_DIRS)];
  checkAllowedLocation(allocator, path, allocator === 'hakmem' && hakmemLib !== undefined ? [hakmemLib] : [], dirs);
  checkSharedObject(allocator, path);
  return path;
}
