import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { AlloctuneError } from '../core/alloctune-error.js';
import { ERROR_RESPONSES, errorReplyFor, notFoundReply } from './error-reply.js';
import { parseJsonBody } from './json-body.js';
import { checkedSerializerCompiler } from './response-serializer.js';
import { registerBearerAuth } from './plugins/bearer-auth.js';

/** Options of the HTTP layer; the routes themselves are registered by the caller. */
export interface AppOptions {
  /** Bearer token required on mutating requests. */
  token: string;
  /** Largest accepted request body. */
  bodyLimitBytes?: number;
  /** Requests per client per minute before 429s. */
  rateLimitPerMinute?: number;
  logger?: boolean;
  /** Route plugins, e.g. campaign routes bound to a service. */
  routes: ((app: FastifyInstance) => Promise<void> | void)[];
}

export const DEFAULT_BODY_LIMIT_BYTES = 256 * 1024;

/** A fastify app with zod validation, uniform error answers, bearer auth, a rate limit and OpenAPI at /docs. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  // forceCloseConnections: open SSE streams must not keep close() waiting.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit, forceCloseConnections: true }).withTypeProvider<ZodTypeProvider>();
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parseJsonBody);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(checkedSerializerCompiler);
  app.setErrorHandler(errorReplyFor({ bodyLimitBytes: bodyLimit }));
  app.setNotFoundHandler(notFoundReply);
  await app.register(fastifyRateLimit, {
    global: true,
    max: options.rateLimitPerMinute ?? 3000,
    timeWindow: 60_000,
    // Thrown by the plugin, then answered by the error handler like any catalogue error.
    errorResponseBuilder: (_request, context) => new AlloctuneError('ALLOCTUNE_ERR_RATE_LIMITED', { after: context.after }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'alloctune', description: 'Autotuning campaigns for memory-allocator configurations', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  // Every documented route answers errors in one shape; documenting it here keeps the routes short.
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide === true) return;
    route.schema = { ...route.schema, response: { ...ERROR_RESPONSES, ...(route.schema?.response as object | undefined) } };
  });
  registerBearerAuth(app, options.token);
  for (const register of options.routes) await app.register(async (scope) => register(scope));
  return app;
}
