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

test('distillation on a scripted objective where 2 of 8 knobs matter keeps exactly those two', () => {
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
    const state = startDistillation(winner, { ...BASELINE, muzzy_decay_ms: 5000 }, new Map(importance.knobs.map((k) => [k.name, k.total])));
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
    assert.equal(state.decisions.length, 8);
    for (const d of state.decisions.filter((x) => x.kept)) assert.ok(d.objective.loss > 0.05, `${d.knob} kept for a loss of ${d.objective.loss}`);
  }
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
