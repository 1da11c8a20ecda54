import type { Redis } from 'ioredis';
import type { TrialQueue } from '../../queue/trial-queue.js';
import type { CampaignController } from '../../service/campaign-controller.js';
import type { CampaignStore } from '../../store/campaign-store.js';
import type { EventHub } from '../sse/event-hub.js';

/** What the routes need from the running service. */
export interface RouteDeps {
  redis: Redis;
  store: CampaignStore;
  controller: CampaignController;
  queue: TrialQueue;
  hub: EventHub;
  /** When the service started, for /healthz. */
  startedAt: Date;
}
