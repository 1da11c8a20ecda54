import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import type { Config } from '../../src/core/config.js';
import { planConfirmationRound } from '../../src/service/duel-round.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import type { ResolvedCampaignRecord } from '../../src/service/metric-resolver.js';
import { buildLeaderboard } from '../../src/service/leaderboard.js';
import { newTrialRecord } from '../../src/service/trial-factory.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const RSS = 'harness:fragmentation.rss_bytes_at_300ms';
const FRAG = 'harness:fragmentation.fragmentation_ratio_at_300ms';

function setup(references: { name: string; malloc_conf: string }[], rule: 'fixed' | 'sequential' = 'fixed'): { record: ResolvedCampaignRecord; trials: TrialRecord[] } {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ references, duel: { candidates: 2, pairs: 8, confirm: { rule } } })));
  const record: ResolvedCampaignRecord = {
    metrics: prepared.metrics,
    id: 'c1', spec: prepared.spec, state: 'running', created_at: '2026-11-22T00:00:00.000Z', updated_at: '2026-11-22T00:00:00.000Z',
    baseline_config: prepared.baselineConfig, reference_configs: prepared.referenceConfigs,
  };
  const now = new Date('2026-11-22T00:00:00.000Z');
  const done = (t: TrialRecord, rss: number, frag: number): TrialRecord => ({
    ...t,
    state: 'completed',
    summary: { [RSS]: { mean: rss, sd: 0, n: 1, min: rss, max: rss }, [FRAG]: { mean: frag, sd: 0, n: 1, min: frag, max: frag } },
  });
  const trial = (n: number, role: TrialRecord['role'], config: Config, extra: Partial<TrialRecord> = {}): TrialRecord => ({
    ...newTrialRecord({ campaignId: 'c1', trialId: `t${n}`, role, space: prepared.space, config: { ...prepared.baselineConfig, ...config }, now, ...(role === 'baseline' || role === 'placebo' ? { env: {} } : {}) }),
    ...extra,
  });
  const trials = [
    done(trial(1, 'baseline', {}), 40e6, 2),
    done(trial(2, 'placebo', {}), 40e6, 2),
    ...prepared.referenceConfigs.map((r, i) => done({ ...trial(3 + i, 'reference', r.config), reference: r.name }, 30e6, 2)),
    done(trial(10, 'explore', { dirty_decay_ms: 0 }), 16e6, 2), // best
    done(trial(11, 'explore', { dirty_decay_ms: 5 }), 17e6, 2), // second
    done(trial(12, 'explore', { dirty_decay_ms: 7 }), 15e6, 99), // best RSS but infeasible (fragmentation > 50)
    done(trial(13, 'explore', { dirty_decay_ms: 20000 }), 41e6, 2),
  ];
  return { record, trials };
}

describe('confirmation round', () => {
  it('duels leaders, placebo and references against the baseline, leaders with each other and the leader with each reference', () => {
    const { record, trials } = setup([{ name: 'seed', malloc_conf: 'dirty_decay_ms:1000' }]);
    const round = planConfirmationRound(record, buildLeaderboard(record, trials), trials);
    assert.ok(round);
    assert.deepEqual(round.plans.map((p) => `${p.a}-${p.b}`), ['placebo-baseline', 't10-baseline', 't11-baseline', 't10-t11', 'seed-baseline', 't10-seed']);
    assert.equal(round.slots.length, 6 * 8 * 2, 'six duels x eight pairs x two sides');
    // Interleaved pair by pair: every duel's pair 0 runs before any pair 1.
    const firstPair1 = round.slots.findIndex((s) => s.slot.pair_index === 1);
    assert.ok(round.slots.slice(0, firstPair1).every((s) => s.slot.pair_index === 0) && firstPair1 === 12);
    // Sides alternate A B, B A within a duel; each slot runs its arm's config.
    const d2 = round.slots.filter((s) => s.slot.duel_id === 'd2');
    assert.deepEqual(d2.map((s) => s.slot.side).join(''), 'abbaabbaabbaabba');
    for (const s of round.slots) if (s.slot.arm === 't10') assert.equal(s.source.config['dirty_decay_ms'], 0);
    assert.ok(!round.slots.some((s) => s.slot.arm === 't12'), 'an infeasible config is never dueled');
  });

  it('under the sequential rule starts every duel with the first look\'s pairs', () => {
    const { record, trials } = setup([{ name: 'seed', malloc_conf: 'dirty_decay_ms:1000' }], 'sequential');
    const round = planConfirmationRound(record, buildLeaderboard(record, trials), trials);
    assert.ok(round);
    assert.equal(round.slots.length, 6 * 3 * 2, 'six duels x min_pairs (3) x two sides');
  });

  it('has nothing to confirm without a feasible leader or a reference', () => {
    const { record, trials } = setup([]);
    const onlyInfeasible = trials.filter((t) => t.role !== 'explore' || t.trial_id === 't12');
    assert.equal(planConfirmationRound(record, buildLeaderboard(record, onlyInfeasible), onlyInfeasible), undefined);
  });
});
