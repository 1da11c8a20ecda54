import { parseArgs } from 'node:util';
import type { WorkloadSpec } from '../../core/trial-job.js';
import { WORKLOAD_KINDS } from '../../core/workload-kinds.js';
import { documentedMetric, METRIC_CATALOGUE } from '../../service/metric-catalogue.js';
import { metricCatalogueMarkdown, metricCatalogueText } from '../../service/metric-catalogue-table.js';
import { UsageError } from '../usage-error.js';

const KINDS = WORKLOAD_KINDS;

const USAGE = `usage: alloctune metrics [KIND ...] [--json | --markdown]
  Every metric each workload kind reports (KIND: ${KINDS.join(', ')}; default all), with its unit, which
  way is better and what it means. <N> stands for a snapshot offset in ms (rss_bytes_at_1000ms),
  <type> for a data type of a Redis command mix or capture (used_memory_delta_bytes_hash), <test>
  for a test of the mix (mix_get_ops_per_s).
  Objectives, constraints and guards name them as <label>.<metric> (redis.p99_us,
  harness:fragmentation.rss_bytes_at_1000ms), or bare when one workload reports it.
  --json      the catalogue as GET /v1/metrics-catalogue serves it
  --markdown  the table README.md carries
`;

/** `alloctune metrics`: the metric catalogue (src/service/metric-catalogue.ts). */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean', default: false }, markdown: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const unknown = positionals.find((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new UsageError('metrics', 'KIND', `unknown '${unknown}': one of ${KINDS.join(', ')}`);
  if (values.json && values.markdown) throw new UsageError('metrics', '--json', '--json and --markdown exclude each other');
  const kinds = positionals.length === 0 ? KINDS : (positionals as WorkloadSpec['kind'][]);
  const entries = METRIC_CATALOGUE.filter((e) => kinds.includes(e.kind));
  if (values.json) process.stdout.write(`${JSON.stringify({ metrics: entries.map(documentedMetric) }, null, 2)}\n`);
  else if (values.markdown) process.stdout.write(`${metricCatalogueMarkdown(entries)}\n`);
  else process.stdout.write(metricCatalogueText(kinds, entries));
  return 0;
}
