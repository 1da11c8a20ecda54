import { z } from 'zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AlloctuneError, isAlloctuneError } from '../core/alloctune-error.js';
import { InputProblemsError } from '../core/input-problems-error.js';
import { truncateForMessage } from '../core/safe-text.js';
import { innermostIssue, type ZodIssueLike } from './zod-issue-detail.js';

/** Longest message of one pre-flight problem in a 400. */
const PROBLEM_MESSAGE_CHARS = 1500;

/** JSON body of every error answer. */
export const ErrorBodySchema = z.object({
  /** A code of the error catalogue (src/core/error-catalogue.ts), e.g. `ALLOCTUNE_ERR_INVALID_INPUT`. */
  code: z.string(),
  message: z.string(),
  /** Field-level problems of a 400: `path` as dotted text, e.g. `body.objective.metric`. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** The error answers every documented route may give (added to each by the app, see app.ts). */
export const ERROR_RESPONSES = { '4xx': ErrorBodySchema, '5xx': ErrorBodySchema };

/** One entry of fastify-type-provider-zod's `err.validation`: a zod issue with its details under `params`. */
interface ValidationIssue {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Pick<ZodIssueLike, 'errors' | 'issues' | 'keys'>;
}

/** The most specific problem of an entry (see {@link innermostIssue}), path prefixed by the request part. */
function describeIssue(context: string, entry: ValidationIssue): { path: string; message: string } {
  const outer: ZodIssueLike = {
    path: (entry.instancePath ?? '').split('/').filter(Boolean),
    ...(entry.keyword === undefined ? {} : { code: entry.keyword }),
    ...(entry.message === undefined ? {} : { message: entry.message }),
    ...entry.params,
  };
  const inner = innermostIssue(outer);
  // zod quotes unknown keys in its messages: cut both so a huge input is not echoed back.
  return { path: truncateForMessage([context, ...inner.path.map(String)].join('.')), message: truncateForMessage(inner.message) };
}

/**
 * The answer to a catalogue error: `{ code, message }` (plus `issues` for a 400) with the catalogue's
 * status, or `status` where fastify knows better (415 for a wrong content type).
 */
export function sendCatalogueError(reply: FastifyReply, err: AlloctuneError, issues?: ErrorBody['issues'], status = err.status): FastifyReply {
  const body: ErrorBody = { code: err.code, message: err.message };
  if (issues !== undefined) body.issues = issues;
  return reply.code(status).send(body);
}

/**
 * Maps every error to a JSON answer built from the error catalogue: zod validation -> 400 naming the
 * field path, a pre-flight {@link InputProblemsError} -> 400 listing every problem, AlloctuneError (also the rate limit's 429) -> its catalogue status, fastify's own
 * client errors (body too large -> 413, bad JSON, wrong content type) -> a catalogue code, anything
 * else -> 500 without internals.
 */
export function errorReplyFor(limits: { bodyLimitBytes: number }) {
  return function errorReply(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const context = err.validationContext ?? 'body';
      const issues = (err.validation as ValidationIssue[]).map((entry) => describeIssue(context, entry));
      const first = issues[0];
      const invalid = new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: first?.path ?? context, reason: first?.message ?? 'invalid request' });
      return sendCatalogueError(reply, invalid, issues);
    }
    if (err instanceof InputProblemsError) {
      // Pre-flight messages quote inputs zod has already bounded; they also list what is available, hence the longer limit.
      return sendCatalogueError(reply, err, err.problems.map((p) => ({ path: truncateForMessage(p.path), message: truncateForMessage(p.message, PROBLEM_MESSAGE_CHARS) })));
    }
    if (isAlloctuneError(err)) {
      const field = err.params['field'];
      const issues = err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' && typeof field === 'string' ? [{ path: field, message: String(err.params['reason'] ?? err.message) }] : undefined;
      return sendCatalogueError(reply, err, issues);
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendCatalogueError(reply, new AlloctuneError('ALLOCTUNE_ERR_BODY_TOO_LARGE', { limit_bytes: limits.bodyLimitBytes }));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) {
      request.log.error({ err }, 'unhandled error');
      return sendCatalogueError(reply, new AlloctuneError('ALLOCTUNE_ERR_INTERNAL', { reason: 'internal error' }));
    }
    // Bad JSON, an unsupported content type ...: fastify's status (400, 415) with the catalogue's code.
    const invalid = new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'request', reason: truncateForMessage(err.message) });
    return sendCatalogueError(reply, invalid, status === 400 ? [{ path: 'request', message: invalid.message }] : undefined, status);
  };
}

/** The 404 of an unknown route, from the catalogue like every other error. */
export function notFoundReply(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?')[0] ?? '';
  return sendCatalogueError(reply, new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'route', id: `${request.method} ${truncateForMessage(path)}` }));
}
