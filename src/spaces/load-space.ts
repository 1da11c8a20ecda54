import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import { AlloctuneError } from '../core/alloctune-error.js';
import { SpaceFileSchema, type SearchSpace, type SpaceOverridesInput } from '../core/search-space.js';
import type { AllocatorName } from './debian-libraries.js';
import { REPO_ROOT } from '../proc/repo-paths.js';
import { applyOverrides } from './apply-overrides.js';

/** Directory of the shipped space files. */
export const SPACES_DIR = join(REPO_ROOT, 'search-spaces');

/** `$.parameters[3].min` from a zod issue path. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : `${acc}.${String(part)}`), '$');
}

function describeIssue(file: string, issue: z.core.$ZodIssue, data: unknown): AlloctuneError {
  let reason = issue.message;
  // Name the parameter as well as its index, since files are edited by name.
  const [list, index] = issue.path;
  if ((list === 'parameters' || list === 'extras') && typeof index === 'number') {
    const entries = (data as Record<string, unknown>)[list];
    const entry = Array.isArray(entries) ? (entries[index] as { name?: unknown } | undefined) : undefined;
    if (typeof entry?.name === 'string') reason = `${reason} (parameter '${entry.name}')`;
  }
  return new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: jsonPath(issue.path), reason });
}

/** Reads and validates one space file; ALLOCTUNE_ERR_SPACE_FILE names the file, JSON path and reason. */
export function loadSpaceFile(file: string): SearchSpace {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: '$', reason: `cannot read: ${(err as Error).message}` });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: '$', reason: `not JSON: ${(err as Error).message}` });
  }
  const parsed = SpaceFileSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    if (first) throw describeIssue(file, first, data);
    throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: '$', reason: parsed.error.message });
  }
  return { ...parsed.data, file };
}

/**
 * The search space of `allocator` from `search-spaces/<allocator>.json`, with per-campaign
 * overrides applied (add documented extras, drop, narrow, freeze).
 */
export function loadSpace(allocator: AllocatorName, overrides?: SpaceOverridesInput, dir: string = SPACES_DIR): SearchSpace {
  const space = loadSpaceFile(join(dir, `${allocator}.json`));
  if (space.allocator !== allocator) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file: space.file, path: '$.allocator', reason: `says '${space.allocator}', expected '${allocator}'` });
  }
  return overrides === undefined ? space : applyOverrides(space, overrides);
}

/** One line of `alloctune space list`. */
export interface SpaceSummary {
  allocator: AllocatorName;
  file: string;
  library: string;
  parameter_count: number;
  extra_count: number;
}

/** Every space shipped in `search-spaces/`, validated. */
export function listSpaces(dir: string = SPACES_DIR): SpaceSummary[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const space = loadSpaceFile(join(dir, f));
      if (basename(f, '.json') !== space.allocator) {
        throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file: space.file, path: '$.allocator', reason: `file name and allocator '${space.allocator}' differ` });
      }
      return {
        allocator: space.allocator,
        file: space.file,
        library: space.library,
        parameter_count: space.parameters.length,
        extra_count: space.extras.length,
      };
    });
}
