import type { FinalArm, FinalRound } from '../core/tournament-record.js';
import type { TournamentSpec } from '../core/tournament-spec.js';
import { defaultMinRelativeEffect } from '../optimizer/duel/practical-threshold.js';
import { SeededRng } from '../core/seeded-rng.js';
import { decideDuelFamily, type SequentialDecision, type SequentialDesign } from '../optimizer/duel/sequential-confirmation.js';

/** The arm id of the final round's baseline (the baseline allocator's defaults). */
export const BASELINE_ARM = 'baseline';

/** Paired values of one arm against the baseline: one per block where both were measured. */
export interface ArmPairs {
  candidate: number[];
  baseline: number[];
  blocks: number[];
}

/** The value of every completed measurement of the round, by block and arm. */
function valuesByBlock(round: Pick<FinalRound, 'trials'>): Map<number, Map<string, number>> {
  const byBlock = new Map<number, Map<string, number>>();
  for (const t of round.trials) {
    if (t.state !== 'completed' || t.value === undefined) continue;
    const block = byBlock.get(t.block) ?? new Map<string, number>();
    block.set(t.arm, t.value);
    byBlock.set(t.block, block);
  }
  return byBlock;
}

/** The blocks (in order) in which both `a` and `b` were measured, with their values. */
export function pairsOf(round: Pick<FinalRound, 'trials'>, a: string, b: string = BASELINE_ARM): ArmPairs {
  const out: ArmPairs = { candidate: [], baseline: [], blocks: [] };
  for (const [block, values] of [...valuesByBlock(round)].sort(([x], [y]) => x - y)) {
    const va = values.get(a);
    const vb = values.get(b);
    if (va === undefined || vb === undefined) continue;
    out.candidate.push(va);
    out.baseline.push(vb);
    out.blocks.push(block);
  }
  return out;
}

/** An arm's decision in the family, with the pairs it rests on. */
export type ArmDecision = SequentialDecision & { id: string };

/**
 * The sequential rule over every arm of the round as one family (Holm over their repeated
 * p-values, as in a campaign's confirmation round): an arm already decided keeps the pairs its
 * decision rested on, so its repeated p-value stays what it was.
 */
export function decideRound(round: Pick<FinalRound, 'trials' | 'arms' | 'decided'>, design: SequentialDesign): ArmDecision[] {
  const claims = round.arms.map((a) => {
    const p = pairsOf(round, a.arm);
    const upTo = round.decided[a.arm] ?? p.candidate.length;
    return { id: a.arm, candidate: p.candidate.slice(0, upTo), baseline: p.baseline.slice(0, upTo) };
  });
  return claims.length === 0 ? [] : decideDuelFamily(claims, design);
}

/** What the round does next: run more blocks (with these arms), or stop. */
export type RoundStep = { kind: 'blocks'; count: number; arms: string[] } | { kind: 'done'; reason: string };

/**
 * After every block so far is measured: decided arms are frozen; the undecided ones get blocks
 * until the first look (`min_pairs` usable pairs), then one block per look, up to `max_pairs`
 * usable pairs, and at most `max_pairs + 3` blocks overall (a block whose baseline failed is lost
 * to every arm).
 */
export function nextRoundStep(round: Pick<FinalRound, 'trials' | 'arms' | 'decided'>, decisions: readonly ArmDecision[], design: Pick<SequentialDesign, 'min_pairs' | 'max_pairs'>): RoundStep {
  const blocks = new Set(round.trials.map((t) => t.block)).size;
  const open = decisions.filter((d) => d.action === 'continue' && round.decided[d.id] === undefined);
  if (open.length === 0) return { kind: 'done', reason: 'every arm decided' };
  if (blocks >= design.max_pairs + 3) return { kind: 'done', reason: `out of blocks (${blocks}) with ${open.map((d) => d.id).join(', ')} undecided` };
  const fewest = Math.min(...open.map((d) => pairsOf(round, d.id).candidate.length));
  const count = fewest < design.min_pairs ? design.min_pairs - fewest : 1;
  return { kind: 'blocks', count: Math.min(count, design.max_pairs + 3 - blocks), arms: open.map((d) => d.id) };
}

/**
 * The running order of one block: the baseline and the arms, shuffled by a generator seeded with
 * the tournament's seed and the block, so that no arm always runs first (warm caches, drift).
 */
export function blockOrder(arms: readonly string[], seed: number, block: number): string[] {
  const order = [BASELINE_ARM, ...arms];
  const rng = new SeededRng((seed * 7919 + block) >>> 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j] as string, order[i] as string];
  }
  return order;
}

/** Arms whose decision (claim or futile) is new: frozen at the pairs it rests on. */
export function newlyDecided(decided: Readonly<Record<string, number>>, decisions: readonly ArmDecision[]): Record<string, number> {
  const out = { ...decided };
  for (const d of decisions) if (d.action !== 'continue' && out[d.id] === undefined) out[d.id] = d.pairs;
  return out;
}

/** The sequential design of a tournament's final rounds: the children's own confirmation settings. */
export function finalRoundDesign(spec: TournamentSpec): SequentialDesign {
  const { confirm } = spec.duel;
  return {
    direction: spec.objective.direction,
    alpha: spec.duel.alpha,
    min_relative_effect: spec.duel.min_effect_pct === undefined ? defaultMinRelativeEffect(spec.objective.metric) : spec.duel.min_effect_pct / 100,
    min_pairs: confirm.min_pairs,
    max_pairs: confirm.max_pairs,
    spending: confirm.spending,
    test: confirm.test,
    futility_beta: 0.05,
  };
}

/** The arm id of an allocator's defaults or tuned config. */
export function armId(allocator: string, kind: FinalArm['kind']): string {
  return `${allocator}:${kind}`;
}


/**
 * The worker of each new block, round-robin over the capable live workers (sorted by name, so the
 * order is stable across passes), continuing after the worker of the round's last block. Every
 * trial of a block runs on its worker, so each pair is measured on one machine; the round's effect
 * is then an average over those machines.
 */
export function assignBlockWorkers(blockWorkers: readonly string[], count: number, capable: readonly string[]): string[] {
  if (capable.length === 0) throw new Error('no capable worker to assign blocks to');
  const order = [...new Set(capable)].sort();
  const last = blockWorkers.at(-1);
  const after = last === undefined ? -1 : order.indexOf(last);
  // A last worker no longer capable (gone): start from the first after it in name order.
  const start = after >= 0 ? after + 1 : last === undefined ? 0 : order.filter((w) => w < last).length;
  return Array.from({ length: count }, (_, i) => order[(start + i) % order.length] as string);
}

/** The blocks each worker ran (or runs), by worker name in the order first used. */
export function blocksByWorker(blockWorkers: readonly string[]): { worker: string; blocks: number[] }[] {
  const out = new Map<string, number[]>();
  blockWorkers.forEach((w, block) => out.set(w, [...(out.get(w) ?? []), block]));
  return [...out].map(([worker, blocks]) => ({ worker, blocks }));
}

/** The workers gone (not in `live`) that still hold queued trials of the round, with those blocks. */
export function lostBlocks(round: Pick<FinalRound, 'trials' | 'block_workers'>, live: ReadonlySet<string>): { worker: string; blocks: number[] }[] {
  const queued = round.trials.filter((t) => t.state === 'queued');
  const gone = blocksByWorker(round.block_workers).filter((w) => !live.has(w.worker));
  return gone
    .map((w) => ({ worker: w.worker, blocks: w.blocks.filter((b) => queued.some((t) => t.block === b)) }))
    .filter((w) => w.blocks.length > 0);
}
