import type { ReplayTable } from '../../core/replay-table.js';
import { defaultMinRelativeEffect } from '../duel/practical-threshold.js';
import type { SamplerKind } from '../sampler.js';
import { replayCampaign, type ReplayCampaignResult, type ReplayEmbedding, type ReplayStop } from './replay-campaign.js';
import { findTargets, targetConstraintMarginSe } from './replay-targets.js';

/** Settings of a replay benchmark for one sampler. */
export interface ReplayBenchmarkOptions {
  table: ReplayTable;
  embedding: ReplayEmbedding;
  sampler: SamplerKind;
  /** Campaigns with seeds 1..seeds. */
  seeds: number;
  budget: number;
  /** Targets are feasible rows within this relative distance of the best feasible mean (default 0.01). */
  tolerance?: number;
  duel_pairs?: number;
  min_relative_effect?: number;
  /** Called after each campaign (progress on stderr). */
  progress?: (done: number, total: number) => void;
}

/** Benchmark output for one sampler on one table. */
export interface ReplayBenchmarkResult {
  sampler: SamplerKind;
  seeds: number;
  budget: number;
  tolerance: number;
  rows: number;
  feasible_rows: number;
  target_rows: number;
  /** Smallest distance of a target row's constraint mean inside its bound, in standard errors (see targetConstraintMarginSe). */
  target_constraint_margin_se: number | null;
  /** Per seed (seed i at index i-1); null = no target within the budget. */
  trials_to_target: (number | null)[];
  /** Quartiles with misses counted as worse than any hit; null when the quantile is a miss. */
  median: number | null;
  q1: number | null;
  q3: number | null;
  hit_rate: number;
  placebo: { campaigns: number; false_wins: number; false_win_rate: number; duel_pairs: number; min_relative_effect: number };
  best_confirmed_rate: number;
  /** The stopping rule replayed after every trial (see ReplayCampaignResult.stop). */
  stopping: StoppingSummary;
  /** The rule before issue 19 (relative EI only) on the same campaigns. */
  stopping_relative_ei: StoppingSummary;
  elapsed_ms: number;
}

/** How one stopping rule fared over the replayed campaigns. */
export interface StoppingSummary {
    converged: number;
    trial_budget: number;
    /** Median trial count at which exploration would have stopped. */
    median_stop_trials: number | null;
    /** Campaigns that had hit a target when the rule stopped them. */
    target_found_rate: number;
    /** Campaigns whose pick at the stop (best observed feasible row) is a target. */
    pick_target_rate: number;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  // Linear interpolation between order statistics (type 7).
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return a + (b - a) * (pos - lo);
}

/** Replays `seeds` campaigns of one sampler on a table and summarises trials-to-target and the placebo. */
export async function runReplayBenchmark(opts: ReplayBenchmarkOptions): Promise<ReplayBenchmarkResult> {
  const started = performance.now();
  const tolerance = opts.tolerance ?? 0.01;
  const duelPairs = opts.duel_pairs ?? 10;
  const minEffect = opts.min_relative_effect ?? defaultMinRelativeEffect(opts.table.objective.metric);
  const targets = findTargets(opts.table, tolerance);
  const results: ReplayCampaignResult[] = [];
  for (let seed = 1; seed <= opts.seeds; seed++) {
    results.push(
      await replayCampaign({
        table: opts.table,
        embedding: opts.embedding,
        targets,
        sampler: opts.sampler,
        seed,
        budget: opts.budget,
        duel_pairs: duelPairs,
        min_relative_effect: minEffect,
      }),
    );
    opts.progress?.(seed, opts.seeds);
  }
  const ttt = results.map((r) => r.trials_to_target);
  const sorted = ttt.map((t) => t ?? Infinity).sort((a, b) => a - b);
  const falseWins = results.filter((r) => r.placebo_false_win).length;
  const rate = (pred: (r: ReplayCampaignResult) => boolean): number => results.filter(pred).length / Math.max(1, results.length);
  const summary = (stopOf: (r: ReplayCampaignResult) => ReplayStop): StoppingSummary => ({
    converged: results.filter((r) => stopOf(r).reason === 'converged').length,
    trial_budget: results.filter((r) => stopOf(r).reason === 'trial_budget').length,
    median_stop_trials: quantile(
      results.map((r) => stopOf(r).after_trials).sort((a, b) => a - b),
      0.5,
    ),
    target_found_rate: rate((r) => stopOf(r).target_found),
    pick_target_rate: rate((r) => stopOf(r).pick_is_target),
  });
  return {
    sampler: opts.sampler,
    seeds: opts.seeds,
    budget: opts.budget,
    tolerance,
    rows: opts.table.rows.length,
    feasible_rows: targets.feasible.filter(Boolean).length,
    target_rows: targets.targets.size,
    target_constraint_margin_se: targetConstraintMarginSe(opts.table, targets),
    trials_to_target: ttt,
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    hit_rate: ttt.filter((t) => t !== null).length / Math.max(1, ttt.length),
    placebo: { campaigns: results.length, false_wins: falseWins, false_win_rate: falseWins / Math.max(1, results.length), duel_pairs: duelPairs, min_relative_effect: minEffect },
    best_confirmed_rate: rate((r) => r.best_confirmed),
    stopping: summary((r) => r.stop),
    stopping_relative_ei: summary((r) => r.stop_relative_ei),
    elapsed_ms: Math.round(performance.now() - started),
  };
}
