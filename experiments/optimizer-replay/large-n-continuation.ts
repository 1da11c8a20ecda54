/**
 * Benchmark (not a test): does the training subset cost sample efficiency at large n? The replay
 * tables stop at 100 trials, below `max_model_points`, so they cannot tell. Each campaign starts from
 * the same `--start` uniform random observations of a 10-dimensional constrained test function (a
 * weighted quadratic with a Rastrigin-like ripple, optimum cut off by a linear constraint), then makes `--steps`
 * sequential proposals, each evaluated with noise and observed. Per sampler variant and seed: the best
 * true objective among truly feasible points after the steps, as the change against the best true value
 * of the start set (negative = improved); same seeds and start sets for every variant (paired).
 *
 * Run: nice -n 19 npx tsx experiments/optimizer-replay/large-n-continuation.ts [--start 1000]
 *   [--steps 30] [--seeds 6] [--first-seed 1] [--variants exact,default,local50,local90]
 *   [--out large-n-continuation.json]  (written next to this script)
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeededRng } from '../../src/core/seeded-rng.js';
import type { Observation } from '../../src/core/optimizer-observation.js';
import { GpSampler, type GpSamplerOptions } from '../../src/optimizer/samplers/gp.js';

const DIMENSION = 10;
const CENTRE = Array.from({ length: DIMENSION }, (_, i) => 0.2 + 0.6 * ((i * 0.618034) % 1));
// x0 + x1 <= 0.6 cuts off the unconstrained optimum (CENTRE[0] + CENTRE[1] = 0.818).
const LIMIT = 0.6;
const VARIANT_OPTIONS: Record<string, GpSamplerOptions> = {
  exact: { max_model_points: Infinity },
  default: {},
  local50: { subset_local_fraction: 0.5 },
  local90: { subset_local_fraction: 0.9 },
  local33: { subset_local_fraction: 1 / 3 },
  subset500: { max_model_points: 500 },
};

const { values: args } = parseArgs({
  options: {
    start: { type: 'string', default: '1000' },
    steps: { type: 'string', default: '30' },
    seeds: { type: 'string', default: '6' },
    'first-seed': { type: 'string', default: '1' },
    out: { type: 'string', default: 'large-n-continuation.json' },
    variants: { type: 'string', default: 'exact,default,local50,local90' },
  },
});
const START = Number(args.start);
const STEPS = Number(args.steps);
const SEEDS = Number(args.seeds);
const FIRST_SEED = Number(args['first-seed']);
const VARIANTS = args.variants.split(',');
for (const v of VARIANTS) if (!VARIANT_OPTIONS[v]) throw new RangeError(`unknown variant ${v}; known: ${Object.keys(VARIANT_OPTIONS).join(', ')}`);

function trueObjective(x: readonly number[]): number {
  let f = 0;
  for (let i = 0; i < DIMENSION; i++) {
    const z = (x[i] as number) - (CENTRE[i] as number);
    // Rastrigin-like ripple: local minima half a unit apart in every coordinate.
    f += (1 + i / 3) * z * z + 0.15 * (1 - Math.cos(4 * Math.PI * z));
  }
  return f;
}
const trueConstraint = (x: readonly number[]): number => (x[0] as number) + (x[1] as number);

function observe(x: number[], rng: SeededRng): Observation {
  return {
    vector: x,
    objective: { mean: trueObjective(x) + 0.01 * rng.normal(), variance: 3e-4, n: 3 },
    constraints: { sum01: { mean: trueConstraint(x) + 0.005 * rng.normal(), variance: 7.5e-5, n: 3 } },
  };
}

const domain = { dimension: DIMENSION, objective: { metric: 'f', direction: 'min' as const }, constraints: [{ metric: 'sum01', max: LIMIT }] };
const bestFeasible = (xs: readonly number[][]): number => Math.min(...xs.filter((x) => trueConstraint(x) <= LIMIT).map(trueObjective));

const results: Record<string, { change_of_best: number[]; mean_proposal_ms: number[] }> = {};
for (const v of VARIANTS) results[v] = { change_of_best: [], mean_proposal_ms: [] };
for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
  const startRng = new SeededRng(1000 + seed);
  const startSet = Array.from({ length: START }, () => observe(Array.from({ length: DIMENSION }, () => startRng.next()), startRng));
  const startBest = bestFeasible(startSet.map((o) => o.vector));
  for (const v of VARIANTS) {
    const sampler = new GpSampler(domain, seed, VARIANT_OPTIONS[v]);
    sampler.observe(startSet);
    const noise = new SeededRng(2000 + seed);
    const proposed: number[][] = [];
    let ms = 0;
    for (let s = 0; s < STEPS; s++) {
      const t = performance.now();
      const [x] = (await sampler.suggest(1)).vectors;
      ms += performance.now() - t;
      if (!x) break;
      proposed.push(x);
      sampler.observe([observe(x, noise)]);
    }
    const best = Math.min(startBest, bestFeasible(proposed));
    const r = results[v] as { change_of_best: number[]; mean_proposal_ms: number[] };
    r.change_of_best.push(Number((best - startBest).toFixed(5)));
    r.mean_proposal_ms.push(Math.round(ms / STEPS));
    process.stdout.write(`seed ${seed} ${v}: improvement over start best ${(startBest - best).toFixed(4)} (start best ${startBest.toFixed(4)}), ${Math.round(ms / STEPS)} ms/proposal\n`);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const summary = Object.fromEntries(
  VARIANTS.map((v) => {
    const r = results[v] as { change_of_best: number[]; mean_proposal_ms: number[] };
    const exact = results['exact']?.change_of_best;
    return [
      v,
      {
        median_change_of_best: median(r.change_of_best),
        mean_change_of_best: Number((r.change_of_best.reduce((a, b) => a + b, 0) / r.change_of_best.length).toFixed(5)),
        // Paired against the exact GP: seeds where this variant ended at a better (lower) best.
        better_than_exact: exact ? r.change_of_best.filter((x, i) => x < (exact[i] as number) - 1e-9).length : null,
        worse_than_exact: exact ? r.change_of_best.filter((x, i) => x > (exact[i] as number) + 1e-9).length : null,
        median_proposal_ms: median(r.mean_proposal_ms),
      },
    ];
  }),
);
const out = {
  benchmark: 'gp-large-n-continuation',
  dimension: DIMENSION,
  start_observations: START,
  steps: STEPS,
  seeds: Array.from({ length: SEEDS }, (_, i) => FIRST_SEED + i),
  results,
  summary,
  load_average_1m: Number((loadavg()[0] ?? 0).toFixed(2)),
  node: process.version,
  measured_at: new Date().toISOString(),
};
writeFileSync(resolve(dirname(fileURLToPath(import.meta.url)), args.out), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
