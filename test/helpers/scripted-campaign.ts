import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import type { TrialJob } from '../../src/core/trial-job.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { completeJob, FakeTrialQueue, type FakeMetrics } from './fake-trial-queue.js';
import { smallCampaign } from './small-campaign.js';

/** A tuning-guide style reference that changes 8 knobs, of which only dirty_decay_ms:0 and tcache_max:1024 matter. */
export const GUIDE = 'narenas:2,dirty_decay_ms:0,muzzy_decay_ms:1000,tcache_max:1024,lg_tcache_nslots_mul:0,metadata_thp:auto,thp:never,lg_extent_max_active_fit:8';

/** A tuning guide's reference of 3 knobs whose gain comes from its decay part only (dirty_decay_ms:1000, see {@link scripted}). */
export const TUNING_GUIDE = 'narenas:2,dirty_decay_ms:1000,metadata_thp:auto';

/**
 * Scripted measurements: RSS falls 40 % with dirty_decay_ms:0 (20 % with dirty_decay_ms:1000) and
 * a further 20 % with tcache_max:1024 (only when a MALLOC_CONF is set: the untouched baseline
 * measures the defaults); nothing else matters. `extra` adds summary keys (guards).
 */
export function scripted(extra: (job: TrialJob) => Record<string, number> = () => ({})): FakeMetrics {
  return (job) => {
    const set = job.env['MALLOC_CONF'] !== undefined;
    const decay = !set ? 1 : job.config['dirty_decay_ms'] === 0 ? 0.6 : job.config['dirty_decay_ms'] === 1000 ? 0.8 : 1;
    const tcache = set && job.config['tcache_max'] === 1024 ? 0.8 : 1;
    return { rss_bytes: 40e6 * decay * tcache, fragmentation_ratio: 2, extra: extra(job) };
  };
}

/**
 * Run a small campaign with the guide as reference (distillation pairs 3) to its end on a fake
 * queue, the fake worker `w1` (registered by the caller) measuring `metrics`.
 */
export async function runScriptedCampaign(redis: Redis, name: string, metrics: FakeMetrics, overrides: Parameters<typeof smallCampaign>[0] = {}, maxTicks = 120) {
  const queue = new FakeTrialQueue();
  const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
  const spec = CampaignSpecSchema.parse(smallCampaign({ name, references: [{ name: 'guide', malloc_conf: GUIDE }], distill: { pairs: 3 }, ...overrides }));
  const { id } = await controller.create(spec);
  for (let i = 0; i < maxTicks; i++) {
    await controller.tick();
    if ((await controller.record(id)).state !== 'running') return { controller, id };
    for (const job of queue.take(id)) await completeJob(redis, job, 'w1', metrics);
  }
  assert.fail(`campaign ${id} still running after ${maxTicks} passes`);
}
