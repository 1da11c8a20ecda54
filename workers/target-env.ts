import { AlloctuneError } from '../src/core/alloctune-error.js';
import type { SearchSpace } from '../src/core/search-space.js';
import type { TrialJob } from '../src/core/trial-job.js';
import { allocatorEnvProblems, resolvePreloadLibrary, type PreloadOptions } from '../src/spaces/index.js';
import { jobDefinition, type JobDefinition } from './job-definition.js';

/** Where the worker finds allocator libraries: its own config (`libraries`, `library_dir`) and a definition's `path_variable`. */
export type LibraryOverrides = Pick<PreloadOptions, 'libraries' | 'libraryDir'>;

/**
 * The shared object to preload for `allocator` on this host; undefined for glibc. It comes from the
 * worker's configuration only (a job names an allocator, never a file) and is checked to sit in a
 * configured location and to be a loadable ELF shared object. A job's own definition is found under
 * its base's name (the worker's `libraries` entry of that name).
 */
export function preloadLibrary(job: Pick<TrialJob, 'allocator'> & Partial<Pick<TrialJob, 'definition'>>, overrides: LibraryOverrides = {}, resolved: JobDefinition = jobDefinition(job)): string | undefined {
  return resolvePreloadLibrary({ allocator: resolved.base, load: resolved.definition.load }, overrides);
}

/**
 * Refuses a job whose environment carries anything but its allocator's own tuning variables (as the
 * allocator's search space defines them): LD_AUDIT, LD_LIBRARY_PATH, GCONV_PATH, PATH ... would load
 * code into the target or steer it. Throws ALLOCTUNE_ERR_INVALID_INPUT naming the variable.
 */
export function checkJobEnv(job: Pick<TrialJob, 'env'>, definition: SearchSpace): void {
  const problems = allocatorEnvProblems(definition, job.env);
  const first = problems[0];
  if (first !== undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: `env.${first.name}`, reason: problems.map((p) => p.reason).join('; ') });
  }
}

/**
 * The complete environment of a target, built by the worker: a fixed PATH, the job's allocator
 * variables (checked by {@link checkJobEnv} against the job's definition as {@link jobDefinition}
 * accepted it) and LD_PRELOAD of the worker's own library. Nothing else is inherited, so that a
 * stray MALLOC_CONF of the worker's own shell cannot leak in.
 */
export function targetEnv(job: Pick<TrialJob, 'allocator' | 'env'> & Partial<Pick<TrialJob, 'definition'>>, overrides: LibraryOverrides = {}, resolved: JobDefinition = jobDefinition(job)): Record<string, string> {
  checkJobEnv(job, resolved.definition);
  const env: Record<string, string> = { ...job.env, PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin' };
  const lib = preloadLibrary(job, overrides, resolved);
  if (lib !== undefined) env['LD_PRELOAD'] = lib;
  return env;
}
