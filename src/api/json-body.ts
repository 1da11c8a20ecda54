import type { FastifyRequest } from 'fastify';
import { AlloctuneError } from '../core/alloctune-error.js';

/** Deepest nesting of arrays and objects a request body may have (a campaign spec needs 6). */
export const MAX_BODY_DEPTH = 32;

function invalid(field: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason });
}

/** Path of the first `__proto__` key or the first value nested deeper than {@link MAX_BODY_DEPTH}, with the reason. */
function firstProblem(root: unknown): { field: string; reason: string } | undefined {
  // Iterative: a 256 KiB body can nest 100k levels deep, far past the call stack.
  const stack: { value: unknown; path: string[] }[] = [{ value: root, path: [] }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path } = item;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= MAX_BODY_DEPTH) return { field: ['body', ...path].join('.'), reason: `nested deeper than ${MAX_BODY_DEPTH} levels` };
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { field: ['body', ...path, key].join('.'), reason: 'a __proto__ key is refused (it would set an object prototype when copied)' };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key.length > 64 ? `${key.slice(0, 64)}...` : key] });
    }
  }
  return undefined;
}

/**
 * The service's JSON body parser: JSON.parse, then a 400 naming the place of any `__proto__` key
 * (fastify's own parser refuses it too, but as "not valid JSON", which sends the user looking for
 * a syntax error) or of nesting deeper than any request needs.
 */
export function parseJsonBody(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(invalid('body', 'empty body with content-type application/json'));
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    return done(invalid('body', `not valid JSON (${err instanceof SyntaxError ? err.message.slice(0, 120) : 'unreadable'})`));
  }
  const problem = firstProblem(value);
  if (problem) return done(invalid(problem.field, problem.reason));
  return done(null, value);
}
