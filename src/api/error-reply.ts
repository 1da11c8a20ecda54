import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAlloctuneError } from '../core/alloctune-error.js';
import { truncateForMessage } from '../core/safe-text.js';
import { innermostIssue, type ZodIssueLike } from './zod-issue-detail.js';

/** JSON body of every error answer. */
export interface ErrorBody {
  code: string;
  message: string;
  /** Field-level problems of a 400: `path` as dotted text, e.g. `body.objective.metric`. */
  issues?: { path: string; message: string }[];
}

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
 * Maps every error to a JSON answer with a catalogue code: zod validation -> 400 naming the field
 * path, AlloctuneError -> its catalogue status, fastify's own client errors (bad JSON, body too
 * large, wrong content type) -> their status, anything else -> 500 without internals.
 */
export function errorReply(err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const context = err.validationContext ?? 'body';
    const issues = (err.validation as ValidationIssue[]).map((entry) => describeIssue(context, entry));
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
