import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/core/error-catalogue.js';
import { buildApp } from '../../src/api/app.js';

const BODY_LIMIT_BYTES = 1024;
const TOKEN = 't0ken';
const JSON_POST = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

async function app(t: TestContext, rateLimitPerMinute = 1000): Promise<FastifyInstance> {
  const built = await buildApp({
    token: TOKEN,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    rateLimitPerMinute,
    routes: [
      (scope) => {
        scope.get('/boom', () => {
          throw new Error('secret internals /etc/passwd');
        });
        scope.post('/echo', (request) => ({ got: request.body }));
        scope.get('/ok', () => ({ ok: true }));
      },
    ],
  });
  t.after(() => built.close());
  return built;
}

/** Status and body exactly as the catalogue has them: `{ code, message }` and nothing else. */
function assertCatalogueAnswer(res: { statusCode: number; body: string }, code: ErrorCode, message: string | RegExp): void {
  assert.equal(res.statusCode, ERROR_CATALOGUE[code].status, res.body);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message']);
  assert.equal(body['code'], code);
  if (typeof message === 'string') assert.equal(body['message'], message);
  else assert.match(String(body['message']), message);
}

describe('HTTP error answers come from the error catalogue', () => {
  it('404 for an unknown route', async (t) => {
    const res = await (await app(t)).inject({ url: '/v1/nothing-here?x=1' });
    assertCatalogueAnswer(res, 'ALLOCTUNE_ERR_NOT_FOUND', 'route GET /v1/nothing-here not found');
  });

  it('413 for a body over the limit', async (t) => {
    const res = await (await app(t)).inject({ method: 'POST', url: '/echo', headers: JSON_POST, payload: JSON.stringify({ pad: 'x'.repeat(2 * BODY_LIMIT_BYTES) }) });
    assertCatalogueAnswer(res, 'ALLOCTUNE_ERR_BODY_TOO_LARGE', `request body larger than ${BODY_LIMIT_BYTES} bytes`);
  });

  it('429 once the rate limit is used up', async (t) => {
    const server = await app(t, 2);
    for (let i = 0; i < 2; i++) assert.equal((await server.inject({ url: '/ok' })).statusCode, 200);
    const res = await server.inject({ url: '/ok' });
    assertCatalogueAnswer(res, 'ALLOCTUNE_ERR_RATE_LIMITED', /^rate limit exceeded, retry in \d+ (second|minute)s?$/);
    assert.ok(res.headers['retry-after'] !== undefined, 'the plugin still tells when to retry');
  });

  it('500 for an unexpected error, without its internals', async (t) => {
    const res = await (await app(t)).inject({ url: '/boom' });
    assertCatalogueAnswer(res, 'ALLOCTUNE_ERR_INTERNAL', 'internal error');
    assert.doesNotMatch(res.body, /passwd/);
  });

  it('the same answers over a real socket', async (t) => {
    const server = await app(t);
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    const missing = await fetch(`${base}/v1/nothing-here`);
    assertCatalogueAnswer({ statusCode: missing.status, body: await missing.text() }, 'ALLOCTUNE_ERR_NOT_FOUND', 'route GET /v1/nothing-here not found');
    const large = await fetch(`${base}/echo`, { method: 'POST', headers: JSON_POST, body: JSON.stringify({ pad: 'x'.repeat(2 * BODY_LIMIT_BYTES) }) });
    assertCatalogueAnswer({ statusCode: large.status, body: await large.text() }, 'ALLOCTUNE_ERR_BODY_TOO_LARGE', `request body larger than ${BODY_LIMIT_BYTES} bytes`);
    const boom = await fetch(`${base}/boom`);
    assertCatalogueAnswer({ statusCode: boom.status, body: await boom.text() }, 'ALLOCTUNE_ERR_INTERNAL', 'internal error');
  });
});
