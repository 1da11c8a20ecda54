import { AlloctuneError } from '../src/core/alloctune-error.js';
import type { TrialJob } from '../src/core/trial-job.js';
import { allocatorDefinition, allocatorEnvProblems, resolvePreloadLibrary, type PreloadOptions } from '../src/spaces/index.js';

/** Where the worker finds allocator libraries: its own config (`libraries`, `library_dir`) and a definition's `path_variable`. */
export type LibraryOverrides = Pick<PreloadOptions, 'libraries' | 'libraryDir'>;

/**
 * The shared object to preload for `allocator` on this host; undefined for glibc. It comes from the
 * worker's configuration only (a job names an allocator, never a file) and is checked to sit in a
 * configured location and to be a loadable ELF shared object.
 */
export function preloadLibrary(job: Pick<TrialJob, 'allocator'>, overrides: LibraryOverrides = {}): string | undefined {
  return resolvePreloadLibrary(allocatorDefinition(job.allocator), overrides);
}

/**
 * Refuses a job whose environment carries anything but its allocator's own tuning variables (as the
 * allocator's search space defines them): LD_AUDIT, LD_LIBRARY_PATH, GCONV_PATH, PATH ... would load
 * code into the target or steer it. Throws ALLOCTUNE_ERR_INVALID_INPUT naming the variable.
 */
export function checkJobEnv(job: Pick<TrialJob, 'allocator' | 'env'>): void {
  const problems = allocatorEnvProblems(allocatorDefinition(job.allocator), job.env);
  const first = problems[0];
  if (first !== undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: `env.${first.name}`, reason: problems.map((p) => p.reason).join('; ') });
  }
}

/**
 * The complete environment of a target, built by the worker: a fixed PATH, the job's allocator
 * variables (checked by {@link checkJobEnv}) and LD_PRELOAD of the worker's own library. Nothing else
 * is inherited, so that a stray MALLOC_CONF of the worker's own shell cannot leak in.
 */
export function targetEnv(job: Pick<TrialJob, 'allocator' | 'env'>, overrides: LibraryOverrides = {}): Record<string, string> {
  checkJobEnv(job);
  const env: Record<string, string> = { ...job.env, PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin' };
  const lib = preloadLibrary(job, overrides);
  if (lib !== undefined) env['LD_PRELOAD'] = lib;
  return env;
}
