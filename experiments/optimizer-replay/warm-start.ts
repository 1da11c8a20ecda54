/**
 * Warm start on the replay tables (issue 19): trials-to-target of GP campaigns that start from the
 * first N observations of a different seed's earlier campaign (seed s + 1000, from a stopping-trace.ts
 * trace), against the same seeds cold (from the cold trace of seeds 1..). Writes results/warm-start.json.
 *
 *   nice -n 19 npx tsx experiments/optimizer-replay/warm-start.ts --table T.json --prior-trace P.jsonl --cold-trace C.jsonl --seeds 50 --prior-trials 20 --out F.json
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { readReplayTable, tableEmbedding } from '../../src/cli/commands/bench.js';
import { defaultMinRelativeEffect } from '../../src/optimizer/duel/practical-threshold.js';
import { replayCampaign, type ReplayTrialRecord } from '../../src/optimizer/replay/replay-campaign.js';
import { findTargets } from '../../src/optimizer/replay/replay-targets.js';

interface Trace {
  seed: number;
  records: ReplayTrialRecord[];
}

function readTraces(file: string): Map<number, Trace> {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
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
    'prior-trials': { type: 'string', default: '20' },
    budget: { type: 'string', default: '100' },
    out: { type: 'string' },
  },
});
if (values.table === undefined || values['prior-trace'] === undefined || values['cold-trace'] === undefined || values.out === undefined) {
  throw new Error('--table, --prior-trace, --cold-trace and --out are required');
}
const table = readReplayTable(values.table);
const embedding = tableEmbedding(table);
const targets = findTargets(table, 0.01);
const priorTraces = readTraces(values['prior-trace']);
const coldTraces = readTraces(values['cold-trace']);
const priorTrials = Number(values['prior-trials']);
const budget = Number(values.budget);
const campaigns: { seed: number; prior_seed: number; cold: number | null; warm: number | null }[] = [];
const started = performance.now();
for (let seed = 1; seed <= Number(values.seeds); seed++) {
  const prior = priorTraces.get(seed + 1000);
  const cold = coldTraces.get(seed);
  if (prior === undefined || cold === undefined) break;
  const result = await replayCampaign({
    table,
    embedding,
    targets,
    sampler: 'gp',
    seed,
    budget,
    duel_pairs: 10,
    min_relative_effect: defaultMinRelativeEffect(table.objective.metric),
    prior_observations: prior.records.slice(0, priorTrials).map((r) => r.observation),
    stop_at_target: true,
  });
  // The cold trace ran to a fixed length: no target within it counts as a miss (worse than any hit).
  campaigns.push({ seed, prior_seed: seed + 1000, cold: cold.records.find((r) => r.target_found)?.trial ?? null, warm: result.trials_to_target });
  process.stderr.write(`seed ${seed}: cold ${campaigns[campaigns.length - 1]?.cold} warm ${result.trials_to_target}\n`);
}
const summary = (pick: (c: (typeof campaigns)[number]) => number | null, cap: number): { median: number | null; hit_rate: number; cap: number } => ({
  median: median(campaigns.map((c) => pick(c) ?? Infinity)),
  hit_rate: campaigns.filter((c) => pick(c) !== null).length / Math.max(1, campaigns.length),
  cap,
});
const entry = {
  table: basename(values.table),
  seeds: campaigns.length,
  prior_trials: priorTrials,
  prior_source: 'the first prior_trials trials of the GP campaign with seed s + 1000 (stopping-trace.ts trace)',
  cold: summary((c) => c.cold, coldTraces.values().next().value?.records.length ?? 0),
  warm: summary((c) => c.warm, budget),
  warm_faster: campaigns.filter((c) => (c.warm ?? Infinity) < (c.cold ?? Infinity)).length,
  warm_slower: campaigns.filter((c) => (c.warm ?? Infinity) > (c.cold ?? Infinity)).length,
  campaigns,
  elapsed_ms: Math.round(performance.now() - started),
  command: `warm-start.ts ${process.argv.slice(2).join(' ')}`,
  measured_at: new Date().toISOString(),
};
// One file for every table: entries of other tables are kept.
const previous = existsSync(values.out) ? (JSON.parse(readFileSync(values.out, 'utf8')) as { tables: (typeof entry)[] }).tables : [];
const tables = [...previous.filter((t) => t.table !== entry.table), entry];
writeFileSync(values.out, `${JSON.stringify({ benchmark: 'warm-start', tables }, null, 2)}\n`);
process.stdout.write(`${JSON.stringify({ ...entry, campaigns: undefined }, null, 2)}\n`);
