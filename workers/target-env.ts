import { existsSync } from 'node:fs';
import { AlloctuneError } from '../src/core/alloctune-error.js';
import type { TrialJob } from '../src/core/trial-job.js';
import { debianLibraryPath } from '../src/spaces/debian-libraries.js';

/** Where the worker finds libraries that have no Debian package. */
export interface LibraryOverrides {
  /** hakmem shared object on this host (worker config `hakmem_lib` or env `HAKMEM_LIB`). */
  hakmemLib?: string | undefined;
}

/** The shared object to preload for the job's allocator on this host; undefined for glibc. */
export function preloadLibrary(job: Pick<TrialJob, 'allocator' | 'library_path'>, overrides: LibraryOverrides = {}): string | undefined {
  if (job.allocator === 'glibc') return undefined;
  const path = job.allocator === 'hakmem' ? (job.library_path ?? overrides.hakmemLib) : (job.library_path ?? debianLibraryPath(job.allocator));
  if (path === undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_LIBRARY_MISSING', {
      allocator: job.allocator,
      path: '(none)',
      reason: job.allocator === 'hakmem' ? 'set hakmem_lib in the worker config or HAKMEM_LIB' : 'Debian package not installed',
    });
  }
  if (!existsSync(path)) throw new AlloctuneError('ALLOCTUNE_ERR_LIBRARY_MISSING', { allocator: job.allocator, path, reason: 'no such file' });
  return path;
}

/**
 * The complete environment of a target: a fixed PATH, the job's encoded variables and LD_PRELOAD.
 * Nothing else is inherited, so that a stray MALLOC_CONF of the worker's own shell cannot leak in.
 */
export function targetEnv(job: Pick<TrialJob, 'allocator' | 'library_path' | 'env'>, overrides: LibraryOverrides = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin', ...job.env };
  delete env['LD_PRELOAD'];
  const lib = preloadLibrary(job, overrides);
  if (lib !== undefined) env['LD_PRELOAD'] = lib;
  return env;
}
