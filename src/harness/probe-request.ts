import type { SearchSpace } from '../core/search-space.js';
import { identitySymbols } from '../spaces/serving-identity.js';
import type { ProbeRequest } from './run-allocbench.js';

/**
 * What the harness probe is asked for an allocator: every definition's identity symbols (so that a
 * wrong allocator can be named, not just refused), and the definition's own read-back and version
 * functions.
 */
export function probeRequestFor(space: Pick<SearchSpace, 'identity' | 'readback'>): ProbeRequest {
  const request: ProbeRequest = { symbols: [...new Set([...identitySymbols(), ...space.identity.symbols])].sort() };
  if (space.readback.kind === 'function') request.optionsSymbol = space.readback.symbol;
  if (space.identity.version_symbol !== undefined) request.versionSymbol = space.identity.version_symbol;
  return request;
}
