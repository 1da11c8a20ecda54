import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import type { Config } from '../../src/core/config.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { planConfirmationRound } from '../../src/service/duel-round.js';
import { buildLeaderboard } from '../../src/service/leaderboard.js';
import type { ResolvedCampaignRecord } from '../../src/service/metric-resolver.js';
import { newTrialRecord } from '../../src/service/trial-factory.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const RSS = 'harness:fragmentation.rss_bytes_at_300ms';
const FRAG = 'harness:fragmentation.fragmentation_ratio_at_300ms';

function setup(): { record: ResolvedCampaignRecord; trial: (n: number, role: TrialRecord['role'], config: Config, rss: number[], extra?: Partial<TrialRecord>) => TrialRecord } {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ duel: { candidates: 2, pairs: 8, confirm: { rule: 'fixed' } } })));
  const record: ResolvedCampaignRecord = {
    metrics: prepared.metrics,
    id: 'c1', spec: prepared.spec, state: 'running', created_at: '2026-11-22T00:00:00.000Z', updated_at: '2026-11-22T00:00:00.000Z',
    baseline_config: prepared.baselineConfig, reference_configs: prepared.referenceConfigs,
  };
  const now = new Date('2026-11-22T00:00:00.000Z');
  const trial = (n: number, role: TrialRecord['role'], config: Config, rss: number[], extra: Partial<TrialRecord> = {}): TrialRecord => {
    const mean = rss.reduce((a, b) => a + b, 0) / rss.length;
    return {
      ...newTrialRecord({ campaignId: 'c1', trialId: `t${n}`, role, space: prepared.space, config: { ...prepared.baselineConfig, ...config }, now, ...(role === 'baseline' || role === 'placebo' ? { env: {} } : {}) }),
      state: 'completed',
      summary: {
        [RSS]: { mean, sd: 0, n: rss.length, min: Math.min(...rss), max: Math.max(...rss), values: rss },
        [FRAG]: { mean: 2, sd: 0, n: rss.length, min: 2, max: 2, values: rss.map(() => 2) },
      },
      ...extra,
    };
  };
  return { record, trial };
}

describe('leaderboard and confirmation with cut and low-fidelity trials', () => {
  it('shows a cut trial with its note and never duels it, even when it would lead', () => {
    const { record, trial } = setup();
    const cut = { after_repeats: 1, of_repeats: 3, metric: RSS, value: 10e6, limit: 9e6, side: 'above' as const, log_sd: 0.01, log_sds: {}, reason: `${RSS} 10000000 > cut limit 9000000 (its first repeat)` };
    const trials = [
      trial(1, 'baseline', {}, [40e6, 40e6]),
      trial(2, 'placebo', {}, [40e6, 40e6]),
      trial(10, 'explore', { dirty_decay_ms: 0 }, [10e6], { cut_short: cut }),
      trial(11, 'explore', { dirty_decay_ms: 5 }, [17e6, 17e6]),
    ];
    const board = buildLeaderboard(record, trials);
    const row = board.rows.find((r) => r.arm === 't10');
    assert.deepEqual(row?.cut_short, [`cut after 1 of 3 repeats: ${cut.reason}`]);
    assert.equal(board.rows.find((r) => r.arm === 't11')?.cut_short, undefined);
    const round = planConfirmationRound(record, board, trials);
    assert.ok(round);
    assert.ok(!round.plans.some((p) => p.a === 't10' || p.b === 't10'), 'the cut trial is not dueled');
    assert.ok(round.plans.some((p) => p.a === 't11'));
  });

  it('pools an arm over its full-fidelity trials only once it has them', () => {
    const { record, trial } = setup();
    const slot = (pair: number, side: 'a' | 'b', arm: string) => ({ duel: { duel_id: 'd1', pair_index: pair, side, arm }, worker: 'w' });
    const low = { fidelity: 'low' as const };
    const trials = [
      trial(1, 'baseline', {}, [20e6, 20e6], low),
      trial(2, 'placebo', {}, [20e6, 20e6], low),
      trial(10, 'explore', { dirty_decay_ms: 0 }, [8e6, 8e6], low),
      trial(20, 'duel', { dirty_decay_ms: 0 }, [16e6], slot(0, 'a', 't10')),
      trial(21, 'duel', {}, [40e6], slot(0, 'b', 'baseline')),
    ];
    const board = buildLeaderboard(record, trials);
    assert.equal(board.rows.find((r) => r.arm === 't10')?.objective?.mean, 16e6, 'the duel pair, not the low-fidelity exploration');
    assert.equal(board.rows.find((r) => r.arm === 'baseline')?.objective?.mean, 40e6);
    assert.equal(board.rows.find((r) => r.arm === 'placebo')?.objective?.mean, 20e6, 'an arm with only low-fidelity trials shows those');
    // The board says which rows hold low-fidelity figures, so a replay's RSS is not read as the program's.
    assert.equal(board.rows.find((r) => r.arm === 'placebo')?.fidelity, 'low');
    assert.equal(board.rows.find((r) => r.arm === 't10')?.fidelity, undefined, 'measured at full fidelity once dueled');
    assert.equal(board.rows.find((r) => r.arm === 'baseline')?.fidelity, undefined);
  });
});
