import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DistillStep } from '../../src/core/campaign-record.js';
import { knobVerdicts, notFullyDistilled, verdictLine } from '../../src/optimizer/recommend/distill-knob-verdicts.js';

function step(duel_id: string, knobs: string[], outcome: DistillStep['outcome'], reason: string, loss = 0): DistillStep {
  return {
    duel_id,
    knob: knobs.join('+'),
    knobs,
    from: 1,
    candidate: {},
    current: {},
    outcome,
    kept: outcome !== 'reverted',
    reason,
    objective: { pairs: 4, relative_change: -loss, change_low: null, change_high: null, loss, loss_upper: loss + 0.004, loss_lower: loss - 0.004, p_value: 0.01, non_inferior: outcome === 'reverted', method: 't' },
  };
}

test('each knob gets one verdict: a held group reverts all of its knobs, a failed group decides none', () => {
  const steps = [
    step('s1', ['a', 'b', 'c'], 'carries_gain', 'joint loss too big', 0.2),
    step('s2', ['a'], 'reverted', 'costs nothing'),
    step('s3', ['b', 'c'], 'reverted', 'joint', 0.001),
    step('s4', ['d'], 'carries_gain', 'costs 20%'),
    step('s5', ['e'], 'inconclusive', 'could not tell with 12 pairs: per-pair spread ±9.8%, margin 1%'),
  ];
  const v = knobVerdicts(steps, ['f']);
  assert.deepEqual(v.map((x) => [x.knob, x.outcome, x.step ?? '-']), [['a', 'reverted', 's2'], ['b', 'reverted', 's3'], ['c', 'reverted', 's3'], ['d', 'carries_gain', 's4'], ['e', 'inconclusive', 's5'], ['f', 'untested', '-']]);
  assert.match(v[1]?.summary ?? '', /^reverted with the group in step s3 \(b, c\), joint loss 0\.1% \[-0\.3%, 0\.5%\]$/);
  assert.equal(verdictLine(v, 6), 'reverted a, b, c; shown to carry the gain: d; kept, could not tell (per-pair noise too large for the margin): e; max_steps (6) reached, kept untested: f');
  assert.equal(notFullyDistilled(v), 'not fully distilled: 2 knobs kept 1 inconclusive, 1 untested (e, f)');
});

test('a round where every kept knob was shown to carry gain is fully distilled; older records read kept only', () => {
  const old: DistillStep = { duel_id: 's1', knob: 'x', from: 1, candidate: {}, current: {}, kept: true, reason: 'beyond the margin' };
  const v = knobVerdicts([old, step('s2', ['y'], 'reverted', 'nothing')], []);
  assert.deepEqual(v.map((x) => x.outcome), ['carries_gain', 'reverted']);
  assert.equal(notFullyDistilled(v), undefined);
  assert.equal(verdictLine([]), 'no revert held');
});
