import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import type { SearchSpace } from '../../src/core/search-space.js';
import { NATIVE_BUILD_DIR, nativeTool } from '../../src/proc/repo-paths.js';
import { identitySymbols, servingMismatch } from '../../src/spaces/index.js';

/** The preloaded recorder (native/identity/alloc-identity.c). */
const IDENTITY_LIBRARY = nativeTool('liballoctune-identity.so');

const IdentityLineSchema = z.object({ pid: z.number().int(), exe: z.string(), path: z.string().nullable(), symbols: z.array(z.string()) });
type IdentityLine = z.infer<typeof IdentityLineSchema>;

/**
 * `env` with the identity recorder preloaded after the allocator, writing to `<dir>/identity.jsonl`.
 * The recorder defines no allocation function, so the allocator still serves malloc().
 */
export function withIdentityRecorder(env: Readonly<Record<string, string>>, dir: string, space: Pick<SearchSpace, 'identity'>): { env: Record<string, string>; file: string } {
  const file = join(dir, 'identity.jsonl');
  const preload = [env['LD_PRELOAD'], IDENTITY_LIBRARY].filter((p): p is string => p !== undefined && p !== '').join(':');
  const symbols = [...new Set([...identitySymbols(), ...space.identity.symbols])].join(',');
  return { env: { ...env, LD_PRELOAD: preload, ALLOCTUNE_IDENTITY_FILE: file, ALLOCTUNE_IDENTITY_SYMBOLS: symbols }, file };
}

async function readLines(file: string): Promise<IdentityLine[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        const parsed = IdentityLineSchema.safeParse(JSON.parse(l));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}

/**
 * Checks the recorder's lines of the target's processes (alloctune's own wrappers in native/build
 * are left out): each must be served by `space`'s allocator, and at least one must be there.
 * Returns the serving library of the first process; throws ALLOCTUNE_ERR_WRONG_ALLOCATOR otherwise.
 */
export async function checkRecordedIdentity(file: string, allocator: string, space: Pick<SearchSpace, 'identity'>, target: string): Promise<string | null> {
  const lines = (await readLines(file)).filter((l) => !l.exe.startsWith(`${NATIVE_BUILD_DIR}/`));
  const first = lines[0];
  if (first === undefined) {
    throw new AlloctuneError('ALLOCTUNE_ERR_WRONG_ALLOCATOR', {
      expected: allocator,
      actual: `no process of ${target} reported its allocator (it may be static, setuid, or replace LD_PRELOAD), so nothing verified that ${allocator}`,
    });
  }
  for (const line of lines) {
    const actual = servingMismatch(space, line);
    if (actual !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_WRONG_ALLOCATOR', { expected: allocator, actual: `${actual} in ${target} (${line.exe}, pid ${line.pid})` });
  }
  return first.path;
}
