import { AlloctuneError } from '../src/core/alloctune-error.js';
import { definitionSha256 } from '../src/core/definition-snapshot.js';
import type { SearchSpace } from '../src/core/search-space.js';
import type { TrialJob } from '../src/core/trial-job.js';
import { allocatorDefinition, definitionViewOf, loadRegistry } from '../src/spaces/index.js';

/** The definition a job runs with on this worker, and the registered name its library is found under. */
export interface JobDefinition {
  definition: SearchSpace;
  /** The worker's own definition the job's is a view over (its `libraries` entry, its advertised name). */
  base: string;
}

function refused(field: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason });
}

/**
 * The definition of `job`. A job from a campaign carries its snapshot: the worker checks that the
 * content hashes to the job's sha256 and that it is a view over a definition this worker loads
 * itself (src/spaces/definition-view.ts: same library, identity, encoding and read-back, only
 * documented knobs and complaint patterns); then it runs from the snapshot, so that what the
 * campaign searched is what runs even when the worker's file has other ranges. Anything else is
 * refused before a process starts, the message naming both hashes: the job's and that of the
 * worker's own definition. A job without a snapshot (older services) runs the worker's definition.
 */
export function jobDefinition(job: Pick<TrialJob, 'allocator' | 'definition'>, definitions: ReadonlyMap<string, SearchSpace> = loadRegistry().definitions): JobDefinition {
  const copy = job.definition;
  if (copy === undefined) return { definition: allocatorDefinition(job.allocator), base: job.allocator };
  const { content } = copy;
  if (content.allocator !== job.allocator) throw refused('definition.content.allocator', `the job runs ${job.allocator} with a definition of '${content.allocator}'`);
  const actual = definitionSha256(content);
  if (actual !== copy.sha256) throw refused('definition.sha256', `the job says sha256 ${copy.sha256}, but its definition hashes to ${actual}: refused, nothing run`);
  const outcome = definitionViewOf(content, definitions);
  const base = outcome.base;
  if (base === undefined || outcome.problems.length > 0) {
    const own = base === undefined ? `this worker loads no definition it could stand on (it loads ${[...definitions.keys()].sort().join(', ')})` : `this worker's ${base.allocator} is ${base.file} (sha256 ${definitionSha256(definitionOnly(base))})`;
    const why = outcome.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw refused('definition', `the job's definition of ${job.allocator} (sha256 ${copy.sha256}) is not one this worker runs: ${own}; ${why}`);
  }
  const via = base.allocator === content.allocator ? base.file : `a view over ${base.allocator} (${base.file})`;
  return { definition: { ...content, file: `the campaign's definition of ${content.allocator} (sha256 ${copy.sha256.slice(0, 16)}; ${via})` }, base: base.allocator };
}

function definitionOnly(space: SearchSpace): Omit<SearchSpace, 'file'> {
  const { file: _file, ...content } = space;
  return content;
}
