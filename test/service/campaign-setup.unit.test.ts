import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema, type CampaignSpecInput } from '../../src/core/campaign-spec.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { campaignGuards } from '../../src/service/guard-catalogue.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const redisOnly = (overrides: Partial<CampaignSpecInput> = {}): CampaignSpecInput =>
  smallCampaign({
    workloads: [{ kind: 'redis', options: { throughput: { enabled: false } } }],
    objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' },
    constraints: [],
    ...overrides,
  });

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isAlloctuneError(err)) return String(err.params['field']);
    throw err;
  }
  return undefined;
}

describe('campaign setup: knobs the target overrides, guards', () => {
  it('drops background_thread (and what depends on it) from the search when every workload is Redis, with a note', () => {
    const prepared = prepareCampaign(CampaignSpecSchema.parse(redisOnly({ references: [{ name: 'guide', malloc_conf: 'background_thread:true,dirty_decay_ms:1000' }] })));
    const names = prepared.space.parameters.map((p) => p.name);
    assert.ok(!names.includes('background_thread') && !names.includes('max_background_threads'));
    assert.ok(names.includes('dirty_decay_ms'));
    assert.match(prepared.notes.join('\n'), /background_thread and max_background_threads not searched: Redis sets jemalloc's background_thread/);
    assert.match(prepared.notes.join('\n'), /reference guide sets background_thread, max_background_threads, which the target overrides: left out/);
    assert.deepEqual(prepared.referenceConfigs[0]?.config['dirty_decay_ms'], 1000, 'the rest of the reference stays');
    assert.equal(prepared.referenceConfigs[0]?.config['background_thread'], undefined);
  });

  it('keeps it where another workload still measures it, or when the user froze it', () => {
    const mixed = prepareCampaign(CampaignSpecSchema.parse(smallCampaign()));
    assert.ok(mixed.space.parameters.some((p) => p.name === 'background_thread'));
    assert.deepEqual(mixed.notes, []);
    const frozen = prepareCampaign(CampaignSpecSchema.parse(redisOnly({ space: { freeze: { background_thread: false } } })));
    assert.deepEqual(frozen.notes, []);
  });

  it('guards: each workload kind declares its own, a disabled phase leaves them unmeasured, the spec may override or clear them', () => {
    const spec = CampaignSpecSchema.parse(redisOnly());
    const guards = campaignGuards(spec, 'redis.rss_bytes_at_1000ms');
    assert.deepEqual(guards.map((g) => [g.key, g.direction, g.margin]), [
      ['redis.get_ops_per_s', 'max', 0.03],
      ['redis.set_ops_per_s', 'max', 0.03],
      ['redis.p99_us', 'min', 0.1],
    ]);
    assert.match(guards[0]?.not_measured_because ?? '', /^redis does not report it: the throughput phase is off$/);
    assert.equal(guards[2]?.not_measured_because, undefined);
    const own = CampaignSpecSchema.parse(redisOnly({ guards: [{ metric: 'p999_us', direction: 'min', margin_pct: 20 }] }));
    assert.deepEqual(campaignGuards(own, 'redis.rss_bytes_at_1000ms').map((g) => [g.key, g.margin]), [['redis.p999_us', 0.2]]);
    assert.deepEqual(campaignGuards(CampaignSpecSchema.parse(redisOnly({ guards: [] })), 'x'), []);
    assert.equal(fieldOf(() => prepareCampaign(CampaignSpecSchema.parse(redisOnly({ guards: [{ metric: 'no_such_ops', direction: 'max', margin_pct: 3 }] })))), 'guards.0.metric');
  });
});
