import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Config } from '../../src/core/config.js';
import { knobVerdicts, untestedRiskLine, verdictLine } from '../../src/optimizer/recommend/distill-knob-verdicts.js';
import { minimalConfig, nextRevert, startDistillation, untestedRisks } from '../../src/optimizer/recommend/distillation.js';

const WINNER: Config = { a: 1, b: 2, c: 3, tcache: false };
const BASELINE: Config = { a: 0, b: 0, c: 0, tcache: true };
const IMPORTANCE = new Map([['a', 0.02], ['b', 0.03], ['c', 0.9], ['tcache', 0.05]]);
const TRAP = { knob: 'tcache', why: 'tcache=false is a known throughput trap (costs 18-29% ops/s)', early: true };

test('a trap knob is queued right after the guard drivers, before the least important knobs and outside the joint group', () => {
  const plain = startDistillation(WINNER, BASELINE, IMPORTANCE, [], null);
  assert.deepEqual(plain.remaining, ['a', 'b', 'tcache', 'c'], 'least important first without risks');
  const drivers = [{ knob: 'c', guard: 'p99_us', why: 'importance 0.60 on p99_us' }];
  const state = startDistillation(WINNER, BASELINE, IMPORTANCE, drivers, undefined, [TRAP, { knob: 'zz', why: 'not changed', early: true }]);
  assert.deepEqual(state.remaining, ['c', 'tcache', 'a', 'b'], 'guard driver, then the trap, then least important first');
  assert.match(state.order_reasons?.['tcache'] ?? '', /^early, a cost the objective does not show: tcache=false is a known throughput trap/);
  assert.deepEqual(state.group, ['a', 'b'], 'the trap is never hidden in the joint step of the least important knobs');
  assert.equal(nextRevert(state)?.knob, 'c');
});

test('a risk that is only suspected (not early) keeps its importance place', () => {
  const state = startDistillation(WINNER, BASELINE, IMPORTANCE, [], null, [{ knob: 'b', why: 'a thread-cache knob, throughput not measured', early: false }]);
  assert.deepEqual(state.remaining, ['a', 'b', 'tcache', 'c']);
});

test('revert_traps sets back only the untested knobs with a risk, made whole by the validator; keep changes nothing', () => {
  const risks = { tcache: TRAP.why, c: 'it may drive the guard p99_us' };
  const validate = (c: Config): Config => (c['tcache'] === true ? { ...c, tcache_max: 32768 } : c);
  const state = startDistillation(WINNER, { ...BASELINE, tcache_max: 32768 }, IMPORTANCE, [], null);
  state.remaining = ['b', 'tcache'];
  const reverts = untestedRisks(state, ['b', 'tcache'], risks, 'revert_traps', validate);
  assert.deepEqual(reverts, [{ knob: 'tcache', from: false, why: TRAP.why }], 'c was tested (not in untested), b has no risk');
  assert.equal(state.current['tcache'], true);
  assert.equal(state.current['tcache_max'], 32768, 'the re-activated child takes the baseline value');
  assert.deepEqual(minimalConfig(state), { a: 1, b: 2, c: 3 });
  assert.deepEqual(state.remaining, ['b'], 'the reverted knob leaves the queue; the other stays untested');

  const kept = startDistillation(WINNER, BASELINE, IMPORTANCE, [], null);
  assert.deepEqual(untestedRisks(kept, ['b', 'tcache'], risks, 'keep'), []);
  assert.deepEqual(minimalConfig(kept), WINNER);
});

test('the verdicts, the round\'s line and the export\'s line name the knobs reverted or kept untested and why', () => {
  const reverted = [{ knob: 'tcache', from: false, why: TRAP.why }];
  const v = knobVerdicts([], ['b', 'c'], { risks: { c: 'it may drive the guard p99_us, which is not shown to hold' }, reverted });
  assert.deepEqual(v.map((x) => [x.knob, x.outcome]), [['b', 'untested'], ['c', 'untested'], ['tcache', 'reverted_untested']]);
  assert.equal(v[0]?.risk, undefined);
  assert.match(v[1]?.summary ?? '', /^kept untested: the step budget \(max_steps\) ran out; not shown to carry any of the gain, yet it may drive the guard p99_us/);
  assert.match(v[2]?.summary ?? '', /^reverted untested from false to the baseline's value: .*tcache=false is a known throughput trap \(costs 18-29% ops\/s\)$/);
  assert.equal(verdictLine(v, 2), 'no revert held; max_steps (2) reached, kept untested: b, c; reverted, not shown to carry any of the gain, for a known or unmeasured cost: tcache');
  assert.equal(
    untestedRiskLine(v),
    'reverted untested (the step budget ran out before its step, and no step showed it carries any of the gain): tcache (tcache=false is a known throughput trap (costs 18-29% ops/s)); ' +
      'kept untested despite a known or unmeasured cost: c (it may drive the guard p99_us, which is not shown to hold)',
  );
  assert.equal(untestedRiskLine(knobVerdicts([], ['b'])), undefined, 'no risk: nothing to say');
});
