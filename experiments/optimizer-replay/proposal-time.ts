/**
 * Benchmark (not a test): time of one GP proposal in 10 dimensions with one constrained metric, at
 * 300, 1,000, 2,000 and 10,000 observations, for the exact GP on every observation (the sampler
 * before issue 19, forced with `max_model_points: Infinity`) and for the default sampler (exact up to
 * 300 observations, a training subset beyond). Both run in the same process, interleaved round by
 * round, so their ratio is comparable even on a loaded machine.
 *
 * Per sampler and size: the first proposal (cold hyperparameter fit), the steady-state proposal after
 * one new observation with cached hyperparameters (the headline figure: the sampler refits only when
 * the data grew by 25%), a batch of 4, and the proposal after 25% more data (a warm refit).
 *
 * Run: nice -n 19 npx tsx experiments/optimizer-replay/proposal-time.ts [--rounds 3] [--exact-up-to 2000]
 *   -> proposal-time.json and proposal-time.md. The exact GP at 10,000 needs 800 MB kernel matrices
 *   and ~1.7e11 operations per Cholesky factor (minutes per proposal), so it runs only with
 *   `--exact-up-to 10000`, and above 2,000 observations only once and only the first proposal: the
 *   exact sampler refactorises every model on every proposal, so the first proposal differs from the
 *   steady state only by the cold hyperparameter fit on 150 points (under 1 s).
 *   `--markdown-only` rewrites proposal-time.md from the recorded proposal-time.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeededRng } from '../../src/core/seeded-rng.js';
import type { Observation } from '../../src/core/optimizer-observation.js';
import { GpSampler, type GpSamplerOptions } from '../../src/optimizer/samplers/gp.js';

const DIMENSION = 10;
const SIZES = [300, 1000, 2000, 10000];
const TARGET_MS: Record<number, number> = { 2000: 200, 10000: 1000 };

const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, 'exact-up-to': { type: 'string', default: '2000' }, 'markdown-only': { type: 'boolean', default: false } } });
const ROUNDS = Number(args.rounds);
const EXACT_UP_TO = Number(args['exact-up-to']);
const EXACT_FULL_UP_TO = 2000;

function observations(seed: number, count: number): Observation[] {
  const rng = new SeededRng(seed);
  return Array.from({ length: count }, () => {
    const v = Array.from({ length: DIMENSION }, () => rng.next());
    const f = v.reduce((a, x, i) => a + (x - 0.3) ** 2 * (i + 1), 0) + 0.05 * rng.normal();
    const c = (v[0] as number) + (v[1] as number) + 0.02 * rng.normal();
    return { vector: v, objective: { mean: f, variance: 0.0025, n: 3 }, constraints: { frag_ratio: { mean: c, variance: 4e-4, n: 3 } } };
  });
}

const domain = { dimension: DIMENSION, objective: { metric: 'f', direction: 'min' as const }, constraints: [{ metric: 'frag_ratio', max: 1.2 }] };
const VARIANTS: { name: 'exact' | 'default'; options: GpSamplerOptions }[] = [
  { name: 'exact', options: { max_model_points: Infinity } },
  { name: 'default', options: {} },
];

interface Timings {
  first_proposal_with_fit_ms: number[];
  proposal_after_new_observation_ms: number[];
  batch_of_4_cached_fit_ms: number[];
  proposal_after_25pct_growth_ms: number[];
}

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return Math.round(performance.now() - t);
}

async function measure(size: number, round: number, options: GpSamplerOptions, into: Timings, firstOnly: boolean): Promise<void> {
  const sampler = new GpSampler(domain, round, options);
  sampler.observe(observations(100 + round, size));
  into.first_proposal_with_fit_ms.push(await timed(() => sampler.suggest(1)));
  if (firstOnly) return;
  sampler.observe(observations(500 + round, 1));
  into.proposal_after_new_observation_ms.push(await timed(() => sampler.suggest(1)));
  into.batch_of_4_cached_fit_ms.push(await timed(() => sampler.suggest(4)));
  sampler.observe(observations(900 + round, Math.round(size / 4)));
  into.proposal_after_25pct_growth_ms.push(await timed(() => sampler.suggest(1)));
}

const median = (xs: number[]): number | null => (xs.length === 0 ? null : ([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number));
const load = (): number => Number((loadavg()[0] ?? 0).toFixed(2));

interface SizeEntry {
  observations: number;
  target_ms: number | null;
  median_proposal_ms: { exact: number | null; default: number };
  speedup: number | null;
  exact: Timings;
  default: Timings;
  load_average_1m: number[];
}

interface Result {
  benchmark: string;
  dimension: number;
  constraints: number;
  rounds: number;
  exact_up_to: number;
  sizes: SizeEntry[];
  load_average_1m: { start: number; end: number };
  node: string;
  measured_at: string;
}

async function measureAll(): Promise<Result> {
  const startLoad = load();
  const sizes: SizeEntry[] = [];
  for (const size of SIZES) {
    const empty = (): Timings => ({ first_proposal_with_fit_ms: [], proposal_after_new_observation_ms: [], batch_of_4_cached_fit_ms: [], proposal_after_25pct_growth_ms: [] });
    const byVariant = new Map(VARIANTS.map((v) => [v.name, empty()]));
    const loads: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of VARIANTS) {
        const exactOnce = v.name === 'exact' && size > EXACT_FULL_UP_TO;
        if (v.name === 'exact' && (size > EXACT_UP_TO || (exactOnce && r > 0))) continue;
        await measure(size, r, v.options, byVariant.get(v.name) as Timings, exactOnce);
        loads.push(load());
      }
    }
    const exact = byVariant.get('exact') as Timings;
    const dflt = byVariant.get('default') as Timings;
    // Where only the first exact proposal was measured, it stands in for the steady state (see above).
    const exactMedian = median(exact.proposal_after_new_observation_ms) ?? median(exact.first_proposal_with_fit_ms);
    const defaultMedian = median(dflt.proposal_after_new_observation_ms) as number;
    const entry: SizeEntry = {
      observations: size,
      target_ms: TARGET_MS[size] ?? null,
      median_proposal_ms: { exact: exactMedian, default: defaultMedian },
      speedup: exactMedian === null ? null : Number((exactMedian / Math.max(1, defaultMedian)).toFixed(1)),
      exact,
      default: dflt,
      load_average_1m: loads,
    };
    sizes.push(entry);
    process.stdout.write(`${JSON.stringify({ observations: size, median_proposal_ms: entry.median_proposal_ms, speedup: entry.speedup, load: loads })}\n`);
  }
  return {
    benchmark: 'gp-proposal-time',
    dimension: DIMENSION,
    constraints: 1,
    rounds: ROUNDS,
    exact_up_to: EXACT_UP_TO,
    sizes,
    // The VM is shared with other work: the 1-minute load average says how busy it was.
    load_average_1m: { start: startLoad, end: load() },
    node: process.version,
    measured_at: new Date().toISOString(),
  };
}

function markdown(result: Result): string {
  const cell = (x: number | null, missing: string): string => (x === null ? missing : String(x));
  const rows = result.sizes.map((s) => {
    const loads = s.load_average_1m;
    const once = s.exact.proposal_after_new_observation_ms.length === 0 && s.exact.first_proposal_with_fit_ms.length > 0;
    const d = s.default;
    return `| ${s.observations} | ${cell(s.median_proposal_ms.exact, 'not run')}${once ? ' (*)' : ''} | ${s.median_proposal_ms.default} | ${s.speedup === null ? '-' : `${s.speedup}x`} | ${cell(s.target_ms, '-')} | ${cell(median(d.first_proposal_with_fit_ms), '-')} | ${cell(median(d.batch_of_4_cached_fit_ms), '-')} | ${cell(median(d.proposal_after_25pct_growth_ms), '-')} | ${Math.min(...loads)}-${Math.max(...loads)} |`;
  });
  return [
    '# GP proposal time (generated by proposal-time.ts from proposal-time.json)',
    '',
    `${result.dimension} dimensions, ${result.constraints} constraint, ${result.rounds} rounds, medians; ${result.measured_at}, node ${result.node}; load average ${result.load_average_1m.start} at start, ${result.load_average_1m.end} at end.`,
    'Exact = the GP on every observation (the sampler before issue 19); default = exact up to 300 observations, a training subset of 300 beyond.',
    'Proposal = one proposal after one new observation, hyperparameters cached (the steady state).',
    '',
    '| observations | exact: proposal ms | default: proposal ms | speedup | target ms | default: first with fit ms | default: batch of 4 ms | default: after +25% data (refit) ms | load average 1m |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '(*) one run, first proposal including the cold hyperparameter fit (see proposal-time.ts).',
    'Taken with `nice -n 19` on the shared 2-vCPU VM while other sessions ran tests: absolute figures include that load',
    '(the load-average column); the exact/default ratio is from the same run. Re-measure on a quiet machine for absolute targets.',
    '',
  ].join('\n');
}

const here = dirname(fileURLToPath(import.meta.url));
const jsonPath = join(here, 'proposal-time.json');
let result: Result;
if (args['markdown-only']) {
  result = JSON.parse(readFileSync(jsonPath, 'utf8')) as Result;
} else {
  result = await measureAll();
  writeFileSync(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
}
writeFileSync(join(here, 'proposal-time.md'), markdown(result));
