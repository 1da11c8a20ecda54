/**
 * Benchmark (not a test): the confirmation rule in the loop, old (a fixed number of pairs, exact
 * Wilcoxon + Holm) against new (sequential: repeated p-values over looks, paired t on log ratios
 * with a rank-test fallback, futility stops, Holm over claims; src/optimizer/duel/sequential-confirmation.ts).
 *
 * Per committed replay table: `--seeds` campaigns replayed with the GP sampler (budget 40, the
 * replay rules of README.md); each campaign's pick and a placebo copy of the baseline then duel the
 * baseline under every rule, pairs drawn one at a time from the recorded samples with the same
 * random stream for every rule. Plus two synthetic rounds with the noise measured on this VM: the
 * committed Redis experiment (two candidates 35% and 34% below the baseline RSS, CV 0.3%, and the
 * placebo) and a latency placebo (log-normal CV 15% with 5% co-tenant bursts of 3-8x).
 * Reported per rule: trials spent on confirmation (2 per pair), the placebo false-win rate, and how
 * often the pick was confirmed, split by the pick's effect over its noise (far: >= 10 noise SDs).
 *
 * Run: nice -n 19 npx tsx experiments/optimizer-replay/confirmation-rule.ts [--seeds 200]
 *   -> confirmation-rule.json and confirmation-rule.md (--markdown-only rewrites the .md from the .json).
 * On two cores, the tables in parallel and then merged (~15 min):
 *   X=experiments/optimizer-replay/confirmation-rule.ts
 *   nice -n 19 npx tsx $X --tables jemalloc-fragmentation-timeavg --out part-a.json &
 *   nice -n 19 npx tsx $X --tables jemalloc-mixed-lifetimes --no-synthetic --out part-b.json; wait
 *   npx tsx $X --merge part-a.json --merge part-b.json   # -> confirmation-rule.json/.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeededRng } from '../../src/core/seeded-rng.js';
import type { ReplayTable } from '../../src/core/replay-table.js';
import { judgeClaims } from '../../src/optimizer/duel/paired-verdict.js';
import { defaultMinRelativeEffect } from '../../src/optimizer/duel/practical-threshold.js';
import { DEFAULT_SEQUENTIAL_DESIGN, decideDuelFamily } from '../../src/optimizer/duel/sequential-confirmation.js';
import { replayCampaign } from '../../src/optimizer/replay/replay-campaign.js';
import { findTargets } from '../../src/optimizer/replay/replay-targets.js';
import { readReplayTable, tableEmbedding } from '../../src/cli/commands/bench.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const TABLES = ['jemalloc-fragmentation-timeavg', 'jemalloc-mixed-lifetimes'];
const RULES = ['fixed-6', 'fixed-8', 'sequential'] as const;
type Rule = (typeof RULES)[number];
const ALPHA = 0.05;
/** A pick whose effect is at least this many noise standard deviations (of one paired difference) is "far above the noise". */
const FAR_SD = 10;

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '200' },
    tables: { type: 'string', default: TABLES.join(',') },
    'no-synthetic': { type: 'boolean', default: false },
    out: { type: 'string', default: 'confirmation-rule.json' },
    merge: { type: 'string', multiple: true },
    'markdown-only': { type: 'boolean', default: false },
  },
});
/** Exploration budget per replayed campaign (the CLI's default): the pick is taken where the stopping rule ends exploration. */
const BUDGET = 40;

/** One duel of a round: `draw` gives one (candidate, baseline) pair. */
interface Arm {
  id: string;
  draw: () => [number, number];
}

interface RoundOutcome {
  trials: number;
  claimed: Record<string, boolean>;
  /** Sequential: the pairs each duel stopped at. */
  pairs: Record<string, number>;
}

/** Runs one confirmation round under `rule`; every arm is judged with the others (Holm). */
function runRound(rule: Rule, arms: readonly Arm[], direction: 'min' | 'max', minEffect: number): RoundOutcome {
  const data = arms.map(() => ({ candidate: [] as number[], baseline: [] as number[] }));
  const add = (i: number): void => {
    const [c, b] = (arms[i] as Arm).draw();
    data[i]?.candidate.push(c);
    data[i]?.baseline.push(b);
  };
  if (rule !== 'sequential') {
    const pairs = rule === 'fixed-6' ? 6 : 8;
    for (let p = 0; p < pairs; p++) arms.forEach((_, i) => add(i));
    const verdicts = judgeClaims(arms.map((a, i) => ({ id: a.id, ...(data[i] as { candidate: number[]; baseline: number[] }) })), { objective: { metric: 'm', direction }, alpha: ALPHA, min_relative_effect: minEffect });
    return { trials: 2 * pairs * arms.length, claimed: Object.fromEntries(verdicts.map((v) => [v.id, v.better_than_baseline])), pairs: Object.fromEntries(arms.map((a) => [a.id, pairs])) };
  }
  const design = { ...DEFAULT_SEQUENTIAL_DESIGN, direction, alpha: ALPHA, min_relative_effect: minEffect };
  for (let p = 0; p < design.min_pairs; p++) arms.forEach((_, i) => add(i));
  // Pairs are added to every undecided duel together, as the service extends a round.
  for (;;) {
    const decisions = decideDuelFamily(arms.map((a, i) => ({ id: a.id, ...(data[i] as { candidate: number[]; baseline: number[] }) })), design);
    const open = decisions.map((d, i) => (d.action === 'continue' ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) {
      const total = data.reduce((s, d) => s + d.candidate.length, 0);
      return { trials: 2 * total, claimed: Object.fromEntries(decisions.map((d) => [d.id, d.action === 'claim'])), pairs: Object.fromEntries(arms.map((a, i) => [a.id, data[i]?.candidate.length ?? 0])) };
    }
    for (const i of open) add(i);
  }
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
}
function sd(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
}
function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] ?? Number.NaN;
}

interface RuleSummary {
  campaigns: number;
  confirmation_trials_mean: number;
  confirmation_trials_median: number;
  placebo_false_wins: number;
  placebo_false_win_rate: number;
  pick_confirmed_rate: number;
  /** Picks whose effect is far above the noise (>= FAR_SD noise SDs). */
  far: { campaigns: number; confirmation_trials_mean: number; pick_confirmed_rate: number };
  /** Sequential: median pairs at which the pick's and the placebo's duels stopped. */
  pick_pairs_median: number;
  placebo_pairs_median: number;
}

function summarise(outcomes: readonly RoundOutcome[], far: readonly boolean[], pickId: string): RuleSummary {
  const trials = outcomes.map((o) => o.trials);
  const farOutcomes = outcomes.filter((_, i) => far[i]);
  const falseWins = outcomes.filter((o) => o.claimed.placebo).length;
  return {
    campaigns: outcomes.length,
    confirmation_trials_mean: mean(trials),
    confirmation_trials_median: quantile(trials, 0.5),
    placebo_false_wins: falseWins,
    placebo_false_win_rate: falseWins / Math.max(1, outcomes.length),
    pick_confirmed_rate: outcomes.filter((o) => o.claimed[pickId]).length / Math.max(1, outcomes.length),
    far: { campaigns: farOutcomes.length, confirmation_trials_mean: mean(farOutcomes.map((o) => o.trials)), pick_confirmed_rate: farOutcomes.filter((o) => o.claimed[pickId]).length / Math.max(1, farOutcomes.length) },
    pick_pairs_median: quantile(outcomes.map((o) => o.pairs[pickId] ?? 0), 0.5),
    placebo_pairs_median: quantile(outcomes.map((o) => o.pairs.placebo ?? 0), 0.5),
  };
}

async function tableBenchmark(name: string, seeds: number): Promise<Record<string, unknown>> {
  const table: ReplayTable = readReplayTable(join(HERE, 'tables', `${name}.json`));
  const embedding = tableEmbedding(table);
  const targets = findTargets(table, 0.01);
  const metric = table.objective.metric;
  const minEffect = defaultMinRelativeEffect(metric);
  const values = (row: number): number[] => (table.rows[row]?.samples ?? []).map((s) => s[metric]).filter((v): v is number => v !== undefined);
  const base = values(table.baseline_row);
  const outcomes: Record<Rule, RoundOutcome[]> = { 'fixed-6': [], 'fixed-8': [], sequential: [] };
  const far: boolean[] = [];
  const effects: number[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const r = await replayCampaign({ table, embedding, targets, sampler: 'gp', seed, budget: BUDGET, duel_pairs: 6, min_relative_effect: minEffect });
    const pick = r.pick_row ?? table.baseline_row;
    const cand = values(pick);
    const effect = Math.abs(mean(cand) - mean(base)) / Math.sqrt(sd(cand) ** 2 + sd(base) ** 2);
    effects.push(effect);
    far.push(effect >= FAR_SD);
    for (const rule of RULES) {
      // The same stream for every rule: the first pairs of each duel are the same draws.
      const rng = new SeededRng(seed * 104729 + 11);
      const arms: Arm[] = [
        { id: 'placebo', draw: () => [rng.pick(base), rng.pick(base)] },
        { id: 'best', draw: () => [rng.pick(cand), rng.pick(base)] },
      ];
      outcomes[rule].push(runRound(rule, arms, table.objective.direction, minEffect));
    }
    if (seed % 20 === 0) process.stderr.write(`${name}: ${seed}/${seeds} campaigns\n`);
  }
  return {
    table: name,
    metric,
    direction: table.objective.direction,
    min_relative_effect: minEffect,
    pick_effect_noise_sds: { median: quantile(effects, 0.5), q25: quantile(effects, 0.25), q75: quantile(effects, 0.75) },
    rules: Object.fromEntries(RULES.map((rule) => [rule, summarise(outcomes[rule], far, 'best')])),
  };
}

function syntheticBenchmark(name: string, seeds: number, arms: (rng: SeededRng) => Arm[], direction: 'min' | 'max', minEffect: number, pickId: string, isFar: boolean): Record<string, unknown> {
  const outcomes: Record<Rule, RoundOutcome[]> = { 'fixed-6': [], 'fixed-8': [], sequential: [] };
  for (let seed = 1; seed <= seeds; seed++) {
    for (const rule of RULES) outcomes[rule].push(runRound(rule, arms(new SeededRng(seed * 7907 + 3)), direction, minEffect));
  }
  return { scenario: name, rules: Object.fromEntries(RULES.map((rule) => [rule, summarise(outcomes[rule], outcomes[rule].map(() => isFar), pickId)])) };
}

function markdown(report: { generated_at: string; seeds: number; tables: Record<string, unknown>[]; synthetic: Record<string, unknown>[] }): string {
  const lines = [
    '# Confirmation rule: fixed pairs vs sequential',
    '',
    `Generated ${report.generated_at} by \`confirmation-rule.ts\` (${report.seeds} campaigns per table and scenario, alpha ${ALPHA}, Holm over the claims). Trials = 2 per pair, summed over the round's duels.`,
    '',
    '| case | rule | confirmation trials (mean / median) | placebo false wins | pick confirmed | far-above-noise picks: trials / confirmed | pairs at stop (pick / placebo, median) |',
    '|---|---|---|---|---|---|---|',
  ];
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  for (const c of [...report.tables, ...report.synthetic]) {
    const label = String(c.table ?? c.scenario);
    for (const [rule, sRaw] of Object.entries(c.rules as Record<string, RuleSummary>)) {
      const s = sRaw;
      const farText = s.far.campaigns === 0 ? '-' : `${s.far.confirmation_trials_mean.toFixed(1)} / ${pct(s.far.pick_confirmed_rate)} (${s.far.campaigns})`;
      lines.push(`| ${label} | ${rule} | ${s.confirmation_trials_mean.toFixed(1)} / ${s.confirmation_trials_median} | ${s.placebo_false_wins}/${s.campaigns} (${pct(s.placebo_false_win_rate)}) | ${pct(s.pick_confirmed_rate)} | ${farText} | ${s.pick_pairs_median} / ${s.placebo_pairs_median} |`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

const jsonFile = join(HERE, 'confirmation-rule.json');
const mdFile = join(HERE, 'confirmation-rule.md');
type Report = Parameters<typeof markdown>[0] & { wall_s: number; far_noise_sds: number; budget: number };
if (args['markdown-only']) {
  writeFileSync(mdFile, markdown(JSON.parse(readFileSync(jsonFile, 'utf8')) as Report));
} else if (args.merge) {
  const parts = args.merge.map((f) => JSON.parse(readFileSync(join(HERE, f), 'utf8')) as Report);
  const first = parts[0] as Report;
  const report: Report = { ...first, wall_s: Math.max(...parts.map((p) => p.wall_s)), tables: parts.flatMap((p) => p.tables), synthetic: parts.flatMap((p) => p.synthetic) };
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(mdFile, markdown(report));
  process.stdout.write(markdown(report));
} else {
  const seeds = Number(args.seeds);
  const started = performance.now();
  const tables = [];
  for (const name of (args.tables ?? '').split(',').filter((t) => t !== '')) tables.push(await tableBenchmark(name, seeds));
  const normal = (rng: SeededRng, cv: number): number => 1 + rng.normal(0, cv);
  const synthetic = args['no-synthetic'] ? [] : [
    syntheticBenchmark(
      'redis-rss (2 candidates 35%/34% below, CV 0.3%, + placebo)',
      seeds,
      (rng) => [
        { id: 'placebo', draw: () => [1e9 * normal(rng, 0.003), 1e9 * normal(rng, 0.003)] },
        { id: 'best', draw: () => [0.65e9 * normal(rng, 0.003), 1e9 * normal(rng, 0.003)] },
        { id: 'second', draw: () => [0.66e9 * normal(rng, 0.003), 1e9 * normal(rng, 0.003)] },
      ],
      'min',
      0.01,
      'best',
      true,
    ),
    syntheticBenchmark(
      'latency placebo (log-normal CV 15%, 5% bursts 3-8x)',
      seeds,
      (rng) => {
        const v = (): number => 40 * Math.exp(rng.normal(0, 0.15)) * (rng.next() < 0.05 ? 3 + 5 * rng.next() : 1);
        return [{ id: 'placebo', draw: () => [v(), v()] }];
      },
      'min',
      0.1,
      'placebo',
      false,
    ),
  ];
  const report: Report = { generated_at: new Date().toISOString(), seeds, budget: BUDGET, wall_s: (performance.now() - started) / 1000, far_noise_sds: FAR_SD, tables, synthetic };
  const out = join(HERE, args.out ?? 'confirmation-rule.json');
  writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
  if (out === jsonFile) writeFileSync(mdFile, markdown(report));
  process.stdout.write(markdown(report));
}
