import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FinalArm, FinalRound } from '../../src/core/tournament-record.js';
import { TournamentSpecSchema } from '../../src/core/tournament-spec.js';
import { BASELINE_ARM, blockOrder, decideRound, finalRoundDesign, newlyDecided, nextRoundStep, pairsOf } from '../../src/service/final-round.js';
import { judgeRound, pairedEffect, rankOutcomes, switchingWorth } from '../../src/service/tournament-verdict.js';

const SPEC = TournamentSpecSchema.parse({
  name: 't',
  allocators: ['glibc', 'jemalloc', 'mimalloc'],
  workloads: [{ kind: 'harness', workload: 'fragmentation' }],
  objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
  duel: { confirm: { min_pairs: 3, max_pairs: 8 } },
});
const DESIGN = finalRoundDesign(SPEC);

function arm(allocator: string, kind: FinalArm['kind']): FinalArm {
  return { arm: `${allocator}:${kind}`, allocator, kind, config: {}, env: {}, campaign_id: `c-${allocator}` };
}

/** A round whose arms measured `ratio` x the baseline in each block (with a small per-block wobble). */
function round(ratios: Record<string, number>, blocks: number, wobble = 0.002): FinalRound {
  const arms = Object.keys(ratios).map((id) => {
    const [allocator, kind] = id.split(':') as [string, FinalArm['kind']];
    return arm(allocator, kind);
  });
  const trials: FinalRound['trials'] = [];
  let n = 0;
  for (let b = 0; b < blocks; b++) {
    const base = 1000 * (1 + (b % 3) * 0.01);
    trials.push({ trial_id: `t${++n}`, arm: BASELINE_ARM, block: b, state: 'completed', value: base });
    for (const [id, r] of Object.entries(ratios)) trials.push({ trial_id: `t${++n}`, arm: id, block: b, state: 'completed', value: base * r * (1 + (b % 2 === 0 ? wobble : -wobble)) });
  }
  return { threads: null, status: 'running', arms, notes: [], decided: {}, trials, block_workers: [], baseline: arm('glibc', 'defaults') };
}

describe('final round: paired blocks against the baseline', () => {
  it('pairs only blocks where both sides were measured', () => {
    const r = round({ 'jemalloc:defaults': 0.5 }, 4);
    r.trials = r.trials.filter((t) => !(t.block === 1 && t.arm === BASELINE_ARM));
    const p = pairsOf(r, 'jemalloc:defaults');
    assert.deepEqual(p.blocks, [0, 2, 3]);
    assert.equal(p.candidate.length, 3);
  });

  it('asks for blocks up to the first look, then one per look, and stops once every arm is decided', () => {
    const empty = round({ 'jemalloc:defaults': 0.5, 'mimalloc:defaults': 1 }, 0);
    const first = nextRoundStep(empty, decideRound(empty, DESIGN), DESIGN);
    assert.deepEqual(first, { kind: 'blocks', count: 3, arms: ['jemalloc:defaults', 'mimalloc:defaults'] });
    // O'Brien-Fleming spends little at the first looks: a clear 50 % gain is claimed within a few more.
    const clear = round({ 'jemalloc:defaults': 0.5 }, 6);
    const decisions = decideRound(clear, DESIGN);
    assert.equal(decisions[0]?.action, 'claim');
    clear.decided = newlyDecided(clear.decided, decisions);
    assert.deepEqual(clear.decided, { 'jemalloc:defaults': decisions[0]?.pairs });
    assert.equal(nextRoundStep(clear, decideRound(clear, DESIGN), DESIGN).kind, 'done');
  });

  it('gives up after max_pairs + 3 blocks with undecided arms', () => {
    // A 1 % effect under a 1 % floor with 3 % wobble: neither claimable nor futile soon.
    const r = round({ 'jemalloc:defaults': 0.99 }, 11, 0.03);
    const step = nextRoundStep(r, decideRound(r, DESIGN), DESIGN);
    assert.equal(step.kind, 'done');
  });

  it('shuffles each block reproducibly, the baseline always in it', () => {
    const a = blockOrder(['x', 'y', 'z'], 7, 2);
    assert.deepEqual(a, blockOrder(['x', 'y', 'z'], 7, 2));
    assert.deepEqual([...a].sort(), [BASELINE_ARM, 'x', 'y', 'z'].sort());
    const orders = new Set(Array.from({ length: 12 }, (_, b) => blockOrder(['x', 'y', 'z'], 7, b).join(',')));
    assert.ok(orders.size > 1, 'not always the same order');
  });
});

describe('tournament verdicts: which allocator, which config, what switching is worth', () => {
  it('measures a paired effect with its interval, positive when better whatever the direction', () => {
    const min = pairedEffect([50, 51, 49], [100, 101, 99], 'min');
    assert.ok(min.improvement !== null && Math.abs(min.improvement - 0.5) < 0.01);
    assert.equal(min.verdict, 'better');
    const max = pairedEffect([50, 51, 49], [100, 101, 99], 'max');
    assert.equal(max.verdict, 'worse');
    assert.ok(max.improvement_high !== null && max.improvement_high < 0);
    const noisy = pairedEffect([90, 120, 95], [100, 100, 100], 'min');
    assert.equal(noisy.verdict, 'inconclusive');
    assert.match(noisy.reason, /interval holds 0/);
    assert.equal(pairedEffect([1], [2], 'min').verdict, 'inconclusive');
  });

  it('ranks claimed arms first, then by estimate', () => {
    const ranked = rankOutcomes([
      { id: 'a', verdict: 'inconclusive' as const, improvement: 0.3 },
      { id: 'b', verdict: 'better' as const, improvement: 0.1 },
      { id: 'c', verdict: 'better' as const, improvement: 0.2 },
      { id: 'd', verdict: 'worse' as const, improvement: null },
    ]);
    assert.deepEqual(ranked.map((r) => r.id), ['c', 'b', 'a', 'd']);
  });

  it('says switching is worth more than tuning when another allocator at its defaults beats the tuned current one', () => {
    const r = round({ 'jemalloc:defaults': 0.6, 'mimalloc:defaults': 1.2, 'glibc:tuned': 0.9 }, 6);
    const judged = judgeRound(r, DESIGN);
    assert.deepEqual(judged.map((o) => [o.arm, o.verdict]), [['jemalloc:defaults', 'better'], ['glibc:tuned', 'better'], ['mimalloc:defaults', 'worse']]);
    const worth = switchingWorth(r, judged, 'glibc', 'min');
    assert.equal(worth.switch.arm, 'jemalloc:defaults');
    assert.equal(worth.tune.arm, 'glibc:tuned');
    assert.equal(worth.best.arm, 'jemalloc:defaults');
    // A line with an arm says what the arm is, not why there is none.
    assert.match(worth.switch.note, /^jemalloc at its defaults, the best other allocator/);
    assert.match(worth.tune.note, /^glibc tuned \(glibc:tuned\)/);
    assert.match(worth.best.note, /^jemalloc:defaults, the best arm of the round/);
    assert.deepEqual(worth.winner, { allocator: 'jemalloc', arm: 'jemalloc:defaults', kind: 'defaults', beats_baseline: true });
    // Head on, in the same blocks: 0.6 / 0.9 = 33 % less.
    assert.equal(worth.switch_vs_tune.effect?.verdict, 'better');
    assert.ok(Math.abs((worth.switch_vs_tune.effect?.improvement ?? 0) - 1 / 3) < 0.01);
    assert.match(worth.headline, /jemalloc:defaults wins/);
  });

  it('keeps the baseline and says inconclusive when the noise cannot tell', () => {
    const r = round({ 'jemalloc:defaults': 1.0, 'mimalloc:defaults': 1.0 }, 4, 0.05);
    const judged = judgeRound(r, DESIGN);
    assert.ok(judged.every((o) => o.verdict !== 'better'));
    const worth = switchingWorth(r, judged, 'glibc', 'min');
    assert.equal(worth.winner.arm, BASELINE_ARM);
    assert.equal(worth.winner.beats_baseline, false);
    assert.equal(worth.tune.effect, null, 'no tuned glibc arm');
    assert.match(worth.tune.note, /confirmed no config better than its defaults/);
    // Switching is then weighed against the current allocator's best shown config: its defaults.
    assert.match(worth.switch_vs_tune.note, /against the baseline \(glibc/);
    assert.equal(worth.switch_vs_tune.effect?.pairs, 4);
    // A baseline configured today is named so, not as the defaults.
    const configured = { ...r, baseline: { ...arm('glibc', 'defaults'), env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' } } };
    assert.match(switchingWorth(configured, judged, 'glibc', 'min').headline, /nothing beat glibc as configured today/);
    assert.match(worth.headline, /nothing beat glibc defaults/);
  });

  it('holds a decided arm at the pairs its decision rested on', () => {
    const r = round({ 'jemalloc:defaults': 0.5 }, 6);
    r.decided = { 'jemalloc:defaults': 3 };
    const [o] = judgeRound(r, DESIGN);
    assert.equal(o?.pairs, 3);
  });
});
