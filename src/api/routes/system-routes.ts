import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CampaignStateSchema, isFinalState } from '../../core/campaign-record.js';
import { truncateForMessage } from '../../core/safe-text.js';
import { trialQueueName } from '../../queue/queue-names.js';
import { listSpaces, loadSpace } from '../../spaces/index.js';
import { SpaceFileSchema } from '../../core/search-space.js';
import { AllocatorNameSchema } from '../../core/trial-job.js';
import { WorkerInfoSchema, type WorkerInfo } from '../../core/worker-info.js';
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

/** `GET /healthz`: 200 while Redis answers, 503 with the reason while it does not. */
const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  redis: z.enum(['ok', 'unreachable']),
  reason: z.string().optional(),
  started_at: z.string(),
});

/** `GET /v1/spaces`: the loaded search spaces and the definition files skipped. */
const SpaceListSchema = z.object({
  spaces: z.array(z.object({ allocator: AllocatorNameSchema, file: z.string(), library: z.string(), parameter_count: z.number().int(), extra_count: z.number().int() })),
  /** Definition files that were skipped: file, JSON path of the offending value, reason. */
  problems: z.array(z.object({ file: z.string(), path: z.string(), reason: z.string() })),
});

/** `GET /v1/spaces/:name`: one space file as loaded, with the path it was read from. */
const SpaceDetailSchema = z.object({ space: z.object({ ...SpaceFileSchema.shape, file: z.string() }) });

const WorkerListSchema = z.object({ workers: z.array(WorkerInfoSchema) });

const PROMETHEUS_TEXT = { 200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: z.string() } } } };

/** BullMQ's `wait` is the state a reader of /metrics looks for as `waiting`. */
const PROMETHEUS_STATE: Readonly<Record<string, string>> = { wait: 'waiting' };

/**
 * Every trial queue worth watching: the unlabelled one, each live worker's (one per subset of its
 * labels, its own `worker=<name>` duel queue among them), and the queues running campaigns route
 * to, which may have no worker at all.
 */
async function knownQueues(deps: RouteDeps, workers: readonly WorkerInfo[]): Promise<Set<string>> {
  const names = new Set([trialQueueName({}), ...workers.flatMap((w) => w.queues)]);
  for (const c of await deps.store.list()) {
    if (isFinalState(c.state)) continue;
    names.add(trialQueueName(c.spec.worker_labels));
    for (const t of await deps.controller.trials(c.id)) if (t.queue !== undefined) names.add(t.queue);
  }
  return names;
}

/** `/healthz`, `/metrics` (Prometheus text), `/v1/spaces`, `/v1/workers`. */
export function systemRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/healthz', { config: { rateLimit: false }, schema: { response: { 200: HealthSchema, 503: HealthSchema } } }, async (_request, reply) => {
      const problem = await redisProblem(deps.redis, HEALTH_PING_TIMEOUT_MS);
      const started_at = deps.startedAt.toISOString();
      if (problem === undefined) return { status: 'ok' as const, redis: 'ok' as const, started_at };
      return reply.code(503).send({ status: 'degraded', reason: `redis: ${problem}`, redis: 'unreachable', started_at });
    });

    // A broken definition file is listed under `problems` (file, JSON path, reason); the others still load.
    app.get('/v1/spaces', { schema: { response: { 200: SpaceListSchema } } }, async () => listSpaces());

    app.get('/v1/spaces/:name', { schema: { params: z.object({ name: z.string() }), response: { 200: SpaceDetailSchema } } }, async (request) => {
      return { space: loadSpace(request.params.name) };
    });

    app.get('/v1/workers', { schema: { response: { 200: WorkerListSchema } } }, async () => ({ workers: await listWorkers(deps.redis) }));

    app.get('/metrics', { config: { rateLimit: false }, schema: { response: PROMETHEUS_TEXT } }, async (_request, reply) => {
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
      const queueCounts = await Promise.all([...(await knownQueues(deps, workers))].sort().map(async (name) => [name, await deps.queue.countsOf(name)] as const));
      const lines = [
        '# HELP alloctune_campaigns Campaigns by state.',
        '# TYPE alloctune_campaigns gauge',
        ...[...byState].map(([s, n]) => `alloctune_campaigns{state="${s}"} ${n}`),
        '# HELP alloctune_trials Trials of live (not stopped) campaigns by state.',
        '# TYPE alloctune_trials gauge',
        ...[...trialStates].map(([s, n]) => `alloctune_trials{state="${s}"} ${n}`),
        '# HELP alloctune_queue_jobs Jobs per trial queue (unlabelled, per label selector, per worker for duels) by state.',
        '# TYPE alloctune_queue_jobs gauge',
        ...queueCounts.flatMap(([queue, counts]) => Object.entries(counts).map(([s, n]) => `alloctune_queue_jobs{queue="${queue}",state="${PROMETHEUS_STATE[s] ?? s}"} ${n}`)),
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
