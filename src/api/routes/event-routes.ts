import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { isFinalState } from '../../core/campaign-record.js';
import { IdSchema } from '../../core/safe-text.js';
import { CAMPAIGN_EVENT_DOCS, CAMPAIGN_EVENT_TYPES, compareStreamIds, readEventsAfter, type CampaignEvent } from '../../store/campaign-events.js';
import { isResumableStreamId, STREAM_ID_PROBLEM, StreamIdSchema } from '../sse/stream-id.js';
import type { RouteDeps } from './route-deps.js';

const HEARTBEAT_MS = 15_000;

/** The event that ends a campaign's stream: the server closes the connection after sending it. */
const LAST_EVENT = 'campaign_finished' satisfies (typeof CAMPAIGN_EVENT_TYPES)[number];

/** How long a stream of a stopped campaign waits for a `campaign_finished` still being appended. */
const FINISHED_EVENT_WAIT_MS = 2000;

const EVENTS_DESCRIPTION = [
  'Server-sent events of one campaign in stream order, each with its stream id; the stream ends after `campaign_finished`. Event types:',
  ...CAMPAIGN_EVENT_TYPES.map((type) => `- \`${type}\` ${CAMPAIGN_EVENT_DOCS[type].data}: ${CAMPAIGN_EVENT_DOCS[type].meaning}`),
].join('\n');

/**
 * The route schema of an event stream (campaign or tournament): its description, `:id`, the
 * `?after=` resume point and the text/event-stream response; SSE routes skip the rate limit.
 */
export function eventStreamRouteOptions(description: string) {
  return {
    schema: {
      description,
      params: z.object({ id: IdSchema }),
      querystring: z.object({ after: StreamIdSchema.optional() }).strict(),
      response: { 200: { description: 'text/event-stream: `id:`, `event:` (the type), `data:` (JSON) per event', content: { 'text/event-stream': { schema: z.string() } } } },
    },
    config: { rateLimit: false },
  };
}

function frame(event: CampaignEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * `GET /v1/campaigns/:id/events`: server-sent events, in stream order, with ids; a client that
 * reconnects with Last-Event-ID (or `?after=`) gets what it missed and nothing twice. The server
 * ends the stream after `campaign_finished`, so `curl` and EventSource loops stop with the campaign.
 */
export function eventRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/v1/campaigns/:id/events',
      eventStreamRouteOptions(EVENTS_DESCRIPTION),
      async (request, reply) => {
        const { id } = request.params;
        const resume = resumePoint(request);
        const stored = await deps.store.get(id);
        if (!stored) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'campaign', id });
        await streamEvents(deps, request, reply, { id, resume, lastEvent: LAST_EVENT, stopped: async () => isFinalState((await deps.store.get(id))?.state ?? stored.state) });
      },
    );
  };
}

/**
 * Where a client resumes: its Last-Event-ID, else `?after=`, else the start. A bad id is refused:
 * falling back to the start (or to nothing) would send the client a stream it did not ask for without saying so.
 */
export function resumePoint(request: FastifyRequest<{ Querystring: { after?: string | undefined } }>): string {
  // An empty header is what a client that has seen no event may send: the same as none.
  const header = request.headers['last-event-id'] || undefined;
  if (header !== undefined && (typeof header !== 'string' || !isResumableStreamId(header))) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'headers.last-event-id', reason: STREAM_ID_PROBLEM });
  }
  return header ?? request.query.after ?? '0';
}

/** What {@link streamEvents} streams: one id's event stream, the event that ends it, whether its owner has stopped. */
export interface EventStreamOptions {
  id: string;
  /** Where the client resumes ({@link resumePoint}). */
  resume: string;
  lastEvent: string;
  stopped: () => Promise<boolean>;
}

/**
 * Stream one id's events (a campaign's or a tournament's) as server-sent events, in stream order,
 * from Last-Event-ID or `?after=`; the stream ends after `lastEvent`. The caller checks the id exists.
 */
export async function streamEvents(deps: Pick<RouteDeps, 'redis' | 'hub'>, request: FastifyRequest, reply: FastifyReply, options: EventStreamOptions): Promise<void> {
  const { id, resume } = options;
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
  let ended = false;
  const send = (event: CampaignEvent): void => {
    if (ended || (lastSent !== '0' && compareStreamIds(event.id, lastSent) <= 0)) return;
    lastSent = event.id;
    out.write(frame(event));
    if (event.type === options.lastEvent) end();
  };
  /** Send everything stored after the last event sent. */
  const catchUp = async (): Promise<void> => {
    for (;;) {
      const batch = await readEventsAfter(deps.redis, id, lastSent);
      for (const e of batch) send(e);
      if (batch.length < 1000 || ended) return;
    }
  };
  // Reads and live events go through one chain, so they are sent in order. A hub reader that
  // has just started begins at the newest entry it finds, which may be past the end of our
  // backlog read: before its first event, read what was appended in between.
  let chain: Promise<void> = Promise.resolve();
  let liveSeen = false;
  const unsubscribe = deps.hub.subscribe(id, (event) => {
    chain = chain.then(async () => {
      if (!liveSeen) {
        liveSeen = true;
        await catchUp();
      }
      send(event);
    });
    chain.catch(() => end());
  });
  const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const close = (): void => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  function end(): void {
    if (!ended) out.end();
    ended = true;
    close();
  }
  request.raw.on('close', close);
  chain = chain.then(catchUp);
  await chain;
  // A stopped owner whose backlog did not end the stream: either the client resumed after
  // its last event, or the state was stored just before that event was appended, which
  // the subscription then delivers. Either way nothing follows it.
  if (!ended && (await options.stopped())) {
    setTimeout(() => ended || end(), FINISHED_EVENT_WAIT_MS).unref();
  }
}
