/**
 * Regenerates report.md and plots/ of the multithread harness campaigns (jemalloc and mimalloc on
 * larson and threadtest at 2 threads) from the committed raw files under raw/ only:
 *   node --import tsx experiments/harness-multithread/report.ts [OUT_DIR]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LeaderboardRow } from '../../src/service/leaderboard.js';
import { duelRecords } from '../report-kit/campaign-figures.js';
import { campaignSection, envText, pickWinner, rowMetric, verdictText } from '../report-kit/campaign-section.js';
import { mdTable, num, pct } from '../report-kit/markdown.js';
import { loadRawCampaign } from '../report-kit/raw-campaign.js';
import { recommendationSection } from '../report-kit/recommendation-section.js';
import { writeReport, type PlotFile } from '../report-kit/write-report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const M = 1e6;

const interval = (row: LeaderboardRow | undefined, metric: string, convert: (v: number) => number, digits: number): string => {
  const m = rowMetric(row, metric);
  return m ? `${num(convert(m.mean), digits)} [${num(convert(m.ci_low ?? Number.NaN), digits)}, ${num(convert(m.ci_high ?? Number.NaN), digits)}]` : '–';
};

/** Build the markdown and plots from every campaign folder under `root/raw`. */
export async function buildHarnessReport(root = HERE): Promise<{ markdown: string; plots: PlotFile[] }> {
  const names = readdirSync(join(root, 'raw'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const plots: PlotFile[] = [];
  const summary: string[][] = [];
  const sections: string[] = [];
  for (const name of names) {
    const raw = loadRawCampaign(join(root, 'raw', name));
    const spec = raw.record.spec;
    const objective = spec.objective.metric;
    const latency = spec.constraints[0];
    const latencyMetric = latency?.metric ?? '';
    const baseline = raw.leaderboard.rows.find((r) => r.arm === 'baseline');
    const winner = pickWinner(raw);
    const duel = winner.row ? duelRecords(raw).find((d) => d.candidate === winner.row?.arm && d.opponent === 'baseline') : undefined;
    const section = await campaignSection(raw, {
      plotPrefix: `plots/${name}-`,
      objective: { title: 'million ops per CPU-second', convert: (v) => v / M },
      tradeoffX: { metric: latencyMetric, axis: { title: 'malloc P99 (ns)', convert: (v) => v }, ...(latency && 'max' in latency ? { limit: latency.max } : {}) },
      title: name,
      labels: new Map([['baseline', 'default'], ...(winner.row ? [[winner.row.arm, `${winner.row.beats_baseline ? 'winner' : 'best'} ${winner.row.arm}`] as [string, string]] : [])]),
    });
    plots.push(...section.plots);
    const dueled = duel ? `${pct(duel.mean_relative, 1)} [${pct(duel.ci_low, 1)}, ${pct(duel.ci_high, 1)}]` : 'not dueled';
    summary.push([
      spec.allocator,
      spec.workloads[0]?.kind === 'harness' ? spec.workloads[0].workload : '?',
      interval(baseline, objective, (v) => v / M, 1),
      interval(winner.row, objective, (v) => v / M, 1),
      dueled,
      winner.row?.arm === 'baseline' ? '–' : verdictText(winner.row),
      `${interval(baseline, latencyMetric, (v) => v, 0)} / ${interval(winner.row, latencyMetric, (v) => v, 0)}`,
      `${raw.leaderboard.rows.filter((r) => r.role === 'explore' && !r.feasible).length} of ${raw.leaderboard.rows.filter((r) => r.role === 'explore').length}`,
    ]);
    sections.push(
      [
        `## ${name}`,
        '',
        `${existsSync(join(root, 'raw', name, 'COMMIT')) ? `Re-measured with the distillation round at commit \`${readFileSync(join(root, 'raw', name, 'COMMIT'), 'utf8').trim().slice(0, 12)}\` (\`raw/${name}/COMMIT\`); the other campaigns are from the first wave. ` : ''}Objective \`${objective}\` (${spec.objective.direction}), constraint ${spec.constraints.map((c) => `\`${c.metric}\` ${'max' in c ? `≤ ${num(c.max, 0)}` : 'min' in c ? `≥ ${num(c.min, 0)}` : JSON.stringify(c)}`).join(', ')}.`,
        '',
        mdTable(
          ['config', 'setting', 'M ops/CPU-s [95% CI]', 'M ops/s (wall) [95% CI]', 'malloc P99 ns [95% CI]', 'paired Δ vs default [95% CI]', 'verdict'],
          [
            [winner.name, winner.row ? `\`${envText(winner.row.env)}\`` : '–', interval(winner.row, objective, (v) => v / M, 2), interval(winner.row, objective.replace('ops_per_cpu_s', 'ops_per_s'), (v) => v / M, 2), interval(winner.row, latencyMetric, (v) => v, 0), dueled, verdictText(winner.row)],
            ['default (baseline)', baseline ? `\`${envText(baseline.env)}\`` : '–', interval(baseline, objective, (v) => v / M, 2), interval(baseline, objective.replace('ops_per_cpu_s', 'ops_per_s'), (v) => v / M, 2), interval(baseline, latencyMetric, (v) => v, 0), '–', '–'],
          ],
        ),
        '',
        section.markdown,
        // Campaigns measured before the distillation round existed have no recommendation record.
        ...(raw.record.distillation ? ['', recommendationSection(raw)] : []),
      ].join('\n'),
    );
  }
  const markdown = [
    '# Multithread harness campaigns: jemalloc and mimalloc on larson and threadtest at 2 threads',
    '',
    'Generated by `node --import tsx experiments/harness-multithread/report.ts` from the raw files in `raw/` only (campaign files: `campaigns/`).',
    '',
    'Each campaign maximises throughput per CPU-second of the workload threads (`ops_per_cpu_s`: robust to other load on this shared 2-vCPU VM, unlike wall-clock ops/s) with the malloc P99 latency (sampled 1 in 128 calls) at most 500 ns: about 1.8× the slowest default P99 of these workloads in `native/README.md` (281 ns, jemalloc larson). Worker threads on CPUs 0 and 1; the harness runs 1 s per repeat.',
    '',
    '## Summary',
    '',
    mdTable(['allocator', 'workload', 'default M ops/CPU-s [95% CI]', 'winner or best dueled [95% CI]', 'paired Δ vs default [95% CI]', 'verdict', 'malloc P99 ns default / winner', 'explored configs over the P99 target'], summary),
    '',
    'Intervals are 95% t intervals over all repeats of all trials of a config; "paired Δ" is the mean of per-pair relative differences in the confirmatory duel. A verdict of "confirmed better" needs a Holm-corrected one-sided Wilcoxon test and a median improvement above the noise floor.',
    '',
    ...sections.flatMap((s) => [s, '']),
    '## Raw files',
    '',
    'Per campaign under `raw/<allocator>-<workload>/`: `campaign.json`, `trials.jsonl`, `results.jsonl` (every stored TrialResult with all repeats, steal and the harness JSON), `leaderboard.json`, `pareto.json`, `export.json`.',
  ].join('\n');
  return { markdown, plots };
}

/** Write report.md and plots/ into `outDir` (this folder by default). */
export async function writeHarnessReport(outDir = HERE, root = HERE): Promise<void> {
  const { markdown, plots } = await buildHarnessReport(root);
  writeReport(outDir, markdown, plots);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeHarnessReport(process.argv[2] ?? HERE);
