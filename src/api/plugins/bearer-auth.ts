import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AlloctuneError } from '../../core/alloctune-error.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** True when the Authorization header carries `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(token));
}

/** Requires the bearer token on every mutating request. Reads stay open (the service binds loopback by default). */
export function registerBearerAuth(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request) => {
    if (!MUTATING.has(request.method)) return;
    const header = request.headers.authorization;
    if (header === undefined) {
      throw new AlloctuneError('ALLOCTUNE_ERR_UNAUTHORIZED', { reason: 'missing bearer token (Authorization: Bearer <ALLOCTUNE_TOKEN>)' });
    }
    if (!bearerMatches(header, token)) throw new AlloctuneError('ALLOCTUNE_ERR_UNAUTHORIZED', { reason: 'wrong bearer token' });
  });
}
