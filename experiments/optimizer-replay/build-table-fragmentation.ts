/**
 * Replay table: jemalloc decay/extent/THP knobs on the harness fragmentation workload (single
 * thread, pinned to CPU 0). Objective: RSS 500 ms after the free burst (a fixed-time memory reading,
 * CV well under 1%). Constraint: throughput per CPU second at least 90% of the defaults', because
 * purging eagerly buys RSS with page faults and madvise calls on the allocation path (CPU time, not
 * wall time, so other processes on the shared VM do not make configs look infeasible).
 * Run: npx tsx experiments/optimizer-replay/build-table-fragmentation.ts  (about 5 minutes)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTable } from './table-builder.js';

const here = dirname(fileURLToPath(import.meta.url));
const table = await buildTable(
  {
    allocator: 'jemalloc',
    overrides: { drop: ['narenas', 'background_thread', 'max_background_threads', 'tcache_max', 'lg_tcache_nslots_mul'], freeze: { tcache: true } },
    workload: 'fragmentation',
    args: { 'target-mb': 32, 'snapshot-ms': '0,500' },
    cpus: '0',
    rows: 150,
    repeats: 3,
    metrics: ['rss_bytes_at_500ms', 'fragmentation_ratio_at_500ms', 'peak_rss_bytes', 'ops_per_s', 'ops_per_cpu_s', 'malloc_p99_ns', 'sys_ms'],
    objective: { metric: 'rss_bytes_at_500ms', direction: 'min' },
    constraints: (base) => [{ metric: 'ops_per_cpu_s', min: Math.round(0.9 * (base['ops_per_cpu_s'] ?? 0)) }],
    seed: 2026,
    out: join(here, 'tables', 'jemalloc-fragmentation.json'),
  },
  (line) => process.stderr.write(`${line}\n`),
);
process.stdout.write(`${table.rows.length} rows written\n`);
