import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CampaignStateSchema, isFinalState } from '../../core/campaign-record.js';
import { truncateForMessage } from '../../core/safe-text.js';
import { trialQueueName } from '../../queue/queue-names.js';
import { listSpaces, loadSpace } from '../../spaces/index.js';
import { listWorkers } from '../../store/worker-registry.js';
import type { RouteDeps } from './route-deps.js';

/**
 * How long /healthz waits for Redis. The shared client queues commands while it reconnects
 * (BullMQ needs `maxRetriesPerRequest: null`), so an unanswered PING would otherwise hang for the
 * whole outage.
 */
const HEALTH_PING_TIMEOUT_MS = 500;

/** Why Redis does not answer PING within `timeoutMs`, or undefined when it does. */
async function redisProblem(redis: RouteDeps['redis'], timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer to PING within ${timeoutMs} ms (connection ${redis.status})`), timeoutMs)));
  const ping = redis.ping().then(
    (pong) => (pong === 'PONG' ? undefined : `PING answered ${truncateForMessage(String(pong), 40)}`),
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `/healthz`, `/metrics` (Prometheus text), `/v1/spaces`, `/v1/workers`. */
export function systemRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/healthz', { config: { rateLimit: false } }, async (_request, reply) => {
      const problem = await redisProblem(deps.redis, HEALTH_PING_TIMEOUT_MS);
      const started_at = deps.startedAt.toISOString();
      if (problem === undefined) return { status: 'ok', redis: 'ok', started_at };
      return reply.code(503).send({ status: 'degraded', reason: `redis: ${problem}`, redis: 'unreachable', started_at });
    });

    // A broken definition file is listed under `problems` (file, JSON path, reason); the others still load.
    app.get('/v1/spaces', async () => listSpaces());

    app.get('/v1/spaces/:name', { schema: { params: z.object({ name: z.string() }) } }, async (request) => {
      return { space: loadSpace(request.params.name) };
    });

    app.get('/v1/workers', async () => ({ workers: await listWorkers(deps.redis) }));

    app.get('/metrics', { config: { rateLimit: false } }, async (_request, reply) => {
      const campaigns = await deps.store.list();
      // Every state, zeros included, so a dashboard sees `waiting_for_workers` go to 0 rather than vanish.
      const byState = new Map<string, number>(CampaignStateSchema.options.map((s) => [s, 0]));
      const trialStates = new Map<string, number>();
      for (const c of campaigns) {
        byState.set(c.state, (byState.get(c.state) ?? 0) + 1);
        if (isFinalState(c.state)) continue;
        for (const t of await deps.controller.trials(c.id)) trialStates.set(t.state, (trialStates.get(t.state) ?? 0) + 1);
      }
      const workers = await listWorkers(deps.redis);
      const counts = await deps.queue.counts({});
      const lines = [
        '# HELP alloctune_campaigns Campaigns by state.',
        '# TYPE alloctune_campaigns gauge',
        ...[...byState].map(([s, n]) => `alloctune_campaigns{state="${s}"} ${n}`),
        '# HELP alloctune_trials Trials of live (not stopped) campaigns by state.',
        '# TYPE alloctune_trials gauge',
        ...[...trialStates].map(([s, n]) => `alloctune_trials{state="${s}"} ${n}`),
        '# HELP alloctune_queue_jobs Jobs in the unlabelled trial queue by state.',
        '# TYPE alloctune_queue_jobs gauge',
        ...Object.entries(counts).map(([s, n]) => `alloctune_queue_jobs{queue="${trialQueueName({})}",state="${s}"} ${n}`),
        '# HELP alloctune_workers Live workers (heartbeat within the timeout).',
        '# TYPE alloctune_workers gauge',
        `alloctune_workers ${workers.length}`,
        '# HELP alloctune_proposal_seconds Duration of the last optimizer proposal.',
        '# TYPE alloctune_proposal_seconds gauge',
        `alloctune_proposal_seconds ${(deps.controller.lastProposalMs / 1000).toFixed(6)}`,
      ];
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(`${lines.join('\n')}\n`);
    });
  };
}
