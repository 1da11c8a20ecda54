import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../core/alloctune-error.js';
import { REPO_ROOT } from '../proc/repo-paths.js';

/** Where the page's hand-written browser modules live (not compiled: `tsc` never copies them to dist/). */
export const DASHBOARD_PUBLIC_DIR = join(REPO_ROOT, 'src', 'dashboard', 'public');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Everything the page loads comes from this origin: no CDN, no inline script.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  contentType: string;
}

/** The UMD bundle of the installed chart.js: no imports, defines `window.Chart`. */
function chartBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return join(dirname(entry), 'chart.umd.min.js');
}

/** Assets by the name the page asks for; read once, so a request can only name a file listed here. */
function loadAssets(publicDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(publicDir)) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType && name !== 'index.html') assets.set(name, { body: readFileSync(join(publicDir, name)), contentType });
  }
  assets.set('chart.umd.min.js', { body: readFileSync(chartBundlePath()), contentType: CONTENT_TYPES['.js'] as string });
  return assets;
}

/**
 * The live dashboard: `GET /` (the page), `GET /dashboard/assets/:name` (its modules, styles and the
 * chart.js bundle from node_modules) and `POST /v1/auth/check` (204 when the bearer token is right;
 * the service's bearer hook answers 401 otherwise), which lets the page check a token without side effects.
 */
export function dashboardRoutes(publicDir: string = DASHBOARD_PUBLIC_DIR) {
  const page = readFileSync(join(publicDir, 'index.html'));
  const assets = loadAssets(publicDir);
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply.type(CONTENT_TYPES['.html'] as string).header('content-security-policy', CSP).header('cache-control', 'no-cache').send(page),
    );

    app.get('/dashboard/assets/:name', { schema: { hide: true, params: z.object({ name: z.string().max(64) }) } }, async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (!asset) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'dashboard asset', id: request.params.name });
      return reply.type(asset.contentType).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(asset.body);
    });

    app.post('/v1/auth/check', { schema: { security: [{ bearer: [] }], response: { 204: z.null().describe('The bearer token is right (no body)') } } }, async (_request, reply) => reply.code(204).send(null));
  };
}
