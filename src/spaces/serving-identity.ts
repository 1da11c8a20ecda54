import { basename } from 'node:path';
import type { SearchSpace } from '../core/search-space.js';
import { loadRegistry } from './allocator-registry.js';

/** What a probe saw of the object serving malloc(): its file and which identity symbols it defines itself. */
export interface ServingObject {
  path: string | null;
  symbols: readonly string[];
}

/**
 * True when `observed` is `space`'s allocator by its definition's `identity`: the serving object
 * defines one of its symbols, or its file name starts with one of its library names. An object
 * nothing identifies matches no definition.
 */
export function servedBy(space: Pick<SearchSpace, 'identity'>, observed: ServingObject): boolean {
  if (space.identity.symbols.some((s) => observed.symbols.includes(s))) return true;
  const file = observed.path === null ? undefined : basename(observed.path);
  return file !== undefined && space.identity.library_names.some((n) => file.startsWith(n));
}

/** Every identity symbol of the loaded definitions: what a probe is asked to look for. */
export function identitySymbols(): string[] {
  return [...new Set([...loadRegistry().definitions.values()].flatMap((d) => d.identity.symbols))].sort();
}

/** Names of the loaded definitions that `observed` matches, for messages ("served by mimalloc (PATH)"). */
export function identifyServing(observed: ServingObject): string {
  const names = [...loadRegistry().definitions.values()].filter((d) => servedBy(d, observed)).map((d) => d.allocator);
  const where = observed.path ?? 'an unknown object';
  return names.length === 0 ? `an allocator no definition identifies (${where})` : `${names.join(' or ')} (${where})`;
}

/**
 * Why `observed` is not `space`'s allocator serving malloc(), in words for ALLOCTUNE_ERR_WRONG_ALLOCATOR's
 * `actual` ("mimalloc (/usr/lib/.../libmimalloc.so.2)"), or undefined when it is.
 */
export function servingMismatch(space: Pick<SearchSpace, 'identity'>, observed: ServingObject): string | undefined {
  return servedBy(space, observed) ? undefined : identifyServing(observed);
}
