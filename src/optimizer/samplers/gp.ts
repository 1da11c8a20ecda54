import { expectedImprovement, probabilityOfFeasibility, probabilityOfImprovement } from '../gp/acquisition.js';
import { defaultHyper, fitHyperparameters } from '../gp/fit-hyperparameters.js';
import { GaussianProcess, type GpData, type GpHyperparameters } from '../gp/gaussian-process.js';
import { selectTrainingSubset } from '../gp/training-subset.js';
import { isFeasible, minimisedObjective, toUpperBound } from '../problem.js';
import type { PosteriorSummary, Sampler, SamplerDomain, SamplerState, SuggestContext, Suggestion } from '../sampler.js';
import { RandomSampler } from './random.js';
import { SamplerBase } from './sampler-base.js';

/** Tuning of the GP sampler; defaults suit 1-20 dimensions and up to ~10,000 trials. */
export interface GpSamplerOptions {
  /** Quasi-random points before the first model (default: dimension + 1, clamped to 4..10). */
  initial_design?: number;
  global_candidates?: number;
  local_candidates?: number;
  refine_rounds?: number;
  /** Refit hyperparameters when the data grew by this factor since the last fit (always below 40 points). */
  refit_growth?: number;
  /**
   * Most observations one GP trains on (default 300). Up to this many every model is the exact GP on
   * all of them; beyond it each model trains on a subset (see `gp/training-subset.ts`). `Infinity`
   * forces the exact model at any size (benchmarks compare against it).
   */
  max_model_points?: number;
  /** Share of a training subset spent on the observations nearest the best ones (default 2/3). */
  subset_local_fraction?: number;
  /**
   * Extra noise variance of a prior (warm-start) observation, as a fraction of the variance of all
   * objective values seen (default 1: a prior is trusted to about one sd of the objective's spread).
   * A single unlucky prior sample then cannot rule out its region: the model keeps enough doubt
   * there to measure it again, and still measures the priors' best first. Relative to the spread,
   * not to the fitted noise floor: with single-sample trials the fit often explains the noise as
   * signal and puts the floor near zero (3 x that floor changed almost nothing).
   */
  prior_noise_fraction?: number;
}

interface FittedModel {
  gp: GaussianProcess;
  /** Observation index of each training point (constraint models skip failed trials). */
  rows?: number[];
  /** For constraint models: the upper bound in model units (`sign * metric <= limit`). */
  limit?: number;
}

const OBJECTIVE = '__objective__';

/**
 * GP-BO: one Matern-5/2 ARD GP for the objective and one per constrained metric, hyperparameters by
 * maximum marginal likelihood (with weak priors), per-point noise from the repeats, constrained EI,
 * and batches by kriging believer (each chosen or pending point is added with its predicted mean).
 * Beyond `max_model_points` observations the posteriors train on a subset chosen near the best
 * observations plus a spread of the rest, which keeps a proposal at the cost of the exact model on
 * that many points (issue 19; measurements in experiments/optimizer-replay/README.md).
 */
export class GpSampler extends SamplerBase implements Sampler {
  readonly kind = 'gp' as const;
  private readonly opts: Required<GpSamplerOptions>;
  private design: RandomSampler;
  private hyper = new Map<string, GpHyperparameters>();
  private fittedAt = new Map<string, number>();

  constructor(domain: SamplerDomain, seed: number, options: GpSamplerOptions = {}) {
    super(domain, seed);
    this.opts = {
      initial_design: options.initial_design ?? Math.min(10, Math.max(4, domain.dimension + 1)),
      global_candidates: options.global_candidates ?? 1000,
      local_candidates: options.local_candidates ?? 300,
      refine_rounds: options.refine_rounds ?? 3,
      refit_growth: options.refit_growth ?? 1.25,
      max_model_points: options.max_model_points ?? 300,
      // The rest of a subset spreads over the explored space. 1/2 and 0.9 did no better than 2/3 on
      // the large-n continuation runs (experiments/optimizer-replay/README.md).
      subset_local_fraction: options.subset_local_fraction ?? 2 / 3,
      // Chosen on warm-start tuning seeds 51-100, reported on 1-50 (experiments/optimizer-replay/results/warm-start.md).
      prior_noise_fraction: options.prior_noise_fraction ?? 1,
    };
    this.design = new RandomSampler(domain, seed);
  }

  /** Resumes from {@link Sampler.toJSON} output. */
  static restore(domain: SamplerDomain, state: SamplerState, options: GpSamplerOptions = {}): GpSampler {
    const s = new GpSampler(domain, state.seed, options);
    s.restoreBase(state);
    const design = state.extra['design'] as SamplerState | undefined;
    if (design) s.design = RandomSampler.restore(domain, design);
    const hyper = (state.extra['hyper'] ?? {}) as Record<string, GpHyperparameters>;
    for (const [k, v] of Object.entries(hyper)) s.hyper.set(k, v);
    const fitted = (state.extra['fitted_at'] ?? {}) as Record<string, number>;
    for (const [k, v] of Object.entries(fitted)) s.fittedAt.set(k, v);
    return s;
  }

  suggest(n: number, context?: SuggestContext): Promise<Suggestion> {
    const pending = context?.pending ?? [];
    const succeeded = this.observations.filter((o) => o.objective !== undefined);
    if (this.observations.length + pending.length < this.opts.initial_design || succeeded.length < 2) {
      const taken = [...this.observations.map((o) => o.vector), ...pending];
      return Promise.resolve({ vectors: this.design.nextDesign(n, taken), expected_improvement: null });
    }
    return Promise.resolve(this.suggestFromModels(n, pending));
  }

  private suggestFromModels(n: number, pending: readonly number[][]): Suggestion {
    // Hyperparameters always come from all the data (a seeded subsample above 150 points); only the
    // posterior is restricted to `rows` when there are too many observations for the exact model.
    const objectiveData = this.objectiveData();
    const objectiveHyper = this.hyperparameters(OBJECTIVE, objectiveData);
    const rows = this.trainingRows(objectiveData, objectiveHyper);
    const inModel = rows ? new Set(rows) : undefined;
    const modelData = this.withPriorNoise(objectiveData);
    let objective: FittedModel = {
      gp: GaussianProcess.fit(inModel ? subsetOf(modelData, (i) => inModel.has(i)) : modelData, objectiveHyper),
      rows: rows ?? objectiveData.y.map((_, i) => i),
    };
    const constraintModels: FittedModel[] = [];
    for (const c of this.domain.constraints) {
      const data = this.constraintData(c.metric);
      if (data.y.length < 2) continue;
      const hyper = this.hyperparameters(c.metric, data);
      const keep = (i: number): boolean => !inModel || inModel.has(data.rows[i] as number);
      const training = inModel ? { ...subsetOf(data, keep), rows: data.rows.filter((_, i) => keep(i)) } : data;
      if (training.y.length < 2) continue;
      constraintModels.push({ gp: GaussianProcess.fit(training, hyper), limit: toUpperBound(c).limit, rows: training.rows });
    }
    // Noisy incumbent: the best posterior mean among observed points that the constraint models
    // (not a single noisy sample) consider feasible, so one lucky or unlucky repeat neither crowns
    // nor disqualifies a config.
    // Posterior means at observed points come from each model's training means (O(1) per point).
    const meansByRow = (m: FittedModel): Map<number, number> => {
      const means = m.gp.trainingMeans();
      return new Map((m.rows ?? []).map((row, i) => [row, means[i] as number]));
    };
    const objectiveMeans = meansByRow(objective);
    const constraintMeans = constraintModels.map(meansByRow);
    const candidates = this.observations.map((o, i) => ({ o, i })).filter(({ o, i }) => o.objective && objectiveMeans.has(i));
    const likelyFeasible = candidates.filter(({ i }) =>
      constraintModels.every((m, c) => ((constraintMeans[c] as Map<number, number>).get(i) ?? Infinity) <= (m.limit as number)),
    );
    const feasible = likelyFeasible.length > 0 ? likelyFeasible : candidates.filter(({ o }) => isFeasible(o, this.domain.constraints));
    const leader = feasible.reduce<{ i: number; mean: number } | undefined>((best, { i }) => {
      const mean = objectiveMeans.get(i) as number;
      return best === undefined || mean < best.mean ? { i, mean } : best;
    }, undefined);
    const incumbent = leader?.mean;
    const unfantasised = { objective: objective.gp, constraints: constraintModels.map((m) => m.gp) };

    const fantasise = (x: readonly number[]): void => {
      objective = { gp: objective.gp.withObservation(x, objective.gp.predictMean(x)) };
      for (const m of constraintModels) m.gp = m.gp.withObservation(x, m.gp.predictMean(x));
    };
    for (const p of pending) fantasise(p);

    const score = (points: readonly number[][]): number[] =>
      points.map((x) => {
        let pof = 1;
        for (const m of constraintModels) {
          const p = m.gp.predict(x);
          pof *= probabilityOfFeasibility(p.mean, Math.sqrt(p.variance), m.limit as number);
        }
        if (incumbent === undefined) return pof;
        const p = objective.gp.predict(x);
        return expectedImprovement(p.mean, Math.sqrt(p.variance), incumbent) * pof;
      });

    // Each candidate costs an O(n^2) triangular solve per model; past 100 points fewer candidates keep
    // a proposal near 100 ms at n = 300 (see experiments/optimizer-replay/proposal-time.json). With
    // a training subset, n is the subset size, so the cost stays that of n = max_model_points.
    const budget = Math.min(1, 100 / Math.max(100, objective.gp.n));
    const suggestion = this.greedyBatch(n, {
      pending,
      score,
      global_candidates: Math.max(200, Math.round(this.opts.global_candidates * budget)),
      local_candidates: Math.max(100, Math.round(this.opts.local_candidates * budget)),
      refine_rounds: this.opts.refine_rounds,
      reports_improvement: incumbent !== undefined,
      anchor_last_pick: true,
      after_pick: fantasise,
      fallback: (taken) => this.design.nextDesign(1, taken)[0],
    });
    const first = suggestion.vectors[0];
    if (leader === undefined || first === undefined) return suggestion;
    return { ...suggestion, posterior: this.posteriorSummary(leader, first, unfantasised, constraintModels, objectiveData) };
  }

  /** The leader's posterior and the first proposal's chance to beat it, on the models before any fantasy. */
  private posteriorSummary(
    leader: { i: number; mean: number },
    proposal: readonly number[],
    models: { objective: GaussianProcess; constraints: GaussianProcess[] },
    constraintModels: readonly FittedModel[],
    data: GpData,
  ): PosteriorSummary {
    const at = models.objective.predict(this.observations[leader.i]?.vector ?? proposal);
    const noise = [...data.noise].sort((a, b) => a - b)[Math.floor(data.noise.length / 2)] ?? 0;
    const p = models.objective.predict(proposal);
    let probability = probabilityOfImprovement(p.mean, Math.sqrt(p.variance), leader.mean);
    models.constraints.forEach((gp, c) => {
      const q = gp.predict(proposal);
      probability *= probabilityOfFeasibility(q.mean, Math.sqrt(q.variance), constraintModels[c]?.limit as number);
    });
    return {
      leader_mean: leader.mean,
      leader_sd: Math.sqrt(at.variance),
      noise_sd: Math.sqrt(models.objective.hyper.noise_variance * models.objective.yScale ** 2 + noise),
      improvement_probability: probability,
    };
  }

  /**
   * `data` with each prior observation's noise raised by `prior_noise_fraction` x the variance of
   * the objective values. Hyperparameters and the posterior summary keep the plain data, so a warm
   * start does not change what the stopping rule calls noise.
   */
  private withPriorNoise(data: GpData): GpData {
    const prior = this.observations.map((o) => o.prior === true);
    if (this.opts.prior_noise_fraction <= 0 || !prior.includes(true)) return data;
    const { scale } = GaussianProcess.standardisation(data.y);
    const extra = this.opts.prior_noise_fraction * scale ** 2;
    return { ...data, noise: data.noise.map((v, i) => (prior[i] ? v + extra : v)) };
  }

  private objectiveData(): GpData {
    const ok = this.observations.filter((o) => o.objective);
    const ys = ok.map((o) => (minimisedObjective(o, this.domain.objective) as { mean: number }).mean);
    const worst = Math.max(...ys);
    const data: GpData = { x: [], y: [], noise: [] };
    for (const o of this.observations) {
      const m = minimisedObjective(o, this.domain.objective);
      data.x.push(o.vector);
      // A failed trial counts as the worst value seen, which steers the search away from it.
      data.y.push(m ? m.mean : worst);
      data.noise.push(m ? m.variance / m.n : 0);
    }
    return data;
  }

  private constraintData(metric: string): GpData & { rows: number[] } {
    const spec = this.domain.constraints.find((c) => c.metric === metric);
    const sign = spec ? toUpperBound(spec).sign : 1;
    const data: GpData & { rows: number[] } = { x: [], y: [], noise: [], rows: [] };
    for (const [i, o] of this.observations.entries()) {
      const m = o.constraints[metric];
      if (!m) continue;
      data.rows.push(i);
      data.x.push(o.vector);
      data.y.push(sign * m.mean);
      data.noise.push(m.variance / m.n);
    }
    return data;
  }

  /**
   * Observation indices the models train on, or undefined for all of them (the exact model): the
   * subset is chosen near the anchors in units of the objective's length scales.
   */
  private trainingRows(data: GpData, hyper: GpHyperparameters): number[] | undefined {
    if (data.y.length <= this.opts.max_model_points) return undefined;
    return selectTrainingSubset(data.x, this.anchors(), {
      size: this.opts.max_model_points,
      local_fraction: this.opts.subset_local_fraction,
      length_scales: hyper.length_scales,
    });
  }

  /** Cached hyperparameters of model `key`, refitted while small and whenever the data grew by `refit_growth`. */
  private hyperparameters(key: string, data: GpData): GpHyperparameters {
    const n = data.y.length;
    const previous = this.hyper.get(key);
    const lastN = this.fittedAt.get(key) ?? 0;
    let hyper = previous ?? defaultHyper(this.domain.dimension);
    if (!previous || n < 40 || n >= lastN * this.opts.refit_growth) {
      hyper = fitHyperparameters(data, {
        ...(previous ? { warm_start: previous } : {}),
        restarts: n < 100 ? 2 : 0,
        max_iterations: n < 100 ? 40 : 15,
        rng: this.rng,
      });
      this.hyper.set(key, hyper);
      this.fittedAt.set(key, n);
    }
    return hyper;
  }

  protected override afterReseed(): void {
    this.design = new RandomSampler(this.domain, this.seed);
  }

  protected override extraState(): Record<string, unknown> {
    return {
      design: this.design.toJSON(),
      hyper: Object.fromEntries(this.hyper),
      fitted_at: Object.fromEntries(this.fittedAt),
    };
  }
}

/** The points of `data` whose index passes `keep`, in order. */
function subsetOf(data: GpData, keep: (index: number) => boolean): GpData {
  const out: GpData = { x: [], y: [], noise: [] };
  data.y.forEach((y, i) => {
    if (!keep(i)) return;
    out.x.push(data.x[i] as number[]);
    out.y.push(y);
    out.noise.push(data.noise[i] as number);
  });
  return out;
}
