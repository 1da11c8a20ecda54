import { readdirSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { basename, join, resolve } from 'node:path';
import { AlloctuneError, isAlloctuneError } from '../core/alloctune-error.js';
import { AllocatorNameSchema } from '../core/allocator-name.js';
import type { SearchSpace } from '../core/search-space.js';
import { REPO_ROOT } from '../proc/repo-paths.js';
import { loadSpaceFile } from './load-space-file.js';

/** Directory of the shipped allocator definitions. */
export const SPACES_DIR = join(REPO_ROOT, 'search-spaces');

/** Environment variable naming extra definition directories, colon-separated. */
export const SPACES_DIR_VARIABLE = 'ALLOCTUNE_SPACES_DIR';

/** A definition file that was skipped, and why (the others still load). */
export interface SpaceFileProblem {
  file: string;
  /** JSON path of the offending value (`$` for the whole file). */
  path: string;
  reason: string;
}

/** Every loaded allocator definition, by name, and the files that could not be used. */
export interface AllocatorRegistry {
  definitions: ReadonlyMap<string, SearchSpace>;
  problems: readonly SpaceFileProblem[];
  /** Directories read, in order (shipped first). */
  dirs: readonly string[];
}

let configuredDirs: string[] = [];

/** Adds directories given on the command line (`--spaces DIR`), read after `ALLOCTUNE_SPACES_DIR`. */
export function configureSpacesDirs(dirs: readonly string[]): void {
  configuredDirs = dirs.map((d) => resolve(d));
}

/** The definition directories: `search-spaces/`, then `ALLOCTUNE_SPACES_DIR`, then `--spaces`. */
export function spacesDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = (env[SPACES_DIR_VARIABLE] ?? '').split(':').filter((d) => d !== '').map((d) => resolve(d));
  return [...new Set([SPACES_DIR, ...fromEnv, ...configuredDirs])];
}

/** `dir`'s JSON files with their modification stamps, or the reason it cannot be read. */
function listDir(dir: string): { files: string[]; stamp: string } | { problem: SpaceFileProblem } {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => join(dir, f));
    const stamp = files.map((f) => `${f}@${statSync(f).mtimeMs}`).join('|');
    return { files, stamp };
  } catch (err) {
    return { problem: { file: dir, path: '$', reason: `cannot read the spaces directory: ${(err as Error).message}` } };
  }
}

let cached: { key: string; registry: AllocatorRegistry } | undefined;

function problemOf(err: unknown, file: string): SpaceFileProblem {
  if (isAlloctuneError(err, 'ALLOCTUNE_ERR_SPACE_FILE')) {
    const p = err.params as { file?: unknown; path?: unknown; reason?: unknown };
    return { file: String(p.file ?? file), path: String(p.path ?? '$'), reason: String(p.reason ?? err.message) };
  }
  return { file, path: '$', reason: err instanceof Error ? err.message : String(err) };
}

/**
 * Loads every definition file of {@link spacesDirs}. A file that is not valid, whose name is not
 * its `allocator`, or that defines a name an earlier directory already defines is reported in
 * `problems` and skipped. Re-read when a directory's files change.
 */
export function loadRegistry(env: NodeJS.ProcessEnv = process.env): AllocatorRegistry {
  const dirs = spacesDirs(env);
  const listed = dirs.map(listDir);
  const key = listed.map((l, i) => ('files' in l ? l.stamp : `!${dirs[i] ?? ''}`)).join('\n');
  if (cached?.key === key) return cached.registry;
  const definitions = new Map<string, SearchSpace>();
  const problems: SpaceFileProblem[] = [];
  for (const entry of listed) {
    if ('problem' in entry) {
      problems.push(entry.problem);
      continue;
    }
    for (const file of entry.files) {
      const stem = basename(file, '.json');
      if (!AllocatorNameSchema.safeParse(stem).success) {
        problems.push({ file, path: '$', reason: `file name '${stem}' is not an allocator name (a-z, 0-9 and -, starting with a letter)` });
        continue;
      }
      try {
        const space = loadSpaceFile(file);
        if (space.allocator !== stem) throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: '$.allocator', reason: `says '${space.allocator}', but the file is named ${stem}.json` });
        const earlier = definitions.get(stem);
        if (earlier) throw new AlloctuneError('ALLOCTUNE_ERR_SPACE_FILE', { file, path: '$.allocator', reason: `'${stem}' is already defined by ${earlier.file}; give this definition another name` });
        definitions.set(stem, space);
      } catch (err) {
        problems.push(problemOf(err, file));
      }
    }
  }
  const registry = { definitions, problems, dirs };
  cached = { key, registry };
  return registry;
}

/** Names of the loaded definitions, sorted. */
export function allocatorNames(env: NodeJS.ProcessEnv = process.env): string[] {
  return [...loadRegistry(env).definitions.keys()].sort();
}

/** The definition of `name` as loaded (no overrides); ALLOCTUNE_ERR_NOT_FOUND names the known ones. */
export function allocatorDefinition(name: string, env: NodeJS.ProcessEnv = process.env): SearchSpace {
  const registry = loadRegistry(env);
  const found = registry.definitions.get(name);
  if (found) return found;
  const skipped = registry.problems.find((p) => basename(p.file, '.json') === name);
  const why = skipped ? `; ${skipped.file} was skipped: ${skipped.path}: ${skipped.reason}` : '';
  throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', {
    what: 'allocator definition',
    id: `'${name.slice(0, 64)}' (known: ${[...registry.definitions.keys()].sort().join(', ')}; read from ${registry.dirs.join(', ')}${why})`,
  });
}

/** Allocator names that have a loaded definition: the name schema refined by the registry. */
export function knownAllocatorSchema(env: NodeJS.ProcessEnv = process.env) {
  return AllocatorNameSchema.superRefine((name, ctx) => {
    const names = allocatorNames(env);
    if (!names.includes(name)) ctx.addIssue({ code: 'custom', message: `'${name}' is not a defined allocator (known: ${names.join(', ')})` });
  });
}

/**
 * `schema` with its `allocator` field checked against the loaded definitions at parse time (so a
 * route's 400 names `body.allocator`): the registry-derived form of a core schema. A value that
 * carries its own `definition` of that name (a campaign's) is the campaign setup's to judge.
 */
export function withKnownAllocator<T extends z.ZodType<{ allocator: string }>>(schema: T, env: NodeJS.ProcessEnv = process.env): T {
  return schema.superRefine((value, ctx) => {
    const posted = (value as { definition?: { allocator?: unknown } }).definition;
    if (posted?.allocator === value.allocator) return;
    const names = allocatorNames(env);
    if (!names.includes(value.allocator)) ctx.addIssue({ code: 'custom', message: `'${value.allocator.slice(0, 64)}' is not a defined allocator (known: ${names.join(', ')})`, path: ['allocator'] });
  }) as T;
}
