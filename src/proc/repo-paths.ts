import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (parsed.name === 'alloctune') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`alloctune package.json not found above ${start}`);
    dir = parent;
  }
}

/** Root of the alloctune checkout (works from `src/` under tsx and from `dist/src/`). */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** Directory of the native build products (`native/build`). */
export const NATIVE_BUILD_DIR = resolve(REPO_ROOT, 'native', 'build');

/** Path of a native tool built by `native/Makefile`, e.g. `nativeTool('allocbench')`. */
export function nativeTool(name: string): string {
  return join(NATIVE_BUILD_DIR, name);
}

/** Directory for local state (embedded Redis data, generated token); `ALLOCTUNE_HOME` overrides. */
export function stateDir(): string {
  return resolve(process.env['ALLOCTUNE_HOME'] ?? join(REPO_ROOT, '.alloctune'));
}
