/**
 * Baseline (not a test): every allocbench workload under glibc, jemalloc, mimalloc and tcmalloc,
 * interleaved (each round runs every workload once per allocator, in a rotated order), raw documents
 * appended to baseline.jsonl, then baseline.md regenerated from that file by report.ts.
 * Run: npx tsx experiments/harness-baseline/run-baseline.ts [rounds=3]
 */
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATORS, measure, rotated } from './measure.js';
import { writeBaselineReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const jsonl = join(here, 'baseline.jsonl');
const rounds = Number(process.argv[2] ?? 3);

/** Workload defaults, with the durations fixed here so that a re-run measures the same thing. */
export const BASELINE_ARGS: Record<string, Record<string, string | number>> = {
  larson: { 'duration-ms': 1000 },
  threadtest: { 'duration-ms': 1000 },
  'mixed-lifetimes': { 'duration-ms': 1000 },
  'cache-scratch': { 'duration-ms': 1000 },
  'redis-mix': { 'duration-ms': 1000 },
  fragmentation: { 'target-mb': 64, 'snapshot-ms': '0,1000,3000' },
  'size-sweep': {},
};

rmSync(jsonl, { force: true });
for (let round = 0; round < rounds; round++) {
  for (const [workload, args] of Object.entries(BASELINE_ARGS)) {
    for (const allocator of rotated(ALLOCATORS, round)) {
      const r = await measure(jsonl, 'baseline', round, workload, allocator, args);
      console.log(`round ${round} ${workload.padEnd(16)} ${allocator.padEnd(9)} ${Math.round(r.result.throughput?.ops_per_s ?? 0)} ops/s steal ${r.result.system.steal_pct.toFixed(2)} %`);
    }
  }
}
writeBaselineReport(jsonl, join(here, 'baseline.md'));
console.log(`wrote ${jsonl} and baseline.md`);
