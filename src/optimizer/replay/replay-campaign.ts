import type { Config } from '../../core/config.js';
import type { Observation } from '../../core/optimizer-observation.js';
import type { ReplayTable } from '../../core/replay-table.js';
import { SeededRng } from '../../core/seeded-rng.js';
import { createSampler } from '../create-sampler.js';
import { GpSampler, type GpSamplerOptions } from '../samplers/gp.js';
import { judgeClaims } from '../duel/paired-verdict.js';
import { isFeasible, minimisedObjective } from '../problem.js';
import type { PosteriorSummary, SamplerKind } from '../sampler.js';
import { DEFAULT_STOPPING_RULE, RELATIVE_EI_STOPPING_RULE, shouldStop, type StopReason } from '../stopping.js';
import type { ReplayTargets } from './replay-targets.js';

/** The config <-> vector map of the table's space (the search-space embedding). */
export interface ReplayEmbedding {
  dimension: number;
  toVector(config: Readonly<Config>): number[];
  snap(vector: readonly number[]): number[];
}

/** One replayed campaign's settings. */
export interface ReplayCampaignOptions {
  table: ReplayTable;
  embedding: ReplayEmbedding;
  targets: ReplayTargets;
  sampler: SamplerKind;
  seed: number;
  budget: number;
  /** Pairs per confirmatory duel (candidate vs baseline, placebo vs baseline). */
  duel_pairs: number;
  min_relative_effect: number;
  /** GP sampler options (experiments compare settings on the same seeds); other samplers ignore them. */
  gp_options?: GpSamplerOptions;
  /** Observations from an earlier campaign that seed the sampler before the first proposal (warm start). */
  prior_observations?: readonly Observation[];
  /** End at the first target even when a stopping rule has not decided yet (only trials-to-target is wanted). */
  stop_at_target?: boolean;
  /** Keep proposing at least this many trials even after the target and both stops (for traces). */
  run_at_least?: number;
  /** Called after every trial with what the stopping rules saw (for tuning the rule offline). */
  on_trial?: (record: ReplayTrialRecord) => void;
}

/** One replayed trial as the stopping rules saw it. */
export interface ReplayTrialRecord {
  trial: number;
  expected_improvement: number | null;
  posterior: PosteriorSummary | null;
  target_found: boolean;
  pick_is_target: boolean;
  /** Best observed feasible objective so far (minimised units), null before any. */
  incumbent: number | null;
  /** What the sampler was told (a warm start can replay it as a prior observation). */
  observation: Observation;
}

/** Where one stopping rule would have ended exploration, and what the campaign had by then. */
export interface ReplayStop {
  after_trials: number;
  reason: StopReason;
  target_found: boolean;
  pick_is_target: boolean;
}

/** What one replayed campaign found. */
export interface ReplayCampaignResult {
  seed: number;
  /** 1-based index of the first trial whose row is a target; null when the budget ran out first. */
  trials_to_target: number | null;
  /** The placebo copy of the baseline was declared better than the baseline. */
  placebo_false_win: boolean;
  /** The best feasible row found was confirmed better than the baseline. */
  best_confirmed: boolean;
  /**
   * The campaign's own stopping rule (the service's, with max_trials = budget), applied after every
   * trial: where it would have ended exploration, why, and whether the row it would then pick (best
   * observed feasible) is a target. The replay goes on past the stop until a target is hit, so
   * trials-to-target keeps the definition.
   */
  stop: ReplayStop;
  /** The same for the rule before issue 19 (relative EI only), on the same trajectory. */
  stop_relative_ei: ReplayStop;
  /** The table row the campaign would confirm (its pick when the stopping rule ended exploration); absent when nothing feasible was seen. */
  pick_row?: number;
}

function observationFromSample(vector: number[], sample: Record<string, number>, table: ReplayTable): Observation {
  const constraints: Observation['constraints'] = {};
  for (const c of table.constraints) {
    const v = sample[c.metric];
    if (v !== undefined) constraints[c.metric] = { mean: v, variance: 0, n: 1 };
  }
  const y = sample[table.objective.metric];
  // A sample without the objective is a failed trial.
  return y === undefined ? { vector, constraints, feasible: false } : { vector, objective: { mean: y, variance: 0, n: 1 }, constraints };
}

function nearestRow(v: readonly number[], rows: readonly number[][]): number {
  let best = 0;
  let bestD = Infinity;
  rows.forEach((r, i) => {
    let d = 0;
    for (let k = 0; k < v.length; k++) d += ((v[k] as number) - (r[k] as number)) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/**
 * Replays one campaign against a table: each proposal is answered with a random recorded sample of
 * the nearest row (one trial = one sample), until a target row is hit (and the stopping rule has
 * decided) or the budget ends. Then the best feasible row seen when the rule stopped exploration and
 * a placebo copy of the baseline each duel the baseline with pairs drawn from the recorded samples,
 * judged together (Holm) as a real campaign would.
 */
export async function replayCampaign(opts: ReplayCampaignOptions): Promise<ReplayCampaignResult> {
  const { table, embedding } = opts;
  const rowVectors = table.rows.map((r) => embedding.toVector(r.config));
  // The table's rows are the only configs that exist in a replay, so proposals snap to the nearest
  // row (as the space embedding snaps categoricals): every sampler then sees a finite space and its
  // duplicate check stops it from re-proposing a row it has already measured. Without this, local
  // moves of a model-based sampler in 12 dimensions land on the row they started from.
  const snapToRow = (v: number[]): number[] => [...(rowVectors[nearestRow(embedding.snap(v), rowVectors)] as number[])];
  const domain = { dimension: embedding.dimension, snap: snapToRow, objective: table.objective, constraints: table.constraints };
  const sampler = opts.sampler === 'gp' && opts.gp_options !== undefined ? new GpSampler(domain, opts.seed, opts.gp_options) : await createSampler(opts.sampler, domain, opts.seed);
  const rng = new SeededRng((opts.seed * 7919 + 17) >>> 0);
  if (opts.prior_observations !== undefined && opts.prior_observations.length > 0) sampler.observe(opts.prior_observations.map((o) => ({ ...o, prior: true })));
  // A stop never changes the trajectory, so both rules are judged on the same campaign.
  const rules = [
    { ...DEFAULT_STOPPING_RULE, max_trials: opts.budget, max_wall_ms: Infinity },
    { ...RELATIVE_EI_STOPPING_RULE, max_trials: opts.budget, max_wall_ms: Infinity },
  ];
  const stops: (ReplayStop | undefined)[] = rules.map(() => undefined);
  let hit: number | null = null;
  const eiHistory: (number | null)[] = [];
  const posteriorHistory: (PosteriorSummary | null)[] = [];
  // The campaign's pick so far: the visited feasible row with the best observed (single-sample) objective.
  let pick: number | undefined;
  let pickY = Infinity;
  // What the service's rule would take into confirmation (the pick when it stopped).
  let duelPick: number | undefined;
  const runAtLeast = Math.min(opts.budget, opts.run_at_least ?? 0);
  for (let t = 1; t <= opts.budget && (hit === null || (stops.includes(undefined) && opts.stop_at_target !== true) || t <= runAtLeast); t++) {
    const { vectors, expected_improvement, posterior } = await sampler.suggest(1);
    eiHistory.push(expected_improvement);
    posteriorHistory.push(posterior ?? null);
    const row = nearestRow(vectors[0] as number[], rowVectors);
    const sample = rng.pick(table.rows[row]?.samples ?? []);
    const obs = observationFromSample(rowVectors[row] as number[], sample, table);
    sampler.observe([obs]);
    if (hit === null && opts.targets.targets.has(row)) hit = t;
    const y = minimisedObjective(obs, table.objective)?.mean;
    if (y !== undefined && isFeasible(obs, table.constraints) && y < pickY) {
      pickY = y;
      pick = row;
    }
    const pickIsTarget = pick !== undefined && opts.targets.targets.has(pick);
    opts.on_trial?.({ trial: t, expected_improvement, posterior: posterior ?? null, target_found: hit !== null, pick_is_target: pickIsTarget, incumbent: pick === undefined ? null : pickY, observation: obs });
    const progress = {
      trials: t,
      elapsed_ms: 0,
      confirmed_feasible: pick !== undefined,
      ...(pick === undefined ? {} : { incumbent: pickY }),
      expected_improvements: eiHistory,
      posteriors: posteriorHistory,
      dimension: embedding.dimension,
    };
    rules.forEach((rule, r) => {
      if (stops[r] !== undefined) return;
      const decision = shouldStop(progress, rule);
      if (!decision.stop) return;
      stops[r] = { after_trials: t, reason: decision.reason, target_found: hit !== null, pick_is_target: pickIsTarget };
      if (r === 0) duelPick = pick;
    });
  }
  const atBudget: ReplayStop = { after_trials: opts.budget, reason: 'trial_budget', target_found: hit !== null, pick_is_target: pick !== undefined && opts.targets.targets.has(pick) };
  if (stops[0] === undefined) duelPick = pick;
  const stop = stops[0] ?? atBudget;
  const stopRelativeEi = stops[1] ?? atBudget;
  const draw = (row: number): number[] =>
    Array.from({ length: opts.duel_pairs }, () => rng.pick(table.rows[row]?.samples ?? [])[table.objective.metric] ?? Number.NaN);
  // Each claim is its own duel with its own baseline runs, as the duel scheduler plans them.
  const claims = [{ id: 'placebo', candidate: draw(table.baseline_row), baseline: draw(table.baseline_row) }];
  if (duelPick !== undefined) claims.push({ id: 'best', candidate: draw(duelPick), baseline: draw(table.baseline_row) });
  const verdicts = judgeClaims(claims, { objective: table.objective, min_relative_effect: opts.min_relative_effect });
  const result: ReplayCampaignResult = {
    seed: opts.seed,
    trials_to_target: hit,
    placebo_false_win: verdicts.find((v) => v.id === 'placebo')?.better_than_baseline ?? false,
    best_confirmed: verdicts.find((v) => v.id === 'best')?.better_than_baseline ?? false,
    stop,
    stop_relative_ei: stopRelativeEi,
  };
  if (duelPick !== undefined) result.pick_row = duelPick;
  return result;
}
