import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAlloctuneError } from '../core/alloctune-error.js';

/** JSON body of every error answer. */
export interface ErrorBody {
  code: string;
  message: string;
  /** Field-level problems of a 400: `path` as dotted text, e.g. `body.objective.metric`. */
  issues?: { path: string; message: string }[];
}

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: (string | number)[]; message?: string } };
}

function issuePath(context: string, issue: ValidationIssue): string {
  const parts = issue.params?.issue?.path;
  if (parts && parts.length > 0) return [context, ...parts.map(String)].join('.');
  const pointer = (issue.instancePath ?? '').split('/').filter(Boolean);
  return [context, ...pointer].join('.');
}

/**
 * Maps every error to a JSON answer with a catalogue code: zod validation -> 400 naming the field
 * path, AlloctuneError -> its catalogue status, fastify's own client errors (bad JSON, body too
 * large, wrong content type) -> their status, anything else -> 500 without internals.
 */
export function errorReply(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = err.validationContext ?? 'body';
    const issues = (err.validation as ValidationIssue[]).map((issue) => ({
      path: issuePath(context, issue),
      message: issue.params?.issue?.message ?? issue.message ?? 'invalid',
    }));
    const first = issues[0];
    const message = first ? `invalid ${first.path}: ${first.message}` : 'invalid request';
    return reply.code(400).send({ code: 'ALLOCTUNE_ERR_INVALID_INPUT', message, issues } satisfies ErrorBody);
  }
  if (isAlloctuneError(err)) {
    const body: ErrorBody = { code: err.code, message: err.message };
    const field = err.params['field'];
    if (err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' && typeof field === 'string') {
      body.issues = [{ path: field, message: String(err.params['reason'] ?? err.message) }];
    }
    return reply.code(err.status).send(body);
  }
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) {
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ code: 'ALLOCTUNE_ERR_INTERNAL', message: 'internal error' } satisfies ErrorBody);
  }
  const code = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'ALLOCTUNE_ERR_BODY_TOO_LARGE' : 'ALLOCTUNE_ERR_INVALID_INPUT';
  return reply.code(status).send({ code: status === 429 ? 'ALLOCTUNE_ERR_RATE_LIMITED' : code, message: err.message } satisfies ErrorBody);
}
