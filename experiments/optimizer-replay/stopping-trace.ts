/**
 * Per-trial traces of replayed GP campaigns for tuning the stopping rule offline (issue 19): what the
 * rule sees after each trial (EI, posterior summary) and whether a target had been found / picked by
 * then. A stop never changes a replayed trajectory, so any rule can be scored on these traces.
 *
 *   nice -n 19 npx tsx experiments/optimizer-replay/stopping-trace.ts --table T.json --first-seed 1001 --seeds 100 --trials 50 --out F.jsonl
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readReplayTable, tableEmbedding } from '../../src/cli/commands/bench.js';
import { defaultMinRelativeEffect } from '../../src/optimizer/duel/practical-threshold.js';
import { replayCampaign, type ReplayTrialRecord } from '../../src/optimizer/replay/replay-campaign.js';
import { findTargets } from '../../src/optimizer/replay/replay-targets.js';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'first-seed': { type: 'string', default: '1001' },
    seeds: { type: 'string', default: '100' },
    trials: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
if (values.table === undefined || values.out === undefined) throw new Error('--table and --out are required');
const table = readReplayTable(values.table);
const embedding = tableEmbedding(table);
const targets = findTargets(table, 0.01);
const trials = Number(values.trials);
const lines: string[] = [];
const first = Number(values['first-seed']);
for (let seed = first; seed < first + Number(values.seeds); seed++) {
  const records: ReplayTrialRecord[] = [];
  const started = performance.now();
  await replayCampaign({
    table,
    embedding,
    targets,
    sampler: 'gp',
    seed,
    budget: trials,
    run_at_least: trials,
    duel_pairs: 10,
    min_relative_effect: defaultMinRelativeEffect(table.objective.metric),
    on_trial: (r) => records.push(r),
  });
  lines.push(JSON.stringify({ seed, dimension: embedding.dimension, records }));
  process.stderr.write(`seed ${seed}: ${Math.round(performance.now() - started)} ms\n`);
  writeFileSync(values.out, `${lines.join('\n')}\n`);
}
