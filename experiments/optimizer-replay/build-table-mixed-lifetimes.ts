/**
 * Replay table: the full jemalloc space (12 coordinates, conditionals included) on the harness
 * mixed-lifetimes workload with 2 threads on CPUs 0-1. Objective: throughput per CPU second (per-
 * thread CPU time, so other processes on the shared VM inflate it far less than wall-clock ops/s).
 * Constraint: peak RSS at most 5% above the defaults'.
 * Run: npx tsx experiments/optimizer-replay/build-table-mixed-lifetimes.ts  (about 4 minutes)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTable } from './table-builder.js';

const here = dirname(fileURLToPath(import.meta.url));
const table = await buildTable(
  {
    allocator: 'jemalloc',
    overrides: {},
    workload: 'mixed-lifetimes',
    args: { threads: 2, 'duration-ms': 300 },
    cpus: '0-1',
    rows: 150,
    repeats: 3,
    metrics: ['ops_per_s', 'ops_per_cpu_s', 'peak_rss_bytes', 'malloc_p99_ns', 'free_p99_ns', 'sys_ms'],
    objective: { metric: 'ops_per_cpu_s', direction: 'max' },
    constraints: (base) => [{ metric: 'peak_rss_bytes', max: Math.round(1.05 * (base['peak_rss_bytes'] ?? 0)) }],
    seed: 2027,
    out: join(here, 'tables', 'jemalloc-mixed-lifetimes.json'),
  },
  (line) => process.stderr.write(`${line}\n`),
);
process.stdout.write(`${table.rows.length} rows written\n`);
