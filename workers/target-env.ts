import type { TrialJob } from '../src/core/trial-job.js';
import { resolvePreloadLibrary, type PreloadOptions } from '../src/spaces/preload-library.js';

/** Where the worker finds libraries that have no Debian package. */
export interface LibraryOverrides {
  /** hakmem shared object on this host (worker config `hakmem_lib` or env `HAKMEM_LIB`). */
  hakmemLib?: string | undefined;
}

/**
 * The shared object to preload for the job's allocator on this host; undefined for glibc. The job's
 * own library path wins, then (hakmem) the worker's; checked to be a loadable ELF shared object.
 */
export function preloadLibrary(job: Pick<TrialJob, 'allocator' | 'library_path'>, overrides: LibraryOverrides = {}): string | undefined {
  const options: PreloadOptions = { env: overrides.hakmemLib === undefined ? {} : { HAKMEM_LIB: overrides.hakmemLib } };
  if (job.library_path !== undefined) options.libraryPath = job.library_path;
  return resolvePreloadLibrary(job.allocator, options);
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
