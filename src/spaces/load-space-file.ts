import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { AlloctuneError } from '../core/alloctune-error.js';
import { SpaceFileSchema, type SearchSpace } from '../core/search-space.js';

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
