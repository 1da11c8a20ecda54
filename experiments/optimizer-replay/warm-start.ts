/**
 * Warm start on the replay tables (issue 19): trials-to-target of GP campaigns that start from the
 * first N observations of a different seed's earlier campaign (seed s + 1000, replayed here or read from
 * a stopping-trace.ts trace with --prior-trace), against the same seeds cold (the stopping-trace.ts
 * trace of seeds 1..: the same replay without priors). Each warm campaign runs twice on the same priors:
 * with prior observations weighted like own trials (`warm_plain`, the warm start before the fix) and with
 * the GP's default extra prior noise (`warm`, GpSamplerOptions.prior_noise_fraction). Writes results/warm-start.json.
 *
 *   nice -n 19 npx tsx experiments/optimizer-replay/warm-start.ts --table T.json --cold-trace C.jsonl --seeds 50 --prior-trials 20 --out F.json
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readReplayTable, tableEmbedding } from '../../src/cli/commands/bench.js';
import { defaultMinRelativeEffect } from '../../src/optimizer/duel/practical-threshold.js';
import type { Observation } from '../../src/core/optimizer-observation.js';
import { replayCampaign, type ReplayTrialRecord } from '../../src/optimizer/replay/replay-campaign.js';
import { findTargets } from '../../src/optimizer/replay/replay-targets.js';

interface Trace {
  seed: number;
  records: ReplayTrialRecord[];
}

function readTraces(file: string): Map<number, Trace> {
  const raw = readFileSync(file);
  const lines = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  return new Map(lines.map((l) => JSON.parse(l) as Trace).map((t) => [t.seed, t]));
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return ((s[Math.floor(mid)] as number) + (s[Math.ceil(mid)] as number)) / 2;
}

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'prior-trace': { type: 'string' },
    'cold-trace': { type: 'string' },
    seeds: { type: 'string', default: '50' },
    'first-seed': { type: 'string', default: '1' },
    /** The fixed variant's GpSamplerOptions.prior_noise_fraction (default: the GP's default). */
    'prior-noise-fraction': { type: 'string' },
    'prior-trials': { type: 'string', default: '20' },
    budget: { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
if (values.table === undefined || values.out === undefined) throw new Error('--table and --out are required');
const table_file = values.table;
const out = values.out;
const table = readReplayTable(values.table);
const embedding = tableEmbedding(table);
const targets = findTargets(table, 0.01);
const priorTraces = values['prior-trace'] === undefined ? new Map<number, Trace>() : readTraces(values['prior-trace']);
const coldTraces = values['cold-trace'] === undefined ? undefined : readTraces(values['cold-trace']);
const priorTrials = Number(values['prior-trials']);
const budget = Number(values.budget);
const campaigns: { seed: number; prior_seed: number; cold: number | null; warm_plain: number | null; warm: number | null }[] = [];
const started = performance.now();
const common = { table, embedding, targets, sampler: 'gp' as const, duel_pairs: 10, min_relative_effect: defaultMinRelativeEffect(table.objective.metric) };

/** The earlier campaign's first trials: from the prior trace, else replayed here (seed s + 1000, prior_trials trials). */
async function priorsOf(seed: number): Promise<Observation[]> {
  const traced = priorTraces.get(seed + 1000);
  if (traced !== undefined) return traced.records.slice(0, priorTrials).map((r) => r.observation);
  const records: ReplayTrialRecord[] = [];
  await replayCampaign({ ...common, seed: seed + 1000, budget: priorTrials, run_at_least: priorTrials, on_trial: (r) => records.push(r) });
  return records.map((r) => r.observation);
}

/** Trials-to-target of seed s without priors: from the cold trace (a miss past its length), else replayed here. */
async function coldOf(seed: number): Promise<number | null | undefined> {
  if (coldTraces !== undefined) {
    const trace = coldTraces.get(seed);
    return trace === undefined ? undefined : (trace.records.find((r) => r.target_found)?.trial ?? null);
  }
  return (await replayCampaign({ ...common, seed, budget, stop_at_target: true })).trials_to_target;
}

const firstSeed = Number(values['first-seed']);
const fixed = values['prior-noise-fraction'] === undefined ? {} : { gp_options: { prior_noise_fraction: Number(values['prior-noise-fraction']) } };
for (let seed = firstSeed; seed < firstSeed + Number(values.seeds); seed++) {
  const cold = await coldOf(seed);
  if (cold === undefined) break;
  const priors = await priorsOf(seed);
  const plain = await replayCampaign({ ...common, seed, budget, prior_observations: priors, gp_options: { prior_noise_fraction: 0 }, stop_at_target: true });
  const result = await replayCampaign({ ...common, ...fixed, seed, budget, prior_observations: priors, stop_at_target: true });
  campaigns.push({ seed, prior_seed: seed + 1000, cold, warm_plain: plain.trials_to_target, warm: result.trials_to_target });
  process.stderr.write(`seed ${seed}: cold ${cold} warm (plain) ${plain.trials_to_target} warm ${result.trials_to_target}\n`);
  write();
}

function write(): void {
  const entry = report();
  // One file for every table: entries of other tables are kept.
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { tables: (typeof entry)[] }).tables : [];
  const tables = [...previous.filter((t) => t.table !== entry.table), entry];
  writeFileSync(out, `${JSON.stringify({ benchmark: 'warm-start', tables }, null, 2)}\n`);
}
process.stdout.write(`${JSON.stringify({ ...report(), campaigns: undefined }, null, 2)}\n`);

function report() {
  return {
    table: basename(table_file),
    seeds: campaigns.length,
    budget,
    prior_trials: priorTrials,
    prior_source: 'the first prior_trials trials of the GP campaign with seed s + 1000 on the same table',
    prior_noise_fraction: { warm_plain: 0, warm: values['prior-noise-fraction'] === undefined ? 'GP default' : Number(values['prior-noise-fraction']) },
    cold: summary((c) => c.cold),
    warm_plain: summary((c) => c.warm_plain),
    warm: summary((c) => c.warm),
    warm_plain_faster: campaigns.filter((c) => (c.warm_plain ?? Infinity) < (c.cold ?? Infinity)).length,
    warm_plain_slower: campaigns.filter((c) => (c.warm_plain ?? Infinity) > (c.cold ?? Infinity)).length,
    warm_faster: campaigns.filter((c) => (c.warm ?? Infinity) < (c.cold ?? Infinity)).length,
    warm_slower: campaigns.filter((c) => (c.warm ?? Infinity) > (c.cold ?? Infinity)).length,
    campaigns,
    elapsed_ms: Math.round(performance.now() - started),
    command: `warm-start.ts ${process.argv.slice(2).join(' ')}`,
    measured_at: new Date().toISOString(),
  };
}

function summary(pick: (c: (typeof campaigns)[number]) => number | null): { median: number | null; hit_rate: number } {
  return { median: median(campaigns.map((c) => pick(c) ?? Infinity)), hit_rate: campaigns.filter((c) => pick(c) !== null).length / Math.max(1, campaigns.length) };
}
