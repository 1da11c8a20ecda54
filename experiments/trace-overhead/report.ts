/**
 * Report of the tracer overhead measurement, regenerated from results.json:
 * `node --import tsx experiments/trace-overhead/report.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One traced/untraced pair of runs of one program, run back to back. */
export interface OverheadPair {
  program: 'redis' | 'python';
  repeat: number;
  untraced_wall_ms: number;
  traced_wall_ms: number;
  untraced_peak_rss_kb: number;
  traced_peak_rss_kb: number;
  records: number;
  trace_bytes: number;
}

export interface OverheadResults {
  generated_at: string;
  command: string;
  settings: Record<string, number | string>;
  wall_time_meaning: Record<OverheadPair['program'], string>;
  pairs: OverheadPair[];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Per program: median traced/untraced ratios of wall time and peak RSS over the pairs, with their range. */
export function summarize(results: OverheadResults): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const program of ['redis', 'python'] as const) {
    const pairs = results.pairs.filter((p) => p.program === program);
    if (pairs.length === 0) continue;
    const wall = pairs.map((p) => p.traced_wall_ms / p.untraced_wall_ms);
    const rss = pairs.map((p) => p.traced_peak_rss_kb / p.untraced_peak_rss_kb);
    out[program] = {
      pairs: pairs.length,
      wall_ratio_median: median(wall),
      wall_ratio_min: Math.min(...wall),
      wall_ratio_max: Math.max(...wall),
      rss_ratio_median: median(rss),
      rss_ratio_min: Math.min(...rss),
      rss_ratio_max: Math.max(...rss),
      untraced_wall_ms_median: median(pairs.map((p) => p.untraced_wall_ms)),
      traced_wall_ms_median: median(pairs.map((p) => p.traced_wall_ms)),
      untraced_peak_rss_kb_median: median(pairs.map((p) => p.untraced_peak_rss_kb)),
      traced_peak_rss_kb_median: median(pairs.map((p) => p.traced_peak_rss_kb)),
      records_median: median(pairs.map((p) => p.records)),
      ns_per_record_median: median(pairs.map((p) => ((p.traced_wall_ms - p.untraced_wall_ms) * 1e6) / p.records)),
    };
  }
  return out;
}

export function reportMarkdown(results: OverheadResults): string {
  const s = summarize(results);
  const f = (v: number | undefined, d = 2): string => (v === undefined ? '-' : v.toFixed(d));
  const rows = Object.entries(s).map(
    ([program, r]) =>
      `| ${program} | ${r['pairs']} | ${f(r['untraced_wall_ms_median'], 0)} | ${f(r['traced_wall_ms_median'], 0)} | ${f(r['wall_ratio_median'])} (${f(r['wall_ratio_min'])}-${f(r['wall_ratio_max'])}) | ` +
      `${f(r['untraced_peak_rss_kb_median'], 0)} | ${f(r['traced_peak_rss_kb_median'], 0)} | ${f(r['rss_ratio_median'])} (${f(r['rss_ratio_min'])}-${f(r['rss_ratio_max'])}) | ${f(r['records_median'], 0)} | ${f(r['ns_per_record_median'], 0)} |`,
  );
  return [
    '# Tracer overhead (`alloctune trace record`)',
    '',
    `Generated ${results.generated_at} by \`${results.command}\` (settings: ${JSON.stringify(results.settings)}).`,
    'Each pair is one untraced and one traced run back to back (order alternating); ratios are traced / untraced of the',
    'same pair, medians over the pairs with their range. Peak RSS is wait4() ru_maxrss of the program (runstat).',
    '',
    ...Object.entries(results.wall_time_meaning).map(([p, m]) => `- ${p}: wall time = ${m}`),
    '',
    '| program | pairs | wall ms untraced | wall ms traced | wall ratio (range) | peak RSS kB untraced | traced | RSS ratio (range) | records | extra ns / record |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    'Shared 2-vCPU VM with other jobs running: ratios of single pairs move by tens of percent; take the medians.',
    '',
  ].join('\n');
}

const here = dirname(fileURLToPath(import.meta.url));
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8')) as OverheadResults;
  writeFileSync(join(here, 'report.md'), reportMarkdown(results));
  process.stdout.write(reportMarkdown(results));
}
