import type { LeaderboardRow } from '../../src/service/leaderboard.js';
import type { MetricEvidence } from '../../src/core/export-evidence.js';
import { summaryKey } from './summary-key.js';
import { convergenceSeries, duelRecords, stealSummary } from './campaign-figures.js';
import { convergencePlot, duelPlot, paretoPlot, type AxisScale, type TradeoffPoint } from './campaign-plots.js';
import { mdTable, num, pct } from './markdown.js';
import type { RawCampaign } from './raw-campaign.js';
import { renderPng } from './render-plot.js';
import type { PlotFile } from './write-report.js';

/** What a report shows of one campaign. */
export interface SectionOptions {
  /** File name prefix of the plots, e.g. `plots/` or `plots/jemalloc-larson-`. */
  plotPrefix: string;
  objective: AxisScale;
  /** The trade-off plot: x is usually the constrained latency, y the objective. */
  tradeoffX: { metric: string; axis: AxisScale; limit?: number };
  /** Headline for the plots. */
  title: string;
  /** Display names of arms (e.g. the winner), shown as labels on the trade-off plot. */
  labels?: ReadonlyMap<string, string>;
}

/** A pooled metric of a leaderboard row, resolved like the service does (`p99_us` -> `redis.p99_us`). */
export function rowMetric(row: LeaderboardRow | undefined, metric: string): MetricEvidence | undefined {
  if (!row) return undefined;
  const key = summaryKey(metric, Object.keys(row.metrics));
  return key === undefined ? undefined : row.metrics[key];
}

/** Verdict text of an arm's duel, as the leaderboard judged it. */
export function verdictText(row: LeaderboardRow | undefined): string {
  const v = row?.verdict;
  if (!v) return 'no verdict';
  if (row?.role === 'placebo') return v.better_than_baseline ? 'PLACEBO ALARM' : 'placebo not better (as it must be)';
  return v.better_than_baseline ? 'confirmed better' : 'not confirmed';
}

/** The environment line of a config (MALLOC_CONF or NAME=value list), or '(defaults)'. */
export function envText(env: Record<string, string>): string {
  const keys = Object.keys(env).sort();
  if (keys.length === 0) return '(defaults)';
  return keys.map((k) => `${k}=${env[k] ?? ''}`).join(' ');
}

/**
 * The search's own result: the best-ranked explored config that won its duel against the baseline;
 * else the dueled one with the largest median improvement; else the best-ranked feasible one.
 */
export function pickWinner(raw: RawCampaign): { row: LeaderboardRow | undefined; name: string } {
  const explored = raw.leaderboard.rows.filter((r) => r.role === 'explore');
  const confirmed = explored.find((r) => r.beats_baseline);
  if (confirmed) return { row: confirmed, name: `winner (${confirmed.arm}, confirmed)` };
  const dueled = explored.filter((r) => r.verdict !== undefined).sort((a, b) => (b.verdict?.relative_effect ?? 0) - (a.verdict?.relative_effect ?? 0))[0];
  if (dueled) return { row: dueled, name: `best dueled (${dueled.arm}, not confirmed)` };
  const best = explored.find((r) => r.feasible);
  return { row: best, name: `best explored (${best?.arm ?? '–'}, not dueled)` };
}

/** Setup lines, noise, convergence, trade-off and duel plots and the duel table of one campaign. */
export async function campaignSection(raw: RawCampaign, opts: SectionOptions): Promise<{ markdown: string; plots: PlotFile[] }> {
  const { record, leaderboard } = raw;
  const spec = record.spec;
  const rows = leaderboard.rows;
  const rowOf = new Map(rows.map((r) => [r.arm, r]));
  const baseline = rowOf.get('baseline');
  const steal = stealSummary(raw);
  const counts = new Map<string, number>();
  for (const t of raw.trials) counts.set(t.role, (counts.get(t.role) ?? 0) + 1);
  const failed = raw.trials.filter((t) => t.state === 'failed').length;
  const worker = raw.results[0]?.worker;

  const plots: PlotFile[] = [];
  const convergenceFile = `${opts.plotPrefix}convergence.png`;
  plots.push({ file: convergenceFile, png: await renderPng(convergencePlot(convergenceSeries(raw), baseline?.objective?.mean, opts.objective, `${opts.title}: convergence`)) });

  const points: TradeoffPoint[] = [];
  for (const r of rows) {
    const x = rowMetric(r, opts.tradeoffX.metric)?.mean;
    const y = r.objective?.mean;
    if (x === undefined || y === undefined) continue;
    const kind = r.role === 'explore' ? (r.feasible ? 'explored (feasible)' : 'explored (infeasible)') : r.role === 'reference' ? `reference ${r.arm}` : r.role;
    const label = opts.labels?.get(r.arm);
    points.push({ arm: r.arm, kind, x, y, ...(label === undefined ? {} : { label }) });
  }
  const tradeoffFile = `${opts.plotPrefix}pareto.png`;
  plots.push({ file: tradeoffFile, png: await renderPng(paretoPlot(points, opts.tradeoffX.axis, opts.objective, opts.tradeoffX.limit, `${opts.title}: trade-off`)) });

  const duels = duelRecords(raw);
  // A duel between two candidates ranks them; only duels against the baseline carry a claim and a verdict.
  const againstBaseline = (d: { opponent: string }): boolean => d.opponent === 'baseline';
  const verdicts = new Map(duels.map((d) => [d.duel_id, againstBaseline(d) ? verdictText(rowOf.get(d.candidate)) : 'ranking duel, no claim']));
  const duelFile = `${opts.plotPrefix}duels.png`;
  if (duels.length > 0) plots.push({ file: duelFile, png: await renderPng(duelPlot(duels, verdicts, spec.objective.metric, `${opts.title}: duels (paired differences)`)) });

  const duelRows = duels.map((d) => {
    const v = againstBaseline(d) ? rowOf.get(d.candidate)?.verdict : undefined;
    return [
      d.candidate,
      d.opponent,
      String(d.relative_diffs.length),
      `${pct(d.mean_relative, 2)} [${pct(d.ci_low, 2)}, ${pct(d.ci_high, 2)}]`,
      v ? pct(v.relative_effect, 2) : '–',
      v ? num(v.p_value, 4) : '–',
      v ? num(v.p_adjusted, 4) : '–',
      verdicts.get(d.duel_id) ?? '',
    ];
  });

  const md = [
    `- Campaign \`${record.id}\`: ${spec.allocator}, sampler ${spec.sampler} (seed ${spec.seed}), ${spec.repeats} repeats per trial, budget ${spec.budget.trials} explored trials / ${spec.budget.minutes} min; stopped: ${record.stop_reason ?? record.state}.`,
    `- Trials: ${[...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([role, n]) => `${n} ${role}`).join(', ')}; ${failed} failed.`,
    worker ? `- Worker \`${worker.name}\` on \`${worker.host}\` (kernel ${worker.kernel}), target CPUs ${worker.cpus}, client CPUs ${worker.client_cpus}.` : '- No stored results.',
    `- CPU steal over ${steal.repeats} measured repeats: median ${num(steal.median_pct, 2)}%, 90th percentile ${num(steal.p90_pct, 2)}%, max ${num(steal.max_pct, 2)}%; ${steal.over_2_pct} kept repeats above 2%; ${steal.discarded} repeat(s) discarded and re-run for steal above ${num(spec.noise.steal_max_pct, 1)}%.`,
    `- Placebo (a second copy of the baseline, dueled like a candidate): ${leaderboard.placebo_alarm ? '**ALARM: the placebo beat the baseline, no claim can be trusted**' : 'no alarm'}.`,
    `- Export verdict: ${raw.exported.verdict}.`,
    '',
    `![convergence](${convergenceFile})`,
    '',
    `Convergence: objective of every explored config (mean of its repeats; x = its rank in proposal order) in the order proposed, the best feasible one so far (step line) and the baseline (dashed).`,
    '',
    `![trade-off](${tradeoffFile})`,
    '',
    `Trade-off: every config (pooled over all its trials) on ${opts.tradeoffX.axis.title} and ${opts.objective.title}; the shaded region violates the constraint.`,
    '',
    ...(duels.length > 0
      ? [
          `![duels](${duelFile})`,
          '',
          `Duels: pairs run back to back on one worker, alternating order. Paired difference = (candidate − opponent) / opponent of \`${spec.objective.metric}\`. The verdict is the service's: one-sided Wilcoxon signed-rank, Holm-corrected over all claims, and a median improvement of at least ${num(leaderboard.min_effect_pct, 1)}%.`,
          '',
          mdTable(['candidate', 'opponent', 'pairs', 'mean paired Δ [95% CI]', 'median improvement', 'p', 'p (Holm)', 'verdict'], duelRows),
        ]
      : ['No duels were run.']),
  ].join('\n');
  return { markdown: md, plots };
}
