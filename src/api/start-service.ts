import type { FastifyInstance } from 'fastify';
import { dashboardRoutes } from '../dashboard/dashboard-routes.js';
import { TrialQueue } from '../queue/trial-queue.js';
import { openRedis, type RedisEndpoint } from '../redis/redis-connection.js';
import { CampaignController } from '../service/campaign-controller.js';
import { TournamentController } from '../service/tournament-controller.js';
import { CampaignStore } from '../store/campaign-store.js';
import { buildApp } from './app.js';
import { campaignRoutes } from './routes/campaign-routes.js';
import { trialRoutes } from './routes/trial-routes.js';
import { tournamentRoutes } from './routes/tournament-routes.js';
import { importanceRoutes } from './routes/importance-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { metricsCatalogueRoutes } from './routes/metrics-catalogue-routes.js';
import type { RouteDeps } from './routes/route-deps.js';
import { systemRoutes } from './routes/system-routes.js';
import { EventHub } from './sse/event-hub.js';

export interface ServiceOptions {
  /** Redis URL or connection settings (TLS, ACL password). */
  redisUrl: RedisEndpoint;
  token: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  bodyLimitBytes?: number;
  rateLimitPerMinute?: number;
  controllerTickMs?: number;
  /** A worker whose heartbeat is older than this is gone (default 15 s). */
  workerTimeoutMs?: number;
  log?: (line: string) => void;
  /** Extra route plugins (the dashboard at `/` is always mounted). */
  extraRoutes?: ((app: FastifyInstance) => Promise<void> | void)[];
}

/** A running service: HTTP app, campaign controller, queue producer and event fan-out. */
export interface RunningService {
  app: FastifyInstance;
  url: string;
  controller: CampaignController;
  /** Runs allocator tournaments on top of the campaign controller. */
  tournaments: TournamentController;
  close(): Promise<void>;
}

/** Start the controller and the HTTP server; `close` stops both and releases every connection. */
export async function startService(options: ServiceOptions): Promise<RunningService> {
  const redis = openRedis(options.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  const queue = new TrialQueue(options.redisUrl);
  const controllerOptions = { redis, queue, ...(options.log ? { log: options.log } : {}), ...(options.controllerTickMs ? { tickMs: options.controllerTickMs } : {}),
    ...(options.workerTimeoutMs ? { workerTimeoutMs: options.workerTimeoutMs } : {}),
  };
  const controller = new CampaignController(controllerOptions);
  const tournaments = new TournamentController({ ...controllerOptions, campaigns: controller });
  const hub = new EventHub(options.redisUrl);
  const deps: RouteDeps = { redis, store: new CampaignStore(redis), controller, queue, hub, startedAt: new Date() };
  const app = await buildApp({
    token: options.token,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
    routes: [systemRoutes(deps), campaignRoutes(deps), trialRoutes(deps), importanceRoutes(deps), eventRoutes(deps), tournamentRoutes(deps, tournaments), metricsCatalogueRoutes(), dashboardRoutes(), ...(options.extraRoutes ?? [])],
  });
  try {
    await controller.start();
  } catch (err) {
    // Refused (another service holds the controller lease) or Redis unusable: leave nothing open.
    hub.close();
    await app.close();
    await queue.close();
    redis.disconnect();
    throw err;
  }
  tournaments.start();
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    controller,
    tournaments,
    close: () =>
      (closing ??= (async () => {
        await tournaments.stop();
        await controller.stop();
        hub.close();
        await app.close();
        await queue.close();
        redis.disconnect();
      })()),
  };
}
