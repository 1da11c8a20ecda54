import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { loadRuntime, snapshotOf, spaceDigest } from '../../src/service/campaign-runtime.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import type { ResolvedCampaignRecord } from '../../src/service/metric-resolver.js';
import { newTrialRecord } from '../../src/service/trial-factory.js';
import { smallCampaign } from '../helpers/small-campaign.js';

function campaign(): { record: ResolvedCampaignRecord; trials: TrialRecord[] } {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ sampler: 'gp' })));
  const record: ResolvedCampaignRecord = {
    metrics: prepared.metrics,
    id: 'c1',
    spec: prepared.spec,
    state: 'running',
    created_at: '2026-11-22T00:00:00.000Z',
    updated_at: '2026-11-22T00:00:00.000Z',
    baseline_config: prepared.baselineConfig,
    reference_configs: prepared.referenceConfigs,
  };
  const now = new Date('2026-11-22T00:00:00.000Z');
  const trials = [0, 100, 10000, -1].map((dirty, i): TrialRecord => ({
    ...newTrialRecord({ campaignId: 'c1', trialId: `t${i + 1}`, role: 'explore', space: prepared.space, config: { ...prepared.baselineConfig, dirty_decay_ms: dirty }, now }),
    // A stale proposal vector, as stored before an upgrade changed the embedding.
    vector: new Array<number>(8).fill(0.123),
    state: 'completed',
    summary: { 'harness:fragmentation.rss_bytes_at_300ms': { mean: 1e7 + i, sd: 0, n: 1, min: 1e7 + i, max: 1e7 + i }, 'harness:fragmentation.fragmentation_ratio_at_300ms': { mean: 2, sd: 0, n: 1, min: 2, max: 2 } },
  }));
  return { record, trials };
}

describe('campaign runtime across an embedding change', () => {
  it('embeds finished trials from their configs, not from stored proposal vectors', async () => {
    const { record, trials } = campaign();
    const runtime = await loadRuntime(record, trials, undefined);
    const observations = runtime.sampler.toJSON().observations;
    assert.equal(observations.length, 4);
    observations.forEach((o, i) => assert.deepEqual(o.vector, runtime.embedding.toVector((trials[i] as TrialRecord).config)));
  });

  it('restores a snapshot of the same space and relearns from the trials when the space digest differs', async () => {
    const { record, trials } = campaign();
    const first = await loadRuntime(record, trials.slice(0, 2), undefined);
    const snapshot = snapshotOf(first);
    assert.equal(snapshot.space_digest, spaceDigest(first.space));
    const bogus = { ...snapshot.sampler, observations: snapshot.sampler.observations.map((o) => ({ ...o, vector: o.vector.map(() => 0.999) })) };

    const same = await loadRuntime(record, trials.slice(0, 2), { ...snapshot, sampler: bogus });
    assert.ok(same.sampler.toJSON().observations.every((o) => o.vector.every((v) => v === 0.999)), 'same digest: the snapshot is trusted as is');

    const stale = await loadRuntime(record, trials, { ...snapshot, sampler: bogus, space_digest: 'older-embedding' });
    const relearned = stale.sampler.toJSON().observations;
    assert.equal(relearned.length, 4, 'every finished trial, once');
    assert.ok(relearned.every((o) => !o.vector.includes(0.999)), 'no stale vector survives');
    assert.deepEqual(stale.eiHistory, snapshot.ei_history, 'the stopping rule keeps its history');
  });
});
