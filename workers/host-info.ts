import { existsSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { HarnessResultSchema } from '../src/core/harness-result.js';
import type { AvailableAllocator } from '../src/core/worker-info.js';
import { runGuarded } from '../src/proc/guarded-spawn.js';
import { nativeTool } from '../src/proc/repo-paths.js';
import { ALLOCATORS } from '../src/spaces/debian-libraries.js';
import { preloadLibrary, type LibraryOverrides } from './target-env.js';

/** Host name and kernel release recorded with every result. */
export function hostIdentity(): { host: string; kernel: string } {
  return { host: hostname(), kernel: release() };
}

function glibcVersion(): string | null {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ?? null;
}

async function probeVersion(lib: string | undefined): Promise<string | null> {
  const tool = nativeTool('allocbench');
  if (!existsSync(tool)) return null;
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  if (lib !== undefined) env['LD_PRELOAD'] = lib;
  const outcome = await runGuarded(tool, ['--probe'], { env, timeoutMs: 5000 });
  if (outcome.exitCode !== 0) return null;
  try {
    return HarnessResultSchema.parse(JSON.parse(outcome.stdout)).allocator.version;
  } catch {
    return null;
  }
}

/**
 * Allocators usable on this host: the library exists (glibc always does), with the version that
 * `allocbench --probe` reads back through LD_PRELOAD when the harness is built.
 */
export async function availableAllocators(overrides: LibraryOverrides = {}): Promise<AvailableAllocator[]> {
  const found: AvailableAllocator[] = [];
  for (const name of ALLOCATORS) {
    let path: string | undefined;
    try {
      path = preloadLibrary({ allocator: name }, overrides);
    } catch {
      continue;
    }
    const probed = await probeVersion(path);
    found.push({ name, path: path ?? null, version: probed ?? (name === 'glibc' ? glibcVersion() : null) });
  }
  return found;
}
