import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { ReplayTableSchema, type ReplayTable } from '../../core/replay-table.js';
import { runReplayBenchmark, type ReplayBenchmarkResult } from '../../optimizer/replay/replay-benchmark.js';
import type { ReplayEmbedding } from '../../optimizer/replay/replay-campaign.js';
import type { SamplerKind } from '../../optimizer/sampler.js';
import { REPO_ROOT } from '../../proc/repo-paths.js';
import { completeConfig, createEmbedding, knownAllocatorSchema, loadSpace } from '../../spaces/index.js';
import { readJsonFile } from '../read-json-file.js';
import { UsageError } from '../usage-error.js';

const USAGE = `usage: alloctune bench optimizer --table FILE --sampler random|gp|ensemble [--sampler ...] [--seeds N] [--budget T]
                                [--tolerance F] [--pairs N] [--out FILE] [--json]
  Replays campaigns against a table of real measurements: each proposal gets a random recorded sample of
  the nearest row. Prints trials-to-target per seed (median, quartiles) and the placebo false-win rate,
  and writes them to --out (default experiments/optimizer-replay/results/<table>.json).
  --sampler may repeat or list several (random,gp). Defaults: --seeds 20 --budget 40 --tolerance 0.01 --pairs 10.
`;

const SAMPLERS: readonly SamplerKind[] = ['random', 'gp', 'ensemble'];

function usageError(reason: string): never {
  throw new UsageError('bench', 'arguments', reason);
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: name, reason: `'${text}' is not a positive integer` });
  return n;
}

/** Reads and validates a replay table file. */
export function readReplayTable(file: string): ReplayTable {
  const raw = readJsonFile(file, '--table');
  const parsed = ReplayTableSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: '--table', reason: `${file}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` });
  }
  return parsed.data;
}

/** The embedding of the table's space (with its overrides); row configs are completed with defaults. */
export function tableEmbedding(table: ReplayTable): ReplayEmbedding {
  const spec = typeof table.space === 'string' ? { allocator: table.space } : table.space;
  const allocator = knownAllocatorSchema().safeParse(spec.allocator);
  if (!allocator.success) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'table.space', reason: `unknown allocator '${spec.allocator}'` });
  const space = loadSpace(allocator.data, 'overrides' in spec ? spec.overrides : undefined);
  const embedding = createEmbedding(space);
  return { dimension: embedding.dimension, toVector: (c) => embedding.toVector(completeConfig(space, c)), snap: (v) => embedding.snap(v) };
}

async function optimizer(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      table: { type: 'string' },
      sampler: { type: 'string', multiple: true },
      seeds: { type: 'string' },
      budget: { type: 'string' },
      tolerance: { type: 'string' },
      pairs: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.table === undefined) return usageError('--table is required');
  const samplers = (values.sampler ?? []).flatMap((s) => s.split(',')).filter((s) => s !== '');
  if (samplers.length === 0) return usageError('--sampler is required');
  const unknown = samplers.find((s) => !SAMPLERS.includes(s as SamplerKind));
  if (unknown !== undefined) return usageError(`--sampler must be one of ${SAMPLERS.join(', ')}, got '${unknown}'`);
  const seeds = positiveInt('--seeds', values.seeds, 20);
  const budget = positiveInt('--budget', values.budget, 40);
  const pairs = positiveInt('--pairs', values.pairs, 10);
  const tolerance = values.tolerance === undefined ? 0.01 : Number(values.tolerance);
  if (!(tolerance >= 0 && tolerance < 1)) return usageError(`--tolerance must be in [0, 1), got '${values.tolerance}'`);

  const tableFile = resolve(values.table);
  const table = readReplayTable(tableFile);
  const embedding = tableEmbedding(table);
  const results: ReplayBenchmarkResult[] = [];
  for (const sampler of samplers as SamplerKind[]) {
    results.push(
      await runReplayBenchmark({
        table,
        embedding,
        sampler,
        seeds,
        budget,
        tolerance,
        duel_pairs: pairs,
        progress: (done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\r${sampler}: ${done}/${total} campaigns`);
          else if (done % 10 === 0 || done === total) process.stderr.write(`${sampler}: ${done}/${total} campaigns\n`);
        },
      }),
    );
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
  const random = results.find((r) => r.sampler === 'random');
  const ratios = Object.fromEntries(
    results
      .filter((r) => r !== random && random?.median != null && r.median !== null)
      .map((r) => [`${r.sampler}_over_random_median`, (r.median as number) / (random?.median as number)]),
  );
  const report = {
    benchmark: 'optimizer-replay',
    table: basename(tableFile),
    space: table.space,
    objective: table.objective,
    constraints: table.constraints,
    results,
    ...ratios,
    command: `alloctune bench optimizer ${argv.join(' ')}`,
    node: process.version,
    measured_at: new Date().toISOString(),
  };
  const out = values.out ?? join(REPO_ROOT, 'experiments', 'optimizer-replay', 'results', `${basename(tableFile, '.json')}--${samplers.join('-')}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    for (const r of results) {
      process.stdout.write(
        `${r.sampler.padEnd(8)} median ${r.median ?? 'miss'} (q1 ${r.q1 ?? 'miss'}, q3 ${r.q3 ?? 'miss'}) trials to target; hit rate ${(100 * r.hit_rate).toFixed(0)}%; ` +
          `placebo false wins ${r.placebo.false_wins}/${r.placebo.campaigns}\n`,
      );
    }
    process.stdout.write(`written to ${out}\n`);
  }
  return 0;
}

/** `alloctune bench <name>`: offline benchmarks (currently the optimizer replay). */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'optimizer') return optimizer(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  return usageError(sub === undefined ? 'missing benchmark name' : `unknown benchmark '${sub}'`);
}
