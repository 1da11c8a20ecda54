import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema, type CampaignSpecInput } from '../../src/core/campaign-spec.js';
import type { Config } from '../../src/core/config.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { continuesPass, decideNext, type CampaignView } from '../../src/service/campaign-decision.js';
import { prepareCampaign } from '../../src/service/campaign-setup.js';
import { buildLeaderboard } from '../../src/service/leaderboard.js';
import type { ResolvedCampaignRecord } from '../../src/service/metric-resolver.js';
import { newTrialRecord } from '../../src/service/trial-factory.js';
import { fakeWorker } from '../helpers/fake-trial-queue.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const CREATED = '2026-11-22T00:00:00.000Z';
const RSS = 'harness:fragmentation.rss_bytes_at_300ms';
const FRAG = 'harness:fragmentation.fragmentation_ratio_at_300ms';

/** A campaign (budget 4 explored trials) and a way to build its trials. */
function campaign(overrides: Partial<CampaignSpecInput> = {}) {
  const prepared = prepareCampaign(CampaignSpecSchema.parse(smallCampaign(overrides)));
  const record: ResolvedCampaignRecord = {
    id: 'c1', spec: prepared.spec, state: 'running', created_at: CREATED, updated_at: CREATED,
    baseline_config: prepared.baselineConfig, reference_configs: prepared.referenceConfigs, metrics: prepared.metrics,
  };
  let next = 1;
  const trial = (role: TrialRecord['role'], state: TrialRecord['state'], config: Config = {}, rss = 40e6, frag = 2): TrialRecord => {
    const t = newTrialRecord({
      campaignId: 'c1', trialId: `t${next++}`, role, space: prepared.space, config: { ...prepared.baselineConfig, ...config }, now: new Date(CREATED),
      ...(role === 'baseline' || role === 'placebo' ? { env: {} } : {}),
    });
    const m = (v: number) => ({ mean: v, sd: 0, n: 1, min: v, max: v });
    return state === 'completed' ? { ...t, state, summary: { [RSS]: m(rss), [FRAG]: m(frag) } } : { ...t, state };
  };
  const view = (trials: TrialRecord[], extra: Partial<CampaignView> = {}): CampaignView => ({
    record,
    trials,
    board: buildLeaderboard(record, trials),
    eiHistory: [],
    posteriorHistory: [],
    dimension: prepared.space.parameters.length,
    workers: [fakeWorker('w1', 4)],
    runningCampaigns: 1,
    nowMs: Date.parse(CREATED) + 60_000,
    ...extra,
  });
  return { record, trial, view };
}

describe('campaign decision (state in, action out)', () => {
  it('seeds the baseline, placebo and references first, and re-enqueues trials recorded before a restart', () => {
    const { trial, view } = campaign();
    assert.deepEqual(decideNext(view([])), { kind: 'seed' });
    assert.ok(continuesPass({ kind: 'seed' }), 'seeding leaves room for proposals in the same pass');
    assert.ok(!continuesPass({ kind: 'explore', count: 1 }), 'a proposal ends the pass');
    const proposed = trial('explore', 'proposed');
    assert.deepEqual(decideNext(view([trial('baseline', 'queued'), proposed])), { kind: 'enqueue', trial_ids: [proposed.trial_id] });
  });

  it('explores into the free share of the matching workers, within the trial budget', () => {
    const { trial, view } = campaign();
    const seeded = [trial('baseline', 'queued'), trial('placebo', 'queued')];
    assert.deepEqual(decideNext(view(seeded)), { kind: 'explore', count: 2 }, '4 slots, 2 taken by the baseline and placebo');
    assert.deepEqual(decideNext(view(seeded, { runningCampaigns: 2 })), { kind: 'wait', reason: 'every worker slot of this campaign is busy' }, 'two campaigns share 4 slots');
    const three = [...seeded.map((t) => ({ ...t, state: 'completed' as const })), trial('explore', 'completed'), trial('explore', 'completed'), trial('explore', 'completed')];
    assert.deepEqual(decideNext(view(three)), { kind: 'explore', count: 1 }, 'one trial of the budget left');
    const other = [fakeWorker('w9', 8)].map((w): WorkerInfo => ({ ...w, labels: { rack: 'b' } }));
    const routed = campaign({ worker_labels: { rack: 'a' } });
    assert.deepEqual(decideNext(routed.view([], { workers: other })), { kind: 'seed' });
    assert.deepEqual(
      decideNext(routed.view([routed.trial('baseline', 'queued')], { workers: other })),
      { kind: 'wait', reason: 'every worker slot of this campaign is busy' },
      'no matching worker: a share of one slot, taken',
    );
  });

  it('finishes on the wall-time budget whatever else is going on', () => {
    const { trial, view } = campaign();
    const action = decideNext(view([trial('baseline', 'queued')], { nowMs: Date.parse(CREATED) + 10 * 60_000 }));
    assert.deepEqual(action, { kind: 'finish', reason: 'wall_time: 600 s of 600 s used' });
  });

  it('at the budget notes why exploration stopped, waits for trials in flight, then plans the round on the least busy worker', () => {
    const { record, trial, view } = campaign();
    const done = [
      trial('baseline', 'completed', {}, 40e6),
      trial('placebo', 'completed', {}, 40e6),
      trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6),
      trial('explore', 'completed', { dirty_decay_ms: 5 }, 17e6),
      trial('explore', 'completed', { dirty_decay_ms: 7 }, 15e6, 99),
    ];
    const inFlight = [...done, trial('explore', 'queued', { dirty_decay_ms: 9 })];
    assert.deepEqual(decideNext(view(inFlight)), { kind: 'note_stop', reason: 'trial_budget: 4 of 4 trials used' });
    const noted = { ...record, stop_reason: 'trial_budget: 4 of 4 trials used' };
    assert.deepEqual(decideNext({ ...view(inFlight), record: noted }), { kind: 'wait', reason: 'exploration and the baseline finish first' });

    const finished = inFlight.map((t) => (t.state === 'queued' ? { ...t, state: 'completed' as const, summary: done[2]?.summary ?? {} } : t));
    const busy = { ...fakeWorker('w1', 4), active_trials: ['x', 'y'] };
    const idle = fakeWorker('w2', 4);
    const action = decideNext({ ...view(finished, { workers: [busy, idle] }), record: noted });
    assert.equal(action.kind, 'plan_duels');
    assert.ok(action.kind === 'plan_duels');
    assert.equal(action.worker, 'w2');
    assert.deepEqual(action.round.plans.map((p) => [p.a, p.b]).sort(), [['placebo', 'baseline'], ['t3', 'baseline']], 'the feasible leader (t5 breaks its constraint) and the placebo');
    assert.deepEqual(decideNext({ ...view(finished, { workers: [] }), record: noted }), { kind: 'wait', reason: 'no live worker for the confirmation round' });
  });

  it('finishes without duels when nothing feasible was found, or when duels are off', () => {
    const infeasible = campaign();
    const none = [infeasible.trial('baseline', 'completed'), infeasible.trial('placebo', 'completed'), ...[0, 1, 2, 3].map(() => infeasible.trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6, 99))];
    const record = { ...infeasible.record, stop_reason: 'trial_budget: 4 of 4 trials used' };
    assert.deepEqual(decideNext({ ...infeasible.view(none), record }), { kind: 'finish', reason: 'trial_budget: 4 of 4 trials used; no feasible config to confirm' });

    const off = campaign({ duel: { enabled: false } });
    const good = [off.trial('baseline', 'completed'), off.trial('placebo', 'completed'), ...[0, 1, 2, 3].map(() => off.trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6))];
    assert.deepEqual(decideNext({ ...off.view(good), record: { ...off.record, stop_reason: 'trial_budget: x' } }), { kind: 'finish', reason: 'trial_budget: x' });
  });

  it('under the sequential rule, extends the undecided duels one pair at a time on the round\'s worker, then distils', () => {
    const { record, trial, view } = campaign();
    const explored = [trial('baseline', 'completed'), trial('placebo', 'completed'), ...[0, 1, 2, 3].map(() => trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6))];
    const noise = [1.001, 0.998, 1.002, 0.999, 1.0015, 0.9985, 1.0005, 0.9995];
    const pairTrials = (duelId: string, arm: string, pair: number, candidateRss: number, baselineRss: number): TrialRecord[] =>
      (['a', 'b'] as const).map((side) => ({
        ...trial('duel', 'completed', side === 'a' ? { dirty_decay_ms: 0 } : {}, side === 'a' ? candidateRss : baselineRss),
        worker: 'w1',
        duel: { duel_id: duelId, pair_index: pair, side, arm: side === 'a' ? arm : 'baseline' },
      }));
    const noted = { ...record, stop_reason: 'trial_budget: 4 of 4 trials used' };
    const workers = [fakeWorker('w2', 4), fakeWorker('w1', 4)];
    // The placebo is flat (futile after 3 pairs); t3 is 3% better with 0.2% noise: clear, but the first look of an O'Brien-Fleming design needs more.
    const round = (pairs: number): TrialRecord[] => [
      ...explored,
      ...Array.from({ length: pairs }, (_, p) => [
        ...pairTrials('d1', 'placebo', p, 40e6 * (noise[p] ?? 1), 40e6 * (noise[7 - p] ?? 1)),
        ...pairTrials('d2', 't3', p, 38.8e6 * (noise[p] ?? 1), 40e6 * (noise[(p + 3) % 8] ?? 1)),
      ]).flat(),
    ];
    const first = decideNext({ ...view(round(2), { workers }), record: noted });
    assert.equal(first.kind, 'extend_duels', 'two pairs are short of the first look');
    const action = decideNext({ ...view(round(3), { workers }), record: noted });
    assert.ok(action.kind === 'extend_duels', `${action.kind}`);
    assert.equal(action.worker, 'w1', 'the worker that ran the round');
    assert.deepEqual(action.slots.map((s) => [s.slot.duel_id, s.slot.pair_index, s.slot.side]), [['d2', 3, 'b'], ['d2', 3, 'a']], 'only the undecided duel, B A on an odd pair');
    assert.equal(action.slots[1]?.source.config['dirty_decay_ms'], 0, 'each side runs its arm\'s config');
    let pairs = 4;
    while (decideNext({ ...view(round(pairs), { workers }), record: noted }).kind === 'extend_duels') pairs++;
    assert.ok(pairs <= 6, `decided after ${pairs} pairs`);
    const board = buildLeaderboard(noted, round(pairs));
    const t3 = board.rows.find((r) => r.arm === 't3');
    assert.equal(t3?.verdict?.rule, 'sequential');
    assert.equal(t3?.verdict?.action, 'claim', t3?.verdict?.reason);
    assert.equal(t3?.verdict?.look, pairs - 2);
    assert.equal(board.rows.find((r) => r.arm === 'placebo')?.verdict?.action, 'futile');
    assert.deepEqual(decideNext({ ...view(round(pairs), { workers }), record: noted }), { kind: 'start_distill' });
  });

  it('during the round re-plans pairs of a lost worker, waits for the rest, and finishes once measured', () => {
    const { record, trial, view } = campaign({ duel: { confirm: { rule: 'fixed' } } });
    const explored = [trial('baseline', 'completed'), trial('placebo', 'completed'), ...[0, 1, 2, 3].map(() => trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6))];
    const duel = (pair: number, side: 'a' | 'b', state: TrialRecord['state'], worker: string): TrialRecord => ({
      ...trial('duel', state),
      worker,
      duel: { duel_id: 'd1', pair_index: pair, side, arm: side === 'a' ? 't3' : 'baseline' },
    });
    const noted = { ...record, stop_reason: 'trial_budget: 4 of 4 trials used' };
    const round = [...explored, duel(0, 'a', 'completed', 'w1'), duel(0, 'b', 'completed', 'w1'), duel(1, 'b', 'queued', 'gone'), duel(1, 'a', 'queued', 'gone')];
    const action = decideNext({ ...view(round), record: noted });
    assert.equal(action.kind, 'replan_duels');
    assert.ok(action.kind === 'replan_duels');
    assert.deepEqual([action.worker, action.broken.map((b) => [b.pair_index, b.lost_worker])], ['w1', [[1, 'gone']]]);
    assert.deepEqual(decideNext({ ...view(round, { workers: [] }), record: noted }), { kind: 'wait', reason: 'duel pairs running' }, 'no live worker to move them to');
    const measured = round.map((t) => (t.state === 'queued' ? { ...t, state: 'completed' as const } : t));
    assert.deepEqual(decideNext({ ...view(measured), record: noted }), { kind: 'start_distill' }, 'the distillation round comes next');
    const off = { ...noted, spec: { ...noted.spec, distill: { ...noted.spec.distill, enabled: false } } };
    assert.deepEqual(decideNext({ ...view(measured), record: off }), { kind: 'finish', reason: 'trial_budget: 4 of 4 trials used' }, 'unless it is off');
  });

  it('walks the distillation round: plan a step, decide it once measured, confirm, finish with its reason', () => {
    const { record, trial, view } = campaign();
    const explored = [trial('baseline', 'completed'), trial('placebo', 'completed'), trial('explore', 'completed', { dirty_decay_ms: 0 }, 16e6)];
    const duels = [{ ...trial('duel', 'completed'), worker: 'w1', duel: { duel_id: 'd1', pair_index: 0, side: 'a' as const, arm: 't3' } }];
    const base = { ...record, stop_reason: 'trial_budget' };
    const step = { duel_id: 's1', knob: 'narenas', from: 2, to: 'default', candidate: {}, current: {} };
    const d = { status: 'stepping' as const, remaining: ['narenas', 'tcache'], importance: {}, steps: [], current: { narenas: 2, tcache: false }, baseline_effective: { narenas: 'default', tcache: true } };
    assert.deepEqual(decideNext({ ...view([...explored, ...duels]), record: { ...base, distillation: d } }), { kind: 'plan_distill_step', worker: 'w1' });
    const open = { ...d, steps: [step] };
    const stepTrial = { ...trial('distill', 'queued'), worker: 'w1', duel: { duel_id: 's1', pair_index: 0, side: 'a' as const, arm: 'candidate' } };
    assert.equal(decideNext({ ...view([...explored, ...duels, stepTrial]), record: { ...base, distillation: open } }).kind, 'wait', 'its pairs run first');
    const measured = [...explored, ...duels, { ...stepTrial, state: 'completed' as const }];
    assert.deepEqual(decideNext({ ...view(measured), record: { ...base, distillation: open } }), { kind: 'decide_distill_step' });
    assert.deepEqual(decideNext({ ...view(measured), record: { ...base, distillation: { ...d, status: 'confirming' as const } } }), { kind: 'decide_distill_confirm' });
    const done = decideNext({ ...view(measured), record: { ...base, distillation: { ...d, status: 'done' as const, reason: 'reverted narenas' } } });
    assert.deepEqual(done, { kind: 'finish', reason: 'trial_budget; distillation done: reverted narenas' });
  });
});
