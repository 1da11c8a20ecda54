import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';

/** The committed test definitions (the hakmem stand-in), none of them in search-spaces/. */
export const FIXTURE_SPACES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'spaces');

/** Knobs kept by the trimmed jemalloc definition. */
export const LEAN_KNOBS = ['dirty_decay_ms', 'muzzy_decay_ms', 'narenas'];

/**
 * A temporary spaces directory as a user would write it: `jemalloc-lean.json`, the shipped jemalloc
 * definition under a new name trimmed to three knobs, and `broken.json`, a definition with a bad
 * range (the loader must report and skip it).
 */
export function userSpacesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-user-spaces-'));
  const jemalloc = JSON.parse(readFileSync(join(REPO_ROOT, 'search-spaces', 'jemalloc.json'), 'utf8')) as { parameters: { name: string }[] } & Record<string, unknown>;
  const lean = {
    ...jemalloc,
    allocator: 'jemalloc-lean',
    notes: ['jemalloc trimmed to its decay and arena knobs by a user'],
    parameters: jemalloc.parameters.filter((p) => LEAN_KNOBS.includes(p.name)),
    extras: [],
  };
  writeFileSync(join(dir, 'jemalloc-lean.json'), JSON.stringify(lean, null, 2));
  const broken = {
    allocator: 'broken',
    library: 'a definition with a mistake',
    encoding: { format: 'env', key_prefix: 'BROKEN_', true_token: '1', false_token: '0' },
    load: { library_files: ['libbroken.so'] },
    identity: { symbols: ['broken_malloc'] },
    parameters: [{ name: 'BROKEN_SIZE', kind: 'integer', min: 10, max: 1, default: 5, description: 'min above max' }],
  };
  writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken, null, 2));
  return dir;
}
