import { SeededRng } from '../../core/seeded-rng.js';
import { fitHyperparameters } from '../gp/fit-hyperparameters.js';
import { GaussianProcess, type GpData, type GpHyperparameters } from '../gp/gaussian-process.js';
import { sobolDesign, sobolIndices } from './sobol-indices.js';

/** One observed trial as the importance estimate sees it: where it ran and what it measured. */
export interface ImportancePoint {
  vector: readonly number[];
  /** Mean of the metric over the trial's repeats. */
  value: number;
  /** Variance of that mean (variance of one repeat / repeats); 0 when unknown. */
  noise: number;
}

/** How the estimate is made; defaults suit 5-300 trials in up to ~20 dimensions. */
export interface ImportanceOptions {
  /** Knob name of each coordinate (the embedding's `names`). */
  names: readonly string[];
  snap?: (v: number[]) => number[];
  seed?: number;
  /** Base points of each Saltelli design (default 256). */
  samples?: number;
  /** Bootstrap refits over resampled trials for the intervals (default 40). */
  bootstrap?: number;
  /** Two-sided interval level (default 0.9). */
  level?: number;
}

/** Importance of one knob: its share of the surrogate's variance, with a bootstrap interval. */
export interface KnobImportance {
  name: string;
  /** Total-effect share (main effect and interactions), the ranking key. */
  total: number;
  total_low: number;
  total_high: number;
  /** Main-effect share alone. */
  first: number;
  first_low: number;
  first_high: number;
}

/** The estimate for one metric, knobs most important first. */
export interface ImportanceEstimate {
  method: string;
  trials: number;
  level: number;
  knobs: KnobImportance[];
}

/** Fewest trials for which a surrogate says anything about every knob. */
export const MIN_IMPORTANCE_TRIALS = 4;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

function clampShare(v: number): number {
  return Math.min(1, Math.max(0, v));
}

/**
 * The share and its percentile interval, widened to hold the share. A resample repeats trials, and
 * a GP fitted on repeats smooths differently, so a small share's bootstrap distribution can sit
 * wholly above (or below) the full-data estimate; an interval that excludes the number printed next
 * to it reads as a bug, and widening only makes the claim more cautious.
 */
function shareWithInterval(estimate: number, boots: number[], tail: number): { share: number; low: number; high: number } {
  const sorted = [...boots].sort((x, y) => x - y);
  const share = clampShare(estimate);
  return { share, low: Math.min(share, clampShare(quantile(sorted, tail))), high: Math.max(share, clampShare(quantile(sorted, 1 - tail))) };
}

/**
 * Knob importance from a campaign's own trials: a GP surrogate (the sampler's Matern-5/2 ARD model,
 * hyperparameters fitted once on all trials) decomposed by functional ANOVA into Sobol shares per
 * knob. The interval comes from refitting the GP on trials resampled with replacement (same
 * hyperparameters, same Saltelli designs, so only the data varies): it says how much the ranking
 * rests on few trials. Shares are clamped to [0, 1]; Monte Carlo error of the point estimate is a few
 * hundredths at the default sample size.
 */
export function estimateKnobImportance(points: readonly ImportancePoint[], options: ImportanceOptions): ImportanceEstimate {
  const level = options.level ?? 0.9;
  const names = options.names;
  const method = 'Sobol total and first-order shares of a GP surrogate (functional ANOVA), bootstrap over trials';
  if (points.length < MIN_IMPORTANCE_TRIALS || names.length === 0) {
    return { method, trials: points.length, level, knobs: [] };
  }
  const rng = new SeededRng(options.seed ?? 1);
  const data: GpData = { x: points.map((p) => [...p.vector]), y: points.map((p) => p.value), noise: points.map((p) => p.noise) };
  const hyper: GpHyperparameters = fitHyperparameters(data, { restarts: 2, max_iterations: 40, rng });
  const design = sobolDesign(names.length, options.samples ?? 256, rng, options.snap);
  const indicesOf = (d: GpData): { first: number[]; total: number[] } => {
    const gp = GaussianProcess.fit(d, hyper);
    return sobolIndices((x) => gp.predictMean(x), design, options.snap);
  };
  const point = indicesOf(data);
  const boots = { first: names.map(() => [] as number[]), total: names.map(() => [] as number[]) };
  for (let b = 0; b < (options.bootstrap ?? 40); b++) {
    const idx = Array.from({ length: points.length }, () => rng.int(0, points.length - 1));
    const sample = indicesOf({ x: idx.map((i) => data.x[i] as number[]), y: idx.map((i) => data.y[i] as number), noise: idx.map((i) => data.noise[i] as number) });
    for (let k = 0; k < names.length; k++) {
      (boots.first[k] as number[]).push(sample.first[k] as number);
      (boots.total[k] as number[]).push(sample.total[k] as number);
    }
  }
  const tail = (1 - level) / 2;
  const knobs = names.map((name, k): KnobImportance => {
    const total = shareWithInterval(point.total[k] as number, boots.total[k] as number[], tail);
    const first = shareWithInterval(point.first[k] as number, boots.first[k] as number[], tail);
    return { name, total: total.share, total_low: total.low, total_high: total.high, first: first.share, first_low: first.low, first_high: first.high };
  });
  knobs.sort((x, y) => y.total - x.total || x.name.localeCompare(y.name));
  return { method, trials: points.length, level, knobs };
}
