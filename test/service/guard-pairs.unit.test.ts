import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { GUARD_MIN_PAIRS, guardWantsPairs, judgeGuards, presentRecommendation } from '../../src/optimizer/recommend/guard-verdicts.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { confirmationProgress, extensionSlots } from '../../src/service/confirmation-progress.js';
import { collectDuels } from '../../src/service/duel-plan.js';
import type { ResolvedCampaignRecord } from '../../src/service/metric-resolver.js';
import { guardsNeedPairs, guardVerdicts } from '../../src/service/recommendation-evidence.js';
import { newTrialRecord } from '../../src/service/trial-factory.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const RSS = 'harness:fragmentation.rss_bytes_at_300ms';
const FRAG = 'harness:fragmentation.fragmentation_ratio_at_300ms';
const OPS = 'harness:fragmentation.ops_per_cpu_s';
const MAX_PAIRS = 8;

/**
 * A sequential confirmation duel t1 vs baseline with `pairs` completed pairs: RSS 40 % lower (far
 * above its 0.2 % noise, so the rule claims at the first look, 3 pairs) and ops per CPU-second
 * `opsFactor` x the baseline's with `opsCv` noise per run.
 */
function duel(pairs: number, opsFactor: number, opsCv: number, seed = 1): { record: ResolvedCampaignRecord; trials: TrialRecord[] } {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign({ duel: { candidates: 1, pairs: 6, confirm: { rule: 'sequential', min_pairs: 3, max_pairs: MAX_PAIRS } } })));
  const record: ResolvedCampaignRecord = {
    metrics: prepared.metrics,
    id: 'c1', spec: prepared.spec, state: 'running', created_at: '2026-12-01T00:00:00.000Z', updated_at: '2026-12-01T00:00:00.000Z',
    baseline_config: prepared.baselineConfig, reference_configs: prepared.referenceConfigs,
  };
  const rng = new SeededRng(seed);
  const now = new Date('2026-12-01T00:00:00.000Z');
  const trials: TrialRecord[] = [];
  let n = 0;
  const run = (arm: 't1' | 'baseline', pair: number): TrialRecord => {
    const candidate = arm === 't1';
    const rss = 40e6 * (candidate ? 0.6 : 1) * (1 + rng.normal(0, 0.002));
    const ops = 1e6 * (candidate ? opsFactor : 1) * (1 + rng.normal(0, opsCv));
    const stat = (v: number) => ({ mean: v, sd: 0, n: 1, min: v, max: v });
    return {
      ...newTrialRecord({ campaignId: 'c1', trialId: `t${++n}`, role: 'duel', space: prepared.space, config: { ...prepared.baselineConfig, ...(candidate ? { dirty_decay_ms: 0 } : {}) }, now, ...(candidate ? {} : { env: {} }) }),
      duel: { duel_id: 'd1', pair_index: pair, side: candidate ? 'a' : 'b', arm },
      state: 'completed',
      summary: { [RSS]: stat(rss), [FRAG]: stat(2), [OPS]: stat(ops) },
    };
  };
  for (let p = 0; p < pairs; p++) trials.push(...(p % 2 === 0 ? [run('t1', p), run('baseline', p)] : [run('baseline', p), run('t1', p)]));
  return { record, trials };
}

function extension(record: ResolvedCampaignRecord, trials: TrialRecord[], withGuards: boolean) {
  return extensionSlots(record, trials, collectDuels(record, trials), withGuards ? (arm) => guardsNeedPairs(record, trials, arm) : undefined);
}

describe('guard evidence when a sequential duel claims after 3 pairs', () => {
  it('the duel claims at 3 pairs; the guard is an unknown cost, never "no regression"', () => {
    const { record, trials } = duel(3, 1.0, 0.005);
    const progress = confirmationProgress(record, collectDuels(record, trials));
    assert.equal(progress[0]?.action, 'claim', 'overwhelming evidence claims at the first look');
    const { verdicts, evidence } = guardVerdicts(record, trials, 't1', 'duel');
    const ops = verdicts.find((v) => v.metric === OPS);
    assert.equal(ops?.status, 'too_few_pairs');
    assert.match(ops?.summary ?? '', /not enough pairs \(3; 6 needed\): unknown cost/);
    assert.equal(evidence.find((e) => e.metric === OPS)?.pairs, 3);
    const rec = presentRecommendation('-40% RSS', verdicts);
    assert.doesNotMatch(rec.headline, /guards hold/);
    assert.match(rec.headline, /unknown cost, not enough pairs: harness:fragmentation\.ops_per_cpu_s \(3 pairs\)/);
    assert.deepEqual(rec.unknown, [OPS]);
  });

  it('the claimed duel continues, one pair at a time, until the guard has its pairs; without guards it would stop', () => {
    const { record, trials } = duel(3, 1.0, 0.005);
    assert.deepEqual(extension(record, trials, false), [], 'the objective alone is decided');
    const slots = extension(record, trials, true);
    assert.deepEqual(slots.map((s) => `${s.slot.duel_id}:${s.slot.pair_index}:${s.slot.side}`), ['d1:3:b', 'd1:3:a'], 'pair 3, sides alternated');
  });

  it('once the guard is judged within its margin on enough pairs, the duel stops', () => {
    const { record, trials } = duel(GUARD_MIN_PAIRS, 1.0, 0.005);
    assert.equal(guardVerdicts(record, trials, 't1', 'duel').verdicts.find((v) => v.metric === OPS)?.status, 'ok');
    assert.deepEqual(extension(record, trials, true), []);
  });

  it('a clear regression is a verdict at 3 pairs already: stated as a cost, no more pairs', () => {
    const { record, trials } = duel(3, 0.85, 0.005);
    const ops = guardVerdicts(record, trials, 't1', 'duel').verdicts.find((v) => v.metric === OPS);
    assert.equal(ops?.status, 'regressed');
    assert.deepEqual(extension(record, trials, true), []);
  });

  it('a guard too noisy for max_pairs to decide stops asking; at max_pairs it is reported inconclusive', () => {
    const noisy = duel(GUARD_MIN_PAIRS + 1, 1.0, 0.2);
    const ops = guardVerdicts(noisy.record, noisy.trials, 't1', 'duel').verdicts.find((v) => v.metric === OPS);
    assert.equal(ops?.status, 'inconclusive');
    assert.deepEqual(extension(noisy.record, noisy.trials, true), [], `20 % spread: even ${MAX_PAIRS} pairs could not decide a 3 % margin`);
    const full = duel(MAX_PAIRS, 1.0, 0.2);
    assert.equal(guardVerdicts(full.record, full.trials, 't1', 'duel').verdicts.find((v) => v.metric === OPS)?.status, 'inconclusive');
    assert.deepEqual(extension(full.record, full.trials, true), [], `no pair beyond max_pairs (${MAX_PAIRS})`);
  });

  it('an inconclusive guard that max_pairs could decide asks for more pairs', () => {
    // Log ratios +-4 %: mean 0, sd 4.4 %. At 6 pairs the loss bound (3.6 %) is over the 3 % margin;
    // at 12 pairs the half-width (2.3 %) would be under it, at 7 (3.2 %) not.
    const baseline = Array.from({ length: 6 }, () => 1e6);
    const candidate = baseline.map((b, i) => b * Math.exp(i % 2 === 0 ? 0.04 : -0.04));
    const [v] = judgeGuards([{ metric: OPS, direction: 'max', margin: 0.03 }], new Map([[OPS, { candidate, baseline }]]));
    assert.ok(v);
    assert.equal(v.status, 'inconclusive', v.summary);
    assert.equal(guardWantsPairs(v, 12), true);
    assert.equal(guardWantsPairs(v, 7), false);
    assert.equal(guardWantsPairs(v, 6), false, 'max_pairs reached');
  });

  it('with fewer than GUARD_MIN_PAIRS pairs a guard is never "ok", over many seeds and spreads', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new SeededRng(seed);
      const n = 2 + (seed % (GUARD_MIN_PAIRS - 2));
      const baseline = Array.from({ length: n }, () => 1e6 * (1 + rng.normal(0, 0.001 * (1 + (seed % 7)))));
      const candidate = baseline.map((b) => b * (1 + rng.normal(0, 0.001)));
      const [v] = judgeGuards([{ metric: OPS, direction: 'max', margin: 0.03 }], new Map([[OPS, { candidate, baseline }]]));
      assert.equal(v?.status, 'too_few_pairs', `seed ${seed}, ${n} pairs`);
    }
  });
});
