import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { IdSchema } from '../../core/safe-text.js';
import { compareStreamIds, readEventsAfter, type CampaignEvent } from '../../store/campaign-events.js';
import { isResumableStreamId, STREAM_ID_PROBLEM, StreamIdSchema } from '../sse/stream-id.js';
import type { RouteDeps } from './route-deps.js';

const HEARTBEAT_MS = 15_000;

function frame(event: CampaignEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * `GET /v1/campaigns/:id/events`: server-sent events, in stream order, with ids; a client that
 * reconnects with Last-Event-ID (or `?after=`) gets what it missed and nothing twice.
 */
export function eventRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/v1/campaigns/:id/events',
      {
        schema: { params: z.object({ id: IdSchema }), querystring: z.object({ after: StreamIdSchema.optional() }).strict() },
        config: { rateLimit: false },
      },
      async (request, reply) => {
        const { id } = request.params;
        // An empty header is what a client that has seen no event may send: the same as none.
        const header = request.headers['last-event-id'] || undefined;
        // A bad id is refused: falling back to the start (or to nothing) would send the client a
        // stream it did not ask for without saying so.
        if (header !== undefined && (typeof header !== 'string' || !isResumableStreamId(header))) {
          throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'headers.last-event-id', reason: STREAM_ID_PROBLEM });
        }
        const resume = header ?? request.query.after ?? '0';
        if (!(await deps.store.get(id))) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'campaign', id });
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        out.write(': alloctune events\n\n');
        let lastSent = resume;
        let backlogDone = false;
        const early: CampaignEvent[] = [];
        const send = (event: CampaignEvent): void => {
          if (lastSent !== '0' && compareStreamIds(event.id, lastSent) <= 0) return;
          lastSent = event.id;
          out.write(frame(event));
        };
        const unsubscribe = deps.hub.subscribe(id, (event) => (backlogDone ? send(event) : early.push(event)));
        const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
        const close = (): void => {
          clearInterval(heartbeat);
          unsubscribe();
        };
        request.raw.on('close', close);
        try {
          for (;;) {
            const batch = await readEventsAfter(deps.redis, id, lastSent);
            for (const e of batch) send(e);
            if (batch.length < 1000) break;
          }
        } finally {
          backlogDone = true;
          for (const e of early.splice(0)) send(e);
        }
      },
    );
  };
}
