import type { WorkloadSpec } from '../core/trial-job.js';
import { METRIC_CATALOGUE, type MetricEntry } from './metric-catalogue.js';

function better(e: MetricEntry): string {
  return e.better ?? '-';
}

function meaningWithCondition(e: MetricEntry): string {
  return e.when === undefined ? e.meaning : `${e.meaning}; only when ${e.when}`;
}

/**
 * The catalogue as a Markdown table, the one README.md carries between its `metrics-catalogue`
 * markers (test/service/metric-catalogue-table.test.ts keeps the two equal).
 */
export function metricCatalogueMarkdown(entries: readonly MetricEntry[] = METRIC_CATALOGUE): string {
  const escape = (text: string): string => text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const rows = entries.map((e) => `| ${e.kind} | \`${e.name}\` | ${escape(e.unit)} | ${better(e)} | ${escape(meaningWithCondition(e))} |`);
  return ['| workload | metric | unit | better | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The catalogue as plain text for `alloctune metrics`: one block per workload kind, one line per metric. */
export function metricCatalogueText(kinds: readonly WorkloadSpec['kind'][], entries: readonly MetricEntry[] = METRIC_CATALOGUE): string {
  const out: string[] = [];
  for (const kind of kinds) {
    const ofKind = entries.filter((e) => e.kind === kind);
    const nameWidth = Math.max(...ofKind.map((e) => e.name.length));
    const unitWidth = Math.max(...ofKind.map((e) => e.unit.length));
    out.push(`${kind} (summary key <label>.<metric>, label e.g. ${kind === 'harness' ? 'harness:fragmentation' : kind === 'command' ? 'command:NAME' : kind === 'trace' ? 'trace:NAME' : 'redis'})`);
    for (const e of ofKind) out.push(`  ${e.name.padEnd(nameWidth)}  ${e.unit.padEnd(unitWidth)}  ${better(e).padEnd(6)}  ${meaningWithCondition(e)}`);
    out.push('');
  }
  return out.join('\n');
}
