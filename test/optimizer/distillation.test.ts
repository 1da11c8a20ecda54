import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Config } from '../../src/core/config.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { changedKnobs, minimalConfig, nextRevert, recordRevert, startDistillation } from '../../src/optimizer/recommend/distillation.js';
import { estimateKnobImportance } from '../../src/optimizer/importance/knob-importance.js';
import { pairedNonInferiority } from '../../src/stats/paired-non-inferiority.js';

const KNOBS = ['dirty_decay_ms', 'muzzy_decay_ms', 'narenas', 'tcache_max', 'lg_extent_max_active_fit', 'oversize_threshold', 'retain', 'metadata_thp'];
const BASELINE: Config = { dirty_decay_ms: 10000, muzzy_decay_ms: 0, narenas: 8, tcache_max: 32768, lg_extent_max_active_fit: 6, oversize_threshold: 8388608, retain: true, metadata_thp: 'disabled' };

/** RSS after a delete, in MB: only the two decay knobs matter (as measured for Redis), with 0.2 % CV noise. */
function rssMb(c: Config, rng: SeededRng): number {
  const dirty = Math.log1p(c['dirty_decay_ms'] as number) / Math.log1p(10000);
  const muzzy = Math.log1p(c['muzzy_decay_ms'] as number) / Math.log1p(10000);
  return (60 + 30 * dirty + 10 * muzzy) * (1 + rng.normal(0, 0.002));
}

/** A random config of the 8 knobs, with its unit-cube vector. */
function randomTrial(rng: SeededRng): { config: Config; vector: number[] } {
  const vector = KNOBS.map(() => rng.next());
  const at = (i: number): number => vector[i] as number;
  const config: Config = {
    dirty_decay_ms: Math.round(Math.expm1(at(0) * Math.log1p(10000))),
    muzzy_decay_ms: Math.round(Math.expm1(at(1) * Math.log1p(10000))),
    narenas: 1 + Math.round(at(2) * 15),
    tcache_max: 1024 + Math.round(at(3) * 31744),
    lg_extent_max_active_fit: Math.round(at(4) * 10),
    oversize_threshold: Math.round(at(5) * 16777216),
    retain: at(6) >= 0.5,
    metadata_thp: at(7) >= 0.5 ? 'auto' : 'disabled',
  };
  return { config, vector };
}

for (const grouped of [true, false])
test(`distillation on a scripted objective where 2 of 8 knobs matter keeps exactly those two (${grouped ? 'group revert first' : 'one at a time'})`, () => {
  let held = 0;
  for (const seed of [1, 2, 3, 4, 5]) {
    const rng = new SeededRng(seed);
    const trials = Array.from({ length: 30 }, () => randomTrial(rng)).map((t) => ({ ...t, value: rssMb(t.config, rng) }));
    const importance = estimateKnobImportance(
      trials.map((t) => ({ vector: t.vector, value: t.value, noise: (t.value * 0.002) ** 2 })),
      { names: KNOBS, seed, bootstrap: 10, samples: 128 },
    );
    // The winner: every knob changed, the two decay knobs at their best.
    const winner: Config = { ...randomTrial(rng).config, dirty_decay_ms: 0, muzzy_decay_ms: 0 };
    for (const k of KNOBS) if (winner[k] === BASELINE[k]) winner[k] = k === 'retain' ? !BASELINE[k] : k === 'metadata_thp' ? 'auto' : (BASELINE[k] as number) + 1;
    winner['muzzy_decay_ms'] = 0;
    const state = startDistillation(winner, { ...BASELINE, muzzy_decay_ms: 5000 }, new Map(importance.knobs.map((k) => [k.name, k.total])), [], grouped ? undefined : null);
    assert.equal(state.remaining.length, 8);
    // The least important knobs go first: the two carriers are tried last.
    assert.deepEqual(state.remaining.slice(6).sort(), ['dirty_decay_ms', 'muzzy_decay_ms'], `seed ${seed}: order ${state.remaining.join(',')}`);
    for (let step = nextRevert(state); step; step = nextRevert(state)) {
      const current = state.current;
      const candidate: number[] = [];
      const reference: number[] = [];
      for (let i = 0; i < 6; i++) {
        candidate.push(rssMb(step.candidate, rng));
        reference.push(rssMb(current, rng));
      }
      recordRevert(state, step, pairedNonInferiority(candidate, reference, { direction: 'min', margin: 0.01 }), true);
    }
    assert.deepEqual(Object.keys(minimalConfig(state)).sort(), ['dirty_decay_ms', 'muzzy_decay_ms'], `seed ${seed}`);
    const [first] = state.decisions;
    if (grouped) {
      // The six knobs that carry nothing hold almost none of the importance: one joint step drops them.
      assert.ok(first && first.knobs.length >= 2, `seed ${seed}: a group step first (${first?.knob})`);
      // Whether it holds depends on what the estimate put in it (muzzy_decay_ms, 8 % of the
      // importance for one seed, matters): when it does not, the single steps still find the two.
      const rest = first.outcome === 'reverted' ? 8 - first.knobs.length : 8;
      if (first.outcome === 'reverted') held++;
      if (first.outcome === 'reverted') assert.ok(!first.knobs.includes('dirty_decay_ms') && !first.knobs.includes('muzzy_decay_ms'), `seed ${seed}: ${first.knob}`);
      assert.equal(state.decisions.length, 1 + rest, 'the group, then the others one at a time');
    } else {
      assert.equal(state.decisions.length, 8);
      assert.ok(state.decisions.every((d) => d.knobs.length === 1));
    }
    for (const d of state.decisions.filter((x) => x.kept)) {
      assert.ok(d.objective.loss > 0.05, `${d.knob} kept for a loss of ${d.objective.loss}`);
      assert.equal(d.outcome, 'carries_gain', `${d.knob}: shown beyond the margin, not merely not shown within it`);
    }
  }
  if (grouped) assert.ok(held >= 3, `the joint revert of the small knobs held for ${held} of 5 seeds`);
});

test('a revert that breaks a constraint is not taken, even when the objective is non-inferior', () => {
  const state = startDistillation({ a: 1, b: 2 }, { a: 0, b: 0 }, new Map([['a', 0.1], ['b', 0.9]]));
  const step = nextRevert(state);
  assert.equal(step?.knob, 'a');
  if (!step) return;
  const verdict = pairedNonInferiority([100, 100.1, 99.9], [100, 100, 100], { direction: 'min', margin: 0.01 });
  assert.equal(verdict.non_inferior, true);
  const decision = recordRevert(state, step, verdict, false);
  assert.equal(decision.kept, true);
  assert.equal(decision.outcome, 'carries_gain');
  assert.match(decision.reason, /constraint/);
  assert.deepEqual(minimalConfig(state), { a: 1, b: 2 });
});

test('changed knobs are judged against the baseline\'s effective values; a knob it does not report counts as changed', () => {
  assert.deepEqual(changedKnobs({ a: 1, b: 'x', c: true }, { a: 1, b: 'y' }), ['b', 'c']);
  // A revert that the validator turns into a no-op for a child knob is skipped, not measured.
  const state = startDistillation({ bg: true, bg_threads: 4 }, { bg: false }, new Map([['bg', 0.0], ['bg_threads', 0.5]]));
  const validate = (c: Config): Config => (c['bg'] === true ? c : { bg: false });
  const first = nextRevert(state, validate);
  assert.deepEqual(first?.candidate, { bg: false });
  if (!first) return;
  recordRevert(state, first, pairedNonInferiority([1, 1.001], [1, 1], { direction: 'min', margin: 0.01 }), true);
  assert.equal(nextRevert(state, validate), undefined);
  assert.deepEqual(minimalConfig(state), {});
});

test('knobs behind a regressed guard are tried first, in the order given, each with the reason for its place', () => {
  const winner: Config = { a: 1, b: 2, c: 3, d: 4 };
  const baseline: Config = { a: 0, b: 0, c: 0, d: 0 };
  const importance = new Map([['a', 0.5], ['b', 0.1], ['c', 0.9], ['d', 0.2]]);
  const plain = startDistillation(winner, baseline, importance);
  assert.deepEqual(plain.remaining, ['b', 'd', 'a', 'c'], 'least important first');
  const drivers = [
    { knob: 'c', guard: 'set_ops_per_s', why: 'importance 0.70 on set_ops_per_s' },
    { knob: 'x', guard: 'set_ops_per_s', why: 'not changed by the winner' },
    { knob: 'c', guard: 'p99_us', why: 'listed twice' },
    { knob: 'a', guard: 'p99_us', why: 'importance 0.40 on p99_us' },
  ];
  const state = startDistillation(winner, baseline, importance, drivers);
  assert.deepEqual(state.remaining, ['c', 'a', 'b', 'd'], 'guard drivers first (each once, unchanged knobs ignored), then least important first');
  assert.match(state.order_reasons?.['c'] ?? '', /regressed guard set_ops_per_s \(importance 0\.70/);
  assert.match(state.order_reasons?.['a'] ?? '', /regressed guard p99_us/);
  assert.match(state.order_reasons?.['b'] ?? '', /least important first \(importance 0\.100/);
  assert.equal(nextRevert(state)?.knob, 'c');
});

/** Per-pair ratios with ~10 % noise around `loss` (deterministic: a fixed zig-zag), as candidate/reference arrays. */
function noisyPairs(n: number, loss: number, noise: number): { candidate: number[]; reference: number[] } {
  const rng = new SeededRng(7);
  const reference = Array.from({ length: n }, () => 1000);
  const candidate = reference.map((r) => r * (1 - loss) * Math.exp(rng.normal(0, noise)));
  return { candidate, reference };
}

test('a single revert that cannot be told apart within the margin is kept as inconclusive, not as carrying gain', () => {
  const state = startDistillation({ a: 1, b: 2 }, { a: 0, b: 0 }, new Map([['a', 0.1], ['b', 0.9]]));
  const step = nextRevert(state);
  if (!step) return assert.fail('a step');
  const { candidate, reference } = noisyPairs(4, 0.0, 0.1);
  const decision = recordRevert(state, step, pairedNonInferiority(candidate, reference, { direction: 'max', margin: 0.01 }), true);
  assert.equal(decision.outcome, 'inconclusive');
  assert.equal(decision.kept, true, 'readers of kept still see the knob stay');
  assert.match(decision.reason, /could not tell with 4 pairs: .*per-pair spread ±\d+\.\d%, margin 1%/);
  assert.deepEqual(state.remaining, ['b'], 'decided: the round moves on');
});

test('a group that does not hold leaves its knobs queued for single steps; one that holds drops them all at once', () => {
  const importance = new Map([['a', 0.01], ['b', 0.02], ['c', 0.03], ['d', 0.94]]);
  const failing = startDistillation({ a: 1, b: 1, c: 1, d: 1 }, { a: 0, b: 0, c: 0, d: 0 }, importance);
  assert.deepEqual(failing.group, ['a', 'b', 'c'], 'shares 1 + 2 + 3 = 6 % < 10 %');
  const group = nextRevert(failing);
  assert.deepEqual(group?.knobs, ['a', 'b', 'c']);
  assert.equal(group?.knob, 'a+b+c');
  assert.deepEqual(group?.candidate, { a: 0, b: 0, c: 0, d: 1 });
  if (!group) return;
  const worse = pairedNonInferiority([80, 81, 79], [100, 100, 100], { direction: 'max', margin: 0.01 });
  const no = recordRevert(failing, group, worse, true);
  assert.equal(no.outcome, 'carries_gain');
  assert.deepEqual(failing.remaining, ['a', 'b', 'c', 'd'], 'every knob is still to be tried on its own');
  assert.deepEqual(failing.current, { a: 1, b: 1, c: 1, d: 1 });
  assert.deepEqual(nextRevert(failing)?.knobs, ['a'], 'then one at a time, least important first');

  const holding = startDistillation({ a: 1, b: 1, c: 1, d: 1 }, { a: 0, b: 0, c: 0, d: 0 }, importance);
  const joint = nextRevert(holding);
  if (!joint) return assert.fail('a group step');
  const same = recordRevert(holding, joint, pairedNonInferiority([100, 100.1, 99.9], [100, 100, 100], { direction: 'max', margin: 0.01 }), true);
  assert.equal(same.outcome, 'reverted');
  assert.deepEqual(holding.remaining, ['d']);
  assert.deepEqual(minimalConfig(holding), { d: 1 });
});
