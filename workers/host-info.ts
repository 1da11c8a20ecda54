import { existsSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { HarnessResultSchema } from '../src/core/harness-result.js';
import type { AvailableAllocator } from '../src/core/worker-info.js';
import { runGuarded } from '../src/proc/guarded-spawn.js';
import { nativeTool } from '../src/proc/repo-paths.js';
import { probeRequestFor } from '../src/harness/probe-request.js';
import { allocatorDefinition, allocatorNames, servingMismatch } from '../src/spaces/index.js';
import { preloadLibrary, type LibraryOverrides } from './target-env.js';

/** Host name and kernel release recorded with every result. */
export function hostIdentity(): { host: string; kernel: string } {
  return { host: hostname(), kernel: release() };
}

function glibcVersion(): string | null {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ?? null;
}

/** The probed version, or why the library cannot stand for `name` (it does not serve malloc() as its definition says). */
async function probe(name: string, lib: string | undefined): Promise<{ version: string | null; problem?: string }> {
  const tool = nativeTool('allocbench');
  if (!existsSync(tool)) return { version: null };
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  if (lib !== undefined) env['LD_PRELOAD'] = lib;
  const definition = allocatorDefinition(name);
  const request = probeRequestFor(definition);
  const argv = ['--probe'];
  if (request.symbols !== undefined && request.symbols.length > 0) argv.push('--identity-symbols', request.symbols.join(','));
  if (request.versionSymbol !== undefined) argv.push('--version-symbol', request.versionSymbol);
  const outcome = await runGuarded(tool, argv, { env, timeoutMs: 5000 });
  if (outcome.exitCode !== 0) return { version: null, problem: `allocbench --probe exited with ${outcome.exitCode ?? outcome.signal}` };
  try {
    const doc = HarnessResultSchema.parse(JSON.parse(outcome.stdout));
    const actual = servingMismatch(definition, { path: doc.allocator.path, symbols: doc.allocator.symbols });
    return actual === undefined ? { version: doc.allocator.version } : { version: null, problem: `malloc() is served by ${actual}` };
  } catch {
    return { version: null };
  }
}

/**
 * Allocators usable on this host, one per loaded definition whose library this worker finds (the C
 * library always is), with the version `allocbench --probe` reads back through LD_PRELOAD when the
 * harness is built. A library that does not identify as its definition says is left out.
 */
export async function availableAllocators(overrides: LibraryOverrides = {}): Promise<AvailableAllocator[]> {
  const found: AvailableAllocator[] = [];
  for (const name of allocatorNames()) {
    let path: string | undefined;
    try {
      path = preloadLibrary({ allocator: name }, overrides);
    } catch {
      continue;
    }
    const probed = await probe(name, path);
    if (probed.problem !== undefined && probed.problem.startsWith('malloc()')) continue;
    const fallback = allocatorDefinition(name).load.preload ? null : glibcVersion();
    found.push({ name, path: path ?? null, version: probed.version ?? fallback });
  }
  return found;
}
