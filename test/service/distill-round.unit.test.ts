import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig, loadSpace } from '../../src/spaces/index.js';
import { baselineEffective, baselineEffectiveAll, deployableChanges, finishSteps, planDistillStep, planStepExtension, settleConfig } from '../../src/service/distill-round.js';
import type { DistillationRecord, DistillStep, TrialRecord } from '../../src/core/campaign-record.js';
import { knobVerdicts, untestedRiskLine, type KnobVerdict } from '../../src/optimizer/recommend/distill-knob-verdicts.js';

const space = loadSpace('jemalloc');
const baseline = defaultConfig(space);

describe('distillation steps on the jemalloc space', () => {
  it('a revert that re-activates a child knob gives it the baseline value; one that deactivates it drops it', () => {
    const noTcache: Record<string, string | number | boolean> = { ...baseline, tcache: false };
    delete noTcache['tcache_max'];
    assert.equal(settleConfig(space, { ...noTcache, tcache: true }, baseline)['tcache_max'], baseline['tcache_max']);
    const off = settleConfig(space, { ...baseline, tcache_max: 1024, tcache: false }, baseline);
    assert.equal(off['tcache_max'], undefined);
  });

  it('plans the revert of the first remaining knob as interleaved candidate/current pairs', () => {
    const winner: Record<string, string | number | boolean> = { ...baseline, tcache: false, dirty_decay_ms: 0 };
    delete winner['tcache_max'];
    const d = { status: 'stepping' as const, remaining: ['tcache', 'dirty_decay_ms'], importance: {}, steps: [], current: winner, baseline_effective: { tcache: true, dirty_decay_ms: 10_000 } };
    const planned = planDistillStep(d, space, 2, baseline);
    assert.ok(planned);
    assert.equal(planned.step.knob, 'tcache');
    assert.equal(planned.step.candidate['tcache'], true);
    assert.equal(planned.step.candidate['tcache_max'], baseline['tcache_max'], 'the re-activated child takes the baseline value');
    assert.deepEqual(planned.slots.map((s) => `${s.slot.pair_index}${s.slot.side}`), ['0a', '0b', '1b', '1a']);
    assert.deepEqual(deployableChanges(planned.step.candidate, baseline), { dirty_decay_ms: 0 });
  });
});

describe('what the baseline runs with', () => {
  it('a knob the baseline leaves inactive counts as its default: restating it is no change', () => {
    const record = { baseline_config: baseline } as Parameters<typeof baselineEffective>[0];
    const winner = { ...baseline, background_thread: true, max_background_threads: 4, dirty_decay_ms: 0 };
    const effective = baselineEffective(record, [], space, winner);
    assert.equal(effective['max_background_threads'], 4);
    assert.deepEqual(Object.keys(deployableChanges(winner, effective)).sort(), ['background_thread', 'dirty_decay_ms']);
  });

  it('covers every knob of the space: a child re-activated by a revert (tcache back on) is no change at its read-back value', () => {
    // A campaign from the defaults stores an empty baseline config; the winner turned tcache off, so it has no tcache_max.
    const record = { baseline_config: {} } as Parameters<typeof baselineEffective>[0];
    const winner: Record<string, string | number | boolean> = { ...baseline, tcache: false, dirty_decay_ms: 3 };
    delete winner['tcache_max'];
    delete winner['lg_tcache_nslots_mul'];
    const readBack = { trial_id: 't1', campaign_id: 'c1', role: 'baseline' as const, config_key: '(defaults)', config: {}, env: {}, state: 'completed' as const, proposed_at: '', effective_options: { tcache: true, tcache_max: 32768, lg_tcache_nslots_mul: 1, dirty_decay_ms: 10_000 } };
    const all = baselineEffectiveAll(record, [readBack], space, winner);
    assert.equal(all['tcache_max'], 32768);
    const reverted = settleConfig(space, { ...winner, tcache: true }, all);
    assert.equal(reverted['tcache_max'], 32768, 'the re-activated child takes the baseline value');
    assert.deepEqual(deployableChanges(reverted, all), { dirty_decay_ms: 3 }, 'only the knob that carries the gain is deployed');
    // Over the winner's own knobs only (as before), the re-activated children looked like knobs the baseline lacks.
    assert.ok(Object.hasOwn(deployableChanges(reverted, baselineEffective(record, [readBack], space, winner)), 'tcache_max'));
  });

  it('prefers the value the baseline read back when the space accepts it', () => {
    const record = { baseline_config: baseline } as Parameters<typeof baselineEffective>[0];
    const readBack = { trial_id: 't1', campaign_id: 'c1', role: 'baseline' as const, config_key: '(defaults)', config: baseline, env: {}, state: 'completed' as const, proposed_at: '', effective_options: { muzzy_decay_ms: 1000, narenas: 8 } };
    const effective = baselineEffective(record, [readBack], space, { ...baseline, muzzy_decay_ms: 1000, narenas: 2 });
    assert.equal(effective['muzzy_decay_ms'], 1000, 'the read-back value: a winner restating it changes nothing');
    assert.equal(effective['narenas'], 8);
  });
});

describe('more pairs for an undecided step', () => {
  it('continue after the highest pair index of its duel (a lost pair\'s re-run included), alternating as before', () => {
    const step = { duel_id: 's2', knob: 'narenas', knobs: ['narenas'], from: 2, candidate: { narenas: 8 }, current: { narenas: 2 }, pairs_planned: 4 };
    const d = { status: 'stepping' as const, remaining: ['narenas'], importance: {}, steps: [step] };
    const trial = (pair: number, side: 'a' | 'b'): TrialRecord => ({ trial_id: `t${pair}${side}`, campaign_id: 'c1', role: 'distill', config_key: '', config: {}, env: {}, state: 'completed', proposed_at: '', duel: { duel_id: 's2', pair_index: pair, side, arm: side === 'a' ? 'candidate' : 'current' } });
    // Pairs 0..3 planned, pair 1 lost and re-run as pair 4.
    const trials = [0, 1, 2, 3, 4].flatMap((p) => [trial(p, 'a'), trial(p, 'b')]);
    const slots = planStepExtension(d, trials, 2);
    assert.deepEqual(slots.map((s) => `${s.slot.pair_index}${s.slot.side}`), ['5b', '5a', '6a', '6b']);
    assert.ok(slots.every((s) => s.slot.duel_id === 's2'));
    assert.deepEqual(slots.find((s) => s.slot.side === 'a')?.config, { narenas: 8 }, 'side a is the candidate');
    assert.deepEqual(planStepExtension({ ...d, steps: [{ ...step, kept: true, outcome: 'inconclusive' as const }] }, trials, 2), [], 'a decided step gets none');
  });
});

describe('the end of the steps with knobs left untested (distill.untested)', () => {
  const TRAP = 'tcache=false is a known throughput trap (cost 18-29% SET/GET ops/s)';
  const winner: Record<string, string | number | boolean> = { ...baseline, tcache: false, narenas: 2, dirty_decay_ms: 0 };
  delete winner['tcache_max'];
  delete winner['lg_tcache_nslots_mul'];
  const carried: DistillStep = { duel_id: 's1', knob: 'dirty_decay_ms', knobs: ['dirty_decay_ms'], from: 0, to: 10_000, candidate: { ...winner, dirty_decay_ms: 10_000 }, current: winner, outcome: 'carries_gain', kept: true, reason: 'costs 40%' };
  const round = (current: Record<string, string | number | boolean>, remaining: string[], steps: DistillStep[]): DistillationRecord => ({
    status: 'stepping', winner_arm: 'guide', winner_config: current, baseline_effective: baseline, current, remaining, importance: {}, steps, risks: { tcache: TRAP },
  });
  const settle = (c: Record<string, string | number | boolean>) => settleConfig(space, c, baseline);

  it('revert_traps: the untested trap knob is set back, and the config without it is the one confirmed against the baseline', () => {
    const { next, confirm } = finishSteps(round(winner, ['tcache', 'narenas'], [carried]), { max_steps: 1, untested: 'revert_traps' }, settle);
    assert.equal(confirm, true, 'a config other than the winner: it needs its own duel');
    assert.equal(next.status, 'confirming');
    assert.deepEqual(next.minimal, { narenas: 2, dirty_decay_ms: 0 });
    assert.equal(next.current?.['tcache'], true);
    assert.equal(next.current?.['tcache_max'], baseline['tcache_max'], 'the re-activated child takes the baseline value');
    assert.deepEqual(next.reverted_untested, [{ knob: 'tcache', from: false, why: TRAP }]);
    assert.deepEqual(next.remaining, ['narenas']);
    assert.equal(next.reason, 'no revert held; shown to carry the gain: dirty_decay_ms; max_steps (1) reached, kept untested: narenas; reverted, not shown to carry any of the gain, for a known or unmeasured cost: tcache');
  });

  it('revert_traps: a trap knob whose own step could not tell is set back too, and the reason and verdict say its step decided nothing', () => {
    const unsure: DistillStep = { duel_id: 's2', knob: 'tcache', knobs: ['tcache'], from: false, to: true, candidate: { ...winner, tcache: true }, current: winner, outcome: 'inconclusive', kept: true, reason: 'could not tell with 3 pairs' };
    const d = round(winner, ['narenas'], [carried, unsure]);
    const { next, confirm } = finishSteps(d, { max_steps: 2, untested: 'revert_traps' }, settle);
    assert.equal(confirm, true);
    assert.deepEqual(next.minimal, { narenas: 2, dirty_decay_ms: 0 });
    assert.deepEqual(next.reverted_untested, [{ knob: 'tcache', from: false, why: TRAP }]);
    assert.equal(next.reason, 'no revert held; shown to carry the gain: dirty_decay_ms; max_steps (2) reached, kept untested: narenas; reverted, not shown to carry any of the gain, for a known or unmeasured cost: tcache');
    const [verdict] = knobVerdicts(next.steps, ['narenas'], { risks: next.risks ?? {}, reverted: next.reverted_untested ?? [] }).filter((v) => v.knob === 'tcache');
    assert.equal(verdict?.outcome, 'reverted_untested');
    assert.equal(verdict?.step, 's2');
    assert.match(verdict?.summary ?? '', /^reverted from false to the baseline's value after its step s2 could not tell whether it carries any of the gain \(could not tell with 3 pairs\), and tcache=false is a known throughput trap/);
    assert.match(untestedRiskLine([verdict as KnobVerdict]) ?? '', /^reverted after its step could not tell whether it carries any of the gain: tcache \(tcache=false is a known/);
    // A knob without a risk whose step could not tell stays, as before.
    const plain = finishSteps({ ...d, risks: {} }, { max_steps: 2, untested: 'revert_traps' }, settle);
    assert.equal(plain.next.minimal?.['tcache'], false);
    assert.equal(plain.next.reverted_untested, undefined);
  });

  it('keep: the winner is kept whole with the trap knob untested, as before', () => {
    const { next, confirm } = finishSteps(round(winner, ['tcache', 'narenas'], [carried]), { max_steps: 1, untested: 'keep' }, settle);
    assert.equal(confirm, false);
    assert.equal(next.status, 'done');
    assert.equal(next.minimal?.['tcache'], false);
    assert.equal(next.reverted_untested, undefined);
    assert.match(next.reason ?? '', /kept untested: tcache, narenas: the confirmed winner is kept whole$/);
  });

  it('a revert of the risky knobs that would leave nothing of the winner is not made: its gain lies there, and the reason says so', () => {
    // The winner changed tcache and dirty_decay_ms; the one step reverted dirty_decay_ms.
    const only: Record<string, string | number | boolean> = { ...winner, narenas: baseline['narenas'] as number, dirty_decay_ms: baseline['dirty_decay_ms'] as number };
    const tested: DistillStep = { ...carried, outcome: 'reverted', kept: false, candidate: only };
    const { next, confirm } = finishSteps(round(only, ['tcache'], [tested]), { max_steps: 1, untested: 'revert_traps' }, settle);
    assert.equal(confirm, true, 'the tested revert still gives a smaller config to confirm');
    assert.deepEqual(next.minimal, { tcache: false });
    assert.equal(next.reverted_untested, undefined);
    assert.equal(next.reason, 'reverted dirty_decay_ms; max_steps (1) reached, kept untested: tcache; tcache not reverted untested: that would leave nothing of the winner, so its gain lies there');
  });
});
