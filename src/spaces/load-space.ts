import { join } from 'node:path';
import { AlloctuneError } from '../core/alloctune-error.js';
import type { SearchSpace, SpaceOverridesInput } from '../core/search-space.js';
import { allocatorDefinition, loadRegistry, type SpaceFileProblem } from './allocator-registry.js';
import { applyOverrides } from './apply-overrides.js';
import { loadSpaceFile } from './load-space-file.js';

/**
 * The search space of `allocator` from the registry (or from `<dir>/<allocator>.json` when `dir` is
 * given), with per-campaign overrides applied (add documented extras, drop, narrow, freeze).
 */
export function loadSpace(allocator: string, overrides?: SpaceOverridesInput, dir?: string): SearchSpace {
  let space: SearchSpace;
  if (dir === undefined) {
    space = allocatorDefinition(allocator);
  } else {
    space = loadSpaceFile(join(dir, `${allocator}.json`));
    if (space.allocator !== allocator) {
      throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file: space.file, path: '$.allocator', reason: `says '${space.allocator}', expected '${allocator}'` });
    }
  }
  return overrides === undefined ? space : applyOverrides(space, overrides);
}

/** One line of `alloctune space list`. */
export interface SpaceSummary {
  allocator: string;
  file: string;
  library: string;
  parameter_count: number;
  extra_count: number;
}

/** Every loaded definition, sorted by name, and the files skipped with their reasons. */
export function listSpaces(): { spaces: SpaceSummary[]; problems: SpaceFileProblem[] } {
  const registry = loadRegistry();
  const spaces = [...registry.definitions.values()]
    .sort((a, b) => (a.allocator < b.allocator ? -1 : 1))
    .map((space) => ({
      allocator: space.allocator,
      file: space.file,
      library: space.library,
      parameter_count: space.parameters.length,
      extra_count: space.extras.length,
    }));
  return { spaces, problems: [...registry.problems] };
}
