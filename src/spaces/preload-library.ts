import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';
import { debianLibraryPath, type AllocatorName } from './debian-libraries.js';

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

/** Where a preload library may come from besides the Debian packages. */
export interface PreloadOptions {
  /** Explicit library (a campaign's hakmem build); wins over `HAKMEM_LIB`. */
  libraryPath?: string;
  /** Environment to read `HAKMEM_LIB` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The library to LD_PRELOAD for `allocator`, or undefined for glibc. Debian paths for jemalloc,
 * mimalloc and tcmalloc; hakmem from `libraryPath` or `HAKMEM_LIB`. Throws
 * ALLOCTUNE_ERR_LIBRARY_MISSING when it is absent or not a loadable shared object.
 */
export function resolvePreloadLibrary(allocator: AllocatorName, options: PreloadOptions = {}): string | undefined {
  if (allocator === 'glibc') return undefined;
  let path: string | undefined = options.libraryPath;
  if (path === undefined && allocator === 'hakmem') {
    path = (options.env ?? process.env)['HAKMEM_LIB'];
    if (path === undefined || path === '') throw missing(allocator, '(none)', 'set HAKMEM_LIB or give the campaign a library path to libhakmem.so');
  }
  if (path === undefined) {
    path = debianLibraryPath(allocator);
    if (path === undefined) throw missing(allocator, '(Debian package)', 'not installed; run the bootstrap (apt-get install libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4)');
  }
  checkSharedObject(allocator, path);
  return path;
}
