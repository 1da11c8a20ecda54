import type { ComplaintPattern } from '../core/search-space.js';
import { loadRegistry } from '../spaces/allocator-registry.js';

/** The complaint patterns of every loaded definition: for callers that do not know the allocator. */
export function registryComplaints(): ComplaintPattern[] {
  return [...loadRegistry().definitions.values()].flatMap((d) => d.complaints);
}

/**
 * Lines of `stderr` in which an allocator complains about its configuration or fails (a definition's
 * `complaints`: a line matching `pattern` and not `unless`), in order of appearance, trimmed and
 * without repeats (jemalloc parses its conf string twice and prints each error twice). Empty when
 * the allocator said nothing.
 */
export function findAllocatorComplaints(stderr: string, patterns: readonly ComplaintPattern[] = registryComplaints()): string[] {
  const compiled = patterns.map((p) => ({ pattern: new RegExp(p.pattern), unless: p.unless === undefined ? undefined : new RegExp(p.unless) }));
  const found: string[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const complaint = compiled.some((c) => c.pattern.test(line) && !(c.unless?.test(line) ?? false));
    if (complaint && !found.includes(line)) found.push(line);
  }
  return found;
}
