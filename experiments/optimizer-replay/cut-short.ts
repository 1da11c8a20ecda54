/**
 * Cutting clearly bad exploration trials short (issue 19, cheaper exploration), by replay on the
 * committed tables. Two measurements:
 *
 * 1. Direct, from the table's samples: for every row whose mean is no worse than the baseline's
 *    (the configs the rule must not cut) and for the targets, the share of its recorded samples that
 *    would cut it as a first repeat, against the baseline row's samples, with the noise pooled over
 *    the whole table (the rule's large-df limit) and with the noise of the first 4 df (its earliest use).
 * 2. In the loop: GP campaigns, each trial = the nearest row's 3 recorded samples in a random order
 *    (3 repeats), the baseline row measured first; the `cut` arm applies the service's rule after the
 *    first repeat (src/service/cut-short-rule.ts maths, src/core/cut-short.ts decision) and feeds the
 *    sampler the cut trial's one repeat with the pooled noise, as the service does. Same seeds for both
 *    arms, a budget in repeats (time). Reports trials and repeats to the first fully measured target, the
 *    share of repeats saved, and how often a target (a config that would have been the best) was cut.
 *
 *   nice -n 19 npx tsx experiments/optimizer-replay/cut-short.ts --seeds 100 --budget-repeats 150
 *   -> results/cut-short.json, results/cut-short.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readReplayTable, tableEmbedding } from '../../src/cli/commands/bench.js';
import { cutShortDecision, type CutLimit, type CutShortJob } from '../../src/core/cut-short.js';
import type { MetricEstimate, Observation } from '../../src/core/optimizer-observation.js';
import type { ReplayTable } from '../../src/core/replay-table.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { createSampler } from '../../src/optimizer/create-sampler.js';
import { constraintCutLimit, objectiveCutLimit, pooledLogNoise, type LogNoise } from '../../src/optimizer/cut-short-limits.js';
import { findTargets, rowMeans, type ReplayTargets } from '../../src/optimizer/replay/replay-targets.js';

const { values } = parseArgs({
  options: {
    tables: { type: 'string', default: 'jemalloc-fragmentation-timeavg,jemalloc-mixed-lifetimes' },
    seeds: { type: 'string', default: '100' },
    'budget-repeats': { type: 'string', default: '150' },
    rate: { type: 'string', default: '0.001' },
    'min-df': { type: 'string', default: '4' },
    out: { type: 'string', default: 'cut-short' },
    /** Join reports of single-table runs (run in parallel) into one: --merge a.json --merge b.json. */
    merge: { type: 'string', multiple: true },
  },
});
const SEEDS = Number(values.seeds);
const BUDGET_REPEATS = Number(values['budget-repeats']);
const RATE = Number(values.rate);
const MIN_DF = Number(values['min-df']);
const REPEATS = 3;
const here = new URL('.', import.meta.url).pathname;

function median(v: readonly number[]): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return ((s[Math.floor(m)] as number) + (s[Math.ceil(m)] as number)) / 2;
}

function quantile(v: readonly number[], q: number): number | null {
  if (v.length === 0) return null;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

/** The rule's limits given the baseline samples and the noise per metric (the service's maths). */
function limitsFor(table: ReplayTable, baseline: readonly Record<string, number>[], noise: (metric: string) => LogNoise | undefined): CutShortJob | undefined {
  const limits: CutLimit[] = [];
  const o = table.objective.metric;
  const on = noise(o);
  const ol = on && objectiveCutLimit(o, table.objective.direction, baseline.map((s) => s[o] ?? Number.NaN), on, RATE, 1);
  if (ol) limits.push(ol);
  for (const c of table.constraints) {
    const cn = noise(c.metric);
    const cl = cn && constraintCutLimit(c.metric, 'max' in c ? 'max' : 'min', 'max' in c ? c.max : c.min, cn, RATE, 1);
    if (cl) limits.push(cl);
  }
  return limits.length > 0 ? { after_repeats: 1, limits } : undefined;
}

function wouldCut(rule: CutShortJob | undefined, sample: Record<string, number>): boolean {
  if (!rule) return false;
  const vals = Object.fromEntries(Object.entries(sample).map(([k, v]) => [k, [v]]));
  return cutShortDecision(rule, vals, 1, REPEATS) !== undefined;
}

/** Rows no worse than the baseline on their means (feasible), the ones the rule must not cut. */
function goodRows(table: ReplayTable, targets: ReplayTargets): number[] {
  const means = rowMeans(table);
  const b = means[table.baseline_row]?.[table.objective.metric] as number;
  const sign = table.objective.direction === 'min' ? 1 : -1;
  return means.flatMap((m, i) => (targets.feasible[i] && m[table.objective.metric] !== undefined && sign * ((m[table.objective.metric] as number) - b) <= 0 ? [i] : []));
}

/** Part 1: the share of each row's samples that cut it, against the baseline row. */
function direct(table: ReplayTable, targets: ReplayTargets) {
  const baseline = table.rows[table.baseline_row]?.samples ?? [];
  const groups = (metric: string): number[][] => table.rows.map((r) => r.samples.map((s) => s[metric] ?? Number.NaN));
  const wholeTable = (metric: string): LogNoise | undefined => pooledLogNoise(groups(metric));
  const rule = limitsFor(table, baseline, wholeTable);
  // Earliest use: df = 4 from the baseline and one more row, at the table's own noise level: t(4) is wide.
  const early = (metric: string): LogNoise | undefined => {
    const n = wholeTable(metric);
    return n && { log_sd: n.log_sd, df: MIN_DF };
  };
  const earlyRule = limitsFor(table, baseline, early);
  const share = (rows: readonly number[], r: CutShortJob | undefined): { samples: number; cut: number } => {
    let samples = 0;
    let cut = 0;
    for (const i of rows) for (const s of table.rows[i]?.samples ?? []) {
      samples++;
      if (wouldCut(r, s)) cut++;
    }
    return { samples, cut };
  };
  const all = table.rows.map((_, i) => i).filter((i) => i !== table.baseline_row);
  const good = goodRows(table, targets).filter((i) => i !== table.baseline_row);
  const noise = Object.fromEntries([table.objective.metric, ...table.constraints.map((c) => c.metric)].map((m) => [m, wholeTable(m)]));
  return {
    noise,
    limits: rule?.limits ?? [],
    good_rows: good.length,
    targets: targets.targets.size,
    large_df: { all_rows: share(all, rule), good_rows: share(good, rule), targets: share([...targets.targets], rule) },
    df_4: { all_rows: share(all, earlyRule), good_rows: share(good, earlyRule), targets: share([...targets.targets], earlyRule) },
  };
}

interface CampaignOutcome {
  trials_to_target: number | null;
  repeats_to_target: number | null;
  trials: number;
  repeats: number;
  cut_trials: number;
  target_trials: number;
  target_cut: number;
  good_trials: number;
  good_cut: number;
  best_row_found_full: boolean;
}

function estimate(values: readonly number[], logSd: number | undefined): MetricEstimate {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const own = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, variance: Math.max(own, logSd === undefined ? 0 : (mean * logSd) ** 2), n };
}

async function campaign(table: ReplayTable, targets: ReplayTargets, good: ReadonlySet<number>, seed: number, cutOn: boolean): Promise<CampaignOutcome> {
  const embedding = tableEmbedding(table);
  const rowVectors = table.rows.map((r) => embedding.toVector(r.config));
  const nearest = (v: readonly number[]): number => {
    let best = 0;
    let bestD = Infinity;
    rowVectors.forEach((r, i) => {
      let d = 0;
      for (let k = 0; k < v.length; k++) d += ((v[k] as number) - (r[k] as number)) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    });
    return best;
  };
  const sampler = await createSampler('gp', { dimension: embedding.dimension, snap: (v) => [...(rowVectors[nearest(embedding.snap(v))] as number[])], objective: table.objective, constraints: table.constraints }, seed);
  const rng = new SeededRng((seed * 7919 + 17) >>> 0);
  const metrics = [table.objective.metric, ...table.constraints.map((c) => c.metric)];
  const full: Record<string, number>[][] = [];
  const observe = (row: number, samples: Record<string, number>[], logSds: Record<string, number>): void => {
    const get = (m: string): number[] => samples.map((s) => s[m]).filter((v): v is number => v !== undefined);
    const constraints: Observation['constraints'] = {};
    for (const c of table.constraints) if (get(c.metric).length > 0) constraints[c.metric] = estimate(get(c.metric), logSds[c.metric]);
    const obj = get(table.objective.metric);
    sampler.observe([obj.length === 0 ? { vector: rowVectors[row] as number[], constraints, feasible: false } : { vector: rowVectors[row] as number[], objective: estimate(obj, logSds[table.objective.metric]), constraints }]);
  };
  const baselineSamples = rng.shuffle([...(table.rows[table.baseline_row]?.samples ?? [])]);
  observe(table.baseline_row, baselineSamples, {});
  full.push(baselineSamples);
  let repeats = REPEATS;
  const out: CampaignOutcome = { trials_to_target: null, repeats_to_target: null, trials: 0, repeats: 0, cut_trials: 0, target_trials: 0, target_cut: 0, good_trials: 0, good_cut: 0, best_row_found_full: false };
  const bestRow = targets.best_row;
  while (repeats < BUDGET_REPEATS && out.trials < 200) {
    const { vectors } = await sampler.suggest(1);
    const row = nearest(vectors[0] as number[]);
    const samples = rng.shuffle([...(table.rows[row]?.samples ?? [])]).slice(0, REPEATS);
    out.trials++;
    const noise = (m: string): LogNoise | undefined => {
      const n = pooledLogNoise(full.map((g) => g.map((s) => s[m] ?? Number.NaN)));
      return n && n.df >= MIN_DF ? n : undefined;
    };
    const rule = cutOn ? limitsFor(table, baselineSamples, noise) : undefined;
    const isTarget = targets.targets.has(row);
    if (isTarget) out.target_trials++;
    if (good.has(row)) out.good_trials++;
    if (rule && wouldCut(rule, samples[0] as Record<string, number>)) {
      out.cut_trials++;
      if (isTarget) out.target_cut++;
      if (good.has(row)) out.good_cut++;
      repeats += 1;
      observe(row, samples.slice(0, 1), Object.fromEntries(rule.limits.map((l) => [l.metric, l.log_sd])));
      continue;
    }
    repeats += samples.length;
    full.push(samples);
    observe(row, samples, {});
    if (isTarget && out.trials_to_target === null) {
      out.trials_to_target = out.trials;
      out.repeats_to_target = repeats;
    }
    if (row === bestRow) out.best_row_found_full = true;
  }
  out.repeats = repeats;
  void metrics;
  return out;
}

async function measureTable(name: string, onProgress: (partial: Awaited<ReturnType<typeof summariseTable>>) => void) {
  const table = readReplayTable(join(here, 'tables', `${name}.json`));
  const targets = findTargets(table, 0.01);
  const good = new Set(goodRows(table, targets));
  const d = direct(table, targets);
  const arms: Record<'full' | 'cut', CampaignOutcome[]> = { full: [], cut: [] };
  for (let seed = 1; seed <= SEEDS; seed++) {
    arms.full.push(await campaign(table, targets, good, seed, false));
    arms.cut.push(await campaign(table, targets, good, seed, true));
    if (seed % 10 === 0) {
      process.stderr.write(`${name}: ${seed}/${SEEDS}\n`);
      onProgress(summariseTable(name, d, arms));
    }
  }
  return summariseTable(name, d, arms);
}

function summariseTable(name: string, d: ReturnType<typeof direct>, arms: Record<'full' | 'cut', CampaignOutcome[]>) {
  const summary = (list: CampaignOutcome[]) => {
    const hit = list.filter((c) => c.repeats_to_target !== null);
    const sum = (f: (c: CampaignOutcome) => number): number => list.reduce((a, c) => a + f(c), 0);
    return {
      campaigns: list.length,
      target_found: hit.length,
      trials_to_target_median: median(hit.map((c) => c.trials_to_target as number)),
      repeats_to_target_median: median(hit.map((c) => c.repeats_to_target as number)),
      repeats_to_target_q75: quantile(hit.map((c) => c.repeats_to_target as number), 0.75),
      trials_in_budget_median: median(list.map((c) => c.trials)),
      cut_trials: sum((c) => c.cut_trials),
      trials: sum((c) => c.trials),
      target_trials: sum((c) => c.target_trials),
      target_trials_cut: sum((c) => c.target_cut),
      campaigns_with_a_target_cut: list.filter((c) => c.target_cut > 0).length,
      good_rows_cut: sum((c) => c.good_cut),
      good_row_trials: sum((c) => c.good_trials ?? 0),
      best_row_measured_fully: list.filter((c) => c.best_row_found_full).length,
    };
  };
  // Paired by seed: repeats to target, cut / full.
  const ratios = arms.full.flatMap((f, i) => {
    const c = arms.cut[i] as CampaignOutcome;
    return f.repeats_to_target !== null && c.repeats_to_target !== null ? [c.repeats_to_target / f.repeats_to_target] : [];
  });
  return { table: name, direct: d, full: summary(arms.full), cut: summary(arms.cut), repeats_to_target_ratio_median: median(ratios), paired_campaigns: ratios.length };
}

const started = performance.now();
const results: Awaited<ReturnType<typeof summariseTable>>[] = [];
// Parts run in parallel: the merged report's wall time is the longest part's.
let mergedWallS: number | undefined;
if (values.merge) {
  for (const file of values.merge) {
    const part = JSON.parse(readFileSync(file, 'utf8')) as { tables: typeof results; wall_s: number };
    results.push(...part.tables);
    mergedWallS = Math.max(mergedWallS ?? 0, part.wall_s);
  }
} else {
  for (const name of (values.tables ?? '').split(',')) {
    // Written after every 10 seeds too (marked partial), so a long run on a loaded machine leaves figures behind.
    results.push(await measureTable(name, (partial) => write([...results, partial], true)));
  }
}
write(results, false);

function write(tablesDone: Awaited<ReturnType<typeof summariseTable>>[], partial: boolean): void {
const results = tablesDone;
const report = {
  generated_at: new Date().toISOString(),
  command: `npx tsx experiments/optimizer-replay/cut-short.ts --seeds ${SEEDS} --budget-repeats ${BUDGET_REPEATS} --rate ${RATE} --min-df ${MIN_DF}`,
  settings: { seeds: SEEDS, budget_repeats: BUDGET_REPEATS, repeats_per_trial: REPEATS, after_repeats: 1, false_cut_rate: RATE, min_noise_df: MIN_DF, sampler: 'gp' },
  wall_s: mergedWallS ?? Math.round((performance.now() - started) / 1000),
  partial,
  tables: results,
};
const pct = (a: number, b: number): string => (b === 0 ? '-' : `${((100 * a) / b).toFixed(2)}%`);
const lines = [
  '# Cutting clearly bad exploration trials short (issue 19)',
  '',
  `Generated by \`${report.command}\` (${report.wall_s} s${partial ? ', PARTIAL: still running' : ''}). Rule: after 1 of ${REPEATS} repeats, cut when the repeat is worse than the baseline's worst repeat by sqrt(2) t(df, 1 - ${RATE}) pooled log sds, or beyond a constraint limit by t(df, 1 - ${RATE}) sds (noise needs >= ${MIN_DF} df).`,
  '',
  '## Direct: share of recorded samples that would cut the row as a first repeat',
  '',
  '| table | noise (log sd of the objective) | rows cut (all, large df) | good rows cut (no worse than baseline), large df | targets cut, large df | all rows cut, df 4 | good rows cut, df 4 | targets cut, df 4 |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map((r) => {
    const d = r.direct;
    const o = d.noise[Object.keys(d.noise)[0] as string];
    const f = (x: { samples: number; cut: number }): string => `${x.cut}/${x.samples} (${pct(x.cut, x.samples)})`;
    return `| ${r.table} | ${o ? o.log_sd.toFixed(4) : '-'} (df ${o?.df ?? '-'}) | ${f(d.large_df.all_rows)} | ${f(d.large_df.good_rows)} | ${f(d.large_df.targets)} | ${f(d.df_4.all_rows)} | ${f(d.df_4.good_rows)} | ${f(d.df_4.targets)} |`;
  }),
  '',
  `## In the loop: ${results.map((r) => r.full.campaigns).join(' / ')} GP campaigns per table and arm, same seeds, budget ${BUDGET_REPEATS} repeats`,
  '',
  '| table | arm | target found | median trials to target | median repeats to target (q75) | trials in budget (median) | trials cut | target trials cut | campaigns with a target cut | good-row trials cut |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...results.flatMap((r) =>
    (['full', 'cut'] as const).map((arm) => {
      const s = r[arm];
      return `| ${r.table} | ${arm} | ${s.target_found}/${s.campaigns} | ${s.trials_to_target_median ?? '-'} | ${s.repeats_to_target_median ?? '-'} (${s.repeats_to_target_q75 ?? '-'}) | ${s.trials_in_budget_median ?? '-'} | ${s.cut_trials}/${s.trials} (${pct(s.cut_trials, s.trials)}) | ${s.target_trials_cut}/${s.target_trials} | ${s.campaigns_with_a_target_cut} | ${s.good_rows_cut}${s.good_row_trials ? `/${s.good_row_trials}` : ''} |`;
    }),
  ),
  '',
  ...results.map((r) => `- ${r.table}: median ratio of repeats to target, cut / full, paired by seed: ${r.repeats_to_target_ratio_median?.toFixed(3) ?? '-'} (${r.paired_campaigns} campaigns where both found it; ${r.full.campaigns} seeds).`),
  '',
];
writeFileSync(join(here, 'results', `${values.out}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(here, 'results', `${values.out}.md`), lines.join('\n'));
if (!partial) console.log(lines.join('\n'));
}
