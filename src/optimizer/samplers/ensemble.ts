import type * as Tf from '@tensorflow/tfjs';
import { expectedImprovement, probabilityOfFeasibility } from '../gp/acquisition.js';
import { GaussianProcess } from '../gp/gaussian-process.js';
import { isFeasible, minimisedObjective, toUpperBound } from '../problem.js';
import type { Sampler, SamplerDomain, SamplerState, SuggestContext, Suggestion } from '../sampler.js';
import type { TensorflowHandle } from '../tf-backend.js';
import { RandomSampler } from './random.js';
import { SamplerBase } from './sampler-base.js';

/** Tuning of the ensemble sampler. */
export interface EnsembleSamplerOptions {
  members?: number;
  hidden_units?: number;
  training_steps?: number;
  learning_rate?: number;
  initial_design?: number;
  global_candidates?: number;
  local_candidates?: number;
  /** Radius (unit-cube distance) of the penalty around points already chosen in a batch. */
  penalty_radius?: number;
}

interface Prediction {
  /** [metric][candidate] means and epistemic variances in original units (objective minimised). */
  mean: number[][];
  variance: number[][];
}

/**
 * Surrogate made of several small MLPs trained together (one batched network, one weight set per
 * member, seeded initialisation) on a Gaussian likelihood with a mean and a variance head per
 * metric. The spread of member means is the model uncertainty used by constrained EI; batches use
 * local penalisation around already chosen points.
 */
export class EnsembleSampler extends SamplerBase implements Sampler {
  readonly kind = 'ensemble' as const;
  private readonly opts: Required<EnsembleSamplerOptions>;
  private readonly tf: typeof Tf;
  private design: RandomSampler;

  constructor(domain: SamplerDomain, seed: number, tensorflow: TensorflowHandle, options: EnsembleSamplerOptions = {}) {
    super(domain, seed);
    this.tf = tensorflow.tf;
    this.opts = {
      members: options.members ?? 5,
      hidden_units: options.hidden_units ?? 32,
      training_steps: options.training_steps ?? 80,
      learning_rate: options.learning_rate ?? 0.03,
      initial_design: options.initial_design ?? Math.min(10, Math.max(4, domain.dimension + 1)),
      global_candidates: options.global_candidates ?? 1000,
      local_candidates: options.local_candidates ?? 300,
      penalty_radius: options.penalty_radius ?? 0.1,
    };
    this.design = new RandomSampler(domain, seed);
  }

  /** Resumes from {@link Sampler.toJSON} output. */
  static restore(domain: SamplerDomain, state: SamplerState, tensorflow: TensorflowHandle, options: EnsembleSamplerOptions = {}): EnsembleSampler {
    const s = new EnsembleSampler(domain, state.seed, tensorflow, options);
    s.restoreBase(state);
    const design = state.extra['design'] as SamplerState | undefined;
    if (design) s.design = RandomSampler.restore(domain, design);
    return s;
  }

  async suggest(n: number, context?: SuggestContext): Promise<Suggestion> {
    const pending = context?.pending ?? [];
    const succeeded = this.observations.filter((o) => o.objective !== undefined);
    if (this.observations.length + pending.length < this.opts.initial_design || succeeded.length < 2) {
      return { vectors: this.design.nextDesign(n, [...this.observations.map((o) => o.vector), ...pending]), expected_improvement: null };
    }
    const predict = this.train();
    try {
      return this.propose(n, pending, predict);
    } finally {
      predict.dispose();
    }
  }

  private propose(n: number, pending: readonly number[][], model: TrainedEnsemble): Suggestion {
    const bounds = this.domain.constraints.map(toUpperBound);
    const feasible = this.observations.filter((o) => o.objective && isFeasible(o, this.domain.constraints));
    const incumbent = feasible.length > 0 ? Math.min(...model.predict(feasible.map((o) => o.vector)).mean[0]!) : undefined;
    const chosen: number[][] = [...pending];
    const score = (points: readonly number[][]): number[] => {
      const p = model.predict(points);
      return points.map((x, i) => {
        let pof = 1;
        bounds.forEach((b, c) => {
          pof *= probabilityOfFeasibility(p.mean[c + 1]![i]!, Math.sqrt(p.variance[c + 1]![i]!), b.limit);
        });
        const acq = incumbent === undefined ? pof : expectedImprovement(p.mean[0]![i]!, Math.sqrt(p.variance[0]![i]!), incumbent) * pof;
        let penalty = 1;
        for (const c of chosen) {
          let d2 = 0;
          for (let k = 0; k < x.length; k++) d2 += ((x[k] as number) - (c[k] as number)) ** 2;
          penalty *= 1 - Math.exp(-d2 / (2 * this.opts.penalty_radius ** 2));
        }
        return acq * penalty;
      });
    };
    return this.greedyBatch(n, {
      pending,
      score,
      global_candidates: this.opts.global_candidates,
      local_candidates: this.opts.local_candidates,
      refine_rounds: 3,
      reports_improvement: incumbent !== undefined,
      anchor_last_pick: false,
      after_pick: (point) => chosen.push(point),
      fallback: (taken) => this.design.nextDesign(1, taken)[0],
    });
  }

  private train(): TrainedEnsemble {
    const tf = this.tf;
    const obs = this.observations;
    const metrics = 1 + this.domain.constraints.length;
    const bounds = this.domain.constraints.map(toUpperBound);
    // Columns: minimised objective, then each constraint as `sign * metric`; failed trials get the
    // worst objective and no constraint targets (masked).
    const okY = obs.flatMap((o) => (o.objective ? [(minimisedObjective(o, this.domain.objective) as { mean: number }).mean] : []));
    const worst = Math.max(...okY);
    const raw: (number | undefined)[][] = obs.map((o) => [
      minimisedObjective(o, this.domain.objective)?.mean ?? worst,
      ...bounds.map((b) => {
        const m = o.constraints[b.metric];
        return m ? b.sign * m.mean : undefined;
      }),
    ]);
    const scales = Array.from({ length: metrics }, (_, k) =>
      GaussianProcess.standardisation(raw.flatMap((r) => (r[k] === undefined ? [] : [r[k] as number]))),
    );
    const n = obs.length;
    const d = this.domain.dimension;
    const m = this.opts.members;
    const h = this.opts.hidden_units;
    const yData = new Float32Array(n * metrics);
    const maskData = new Float32Array(n * metrics);
    raw.forEach((row, i) =>
      row.forEach((v, k) => {
        if (v === undefined) return;
        const s = scales[k] as { mean: number; scale: number };
        yData[i * metrics + k] = (v - s.mean) / s.scale;
        maskData[i * metrics + k] = 1;
      }),
    );
    const init = (shape: number[], fanIn: number): Tf.Variable => {
      const size = shape.reduce((a, b) => a * b, 1);
      const sd = Math.sqrt(1 / fanIn);
      return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => sd * this.rng.normal()), shape));
    };
    const vars = {
      w1: init([m, d, h], d),
      b1: tf.variable(tf.zeros([m, 1, h])),
      w2: init([m, h, h], h),
      b2: tf.variable(tf.zeros([m, 1, h])),
      w3: init([m, h, 2 * metrics], h),
      b3: tf.variable(tf.zeros([m, 1, 2 * metrics])),
    };
    const forward = (x: Tf.Tensor3D): { mean: Tf.Tensor3D; logVar: Tf.Tensor3D } => {
      const h1 = tf.tanh(tf.add(tf.matMul(x, vars.w1), vars.b1));
      const h2 = tf.tanh(tf.add(tf.matMul(h1, vars.w2), vars.b2));
      const out = tf.add(tf.matMul(h2, vars.w3), vars.b3) as Tf.Tensor3D;
      const [mean, logVarRaw] = tf.split(out, 2, 2) as [Tf.Tensor3D, Tf.Tensor3D];
      return { mean, logVar: tf.clipByValue(logVarRaw, -9, 3) };
    };
    const x = tf.tile(tf.tensor3d(Float32Array.from(obs.flatMap((o) => o.vector)), [1, n, d]), [m, 1, 1]) as Tf.Tensor3D;
    const y = tf.tensor3d(yData, [1, n, metrics]);
    const mask = tf.tensor3d(maskData, [1, n, metrics]);
    const maskSum = Math.max(1, maskData.reduce((a, b) => a + b, 0));
    const optimiser = tf.train.adam(this.opts.learning_rate);
    for (let step = 0; step < this.opts.training_steps; step++) {
      tf.tidy(() => {
        optimiser.minimize(() => {
          const { mean, logVar } = forward(x);
          const nll = tf.add(tf.mul(0.5, logVar), tf.div(tf.mul(0.5, tf.square(tf.sub(y, mean))), tf.exp(logVar)));
          const data = tf.div(tf.sum(tf.mul(nll, mask)), maskSum * m);
          const decay = tf.mul(1e-4, tf.addN([tf.sum(tf.square(vars.w1)), tf.sum(tf.square(vars.w2)), tf.sum(tf.square(vars.w3))]));
          return tf.add(data, decay) as Tf.Scalar;
        });
      });
    }
    optimiser.dispose();
    x.dispose();
    y.dispose();
    mask.dispose();
    const all = Object.values(vars);
    return {
      predict: (points) => {
        const { meanData, count } = tf.tidy(() => {
          const xp = tf.tile(tf.tensor3d(Float32Array.from(points.flatMap((p) => p)), [1, points.length, d]), [m, 1, 1]) as Tf.Tensor3D;
          return { meanData: forward(xp).mean.dataSync(), count: points.length };
        });
        const mean: number[][] = [];
        const variance: number[][] = [];
        for (let k = 0; k < metrics; k++) {
          const s = scales[k] as { mean: number; scale: number };
          const mk: number[] = [];
          const vk: number[] = [];
          for (let i = 0; i < count; i++) {
            let sum = 0;
            let sum2 = 0;
            for (let e = 0; e < m; e++) {
              const v = meanData[(e * count + i) * metrics + k] as number;
              sum += v;
              sum2 += v * v;
            }
            const mu = sum / m;
            mk.push(s.mean + s.scale * mu);
            vk.push(Math.max(sum2 / m - mu * mu, 1e-8) * s.scale * s.scale);
          }
          mean.push(mk);
          variance.push(vk);
        }
        return { mean, variance };
      },
      dispose: () => all.forEach((v) => v.dispose()),
    };
  }

  protected override afterReseed(): void {
    this.design = new RandomSampler(this.domain, this.seed);
  }

  protected override extraState(): Record<string, unknown> {
    return { design: this.design.toJSON() };
  }
}

interface TrainedEnsemble {
  predict(points: readonly number[][]): Prediction;
  dispose(): void;
}
