/**
 * Regenerates baseline.md from baseline.jsonl (data first: tables come from the recorded documents,
 * never from logs). Run on its own: npx tsx experiments/harness-baseline/report.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALLOCATORS, median, type RunRecord } from './measure.js';

const MIB = 1024 * 1024;

function load(jsonlPath: string): RunRecord[] {
  return readFileSync(jsonlPath, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RunRecord);
}

function group(records: RunRecord[], workload: string, allocator: string): RunRecord[] {
  return records.filter((r) => r.workload === workload && r.allocator === allocator);
}

/** Median of a figure over a cell's runs, formatted. */
function med(runs: RunRecord[], pick: (r: RunRecord) => number | null | undefined, digits = 0): string {
  const values = runs.map(pick).filter((v): v is number => typeof v === 'number');
  return values.length ? median(values).toFixed(digits) : '–';
}

function afterFree(r: RunRecord, offsetMs: number): number | undefined {
  return r.result.memory.snapshots.find((s) => s.phase === 'after_free' && (s.after_free_ms ?? -1) >= offsetMs)?.rss_bytes;
}

/** Writes the markdown tables for the records in `jsonlPath`. */
export function writeBaselineReport(jsonlPath: string, mdPath: string): void {
  const records = load(jsonlPath);
  const workloads = [...new Set(records.map((r) => r.workload))];
  const rounds = new Set(records.map((r) => r.round)).size;
  const steal = records.map((r) => r.result.system.steal_pct);
  const first = records[0]?.at ?? '';
  const out: string[] = [
    `Measured ${first.slice(0, 16).replace('T', ' ')} UTC on this machine (${records[0]?.result.system.cpus ?? '?'} vCPUs, shared with other work):`,
    `${rounds} interleaved rounds, medians shown. CPU steal during runs: median ${median(steal).toFixed(2)} %, max ${Math.max(...steal).toFixed(2)} %.`,
    'ops/s is wall-clock throughput of all threads; ops/CPU-s divides by the CPU time the workload threads got (robust to other load).',
    `Latency: sampled (1 in 128 calls; fragmentation 1 in 4), ns, including the timer pair cost (median ${median(records.map((r) => r.result.latency_ns?.timer_overhead_ns ?? 0))} ns).`,
    '',
    '| workload | allocator | ops/s | ops/CPU-s | malloc p50 / p99 / p99.9 / max ns | free p50 / p99 / p99.9 / max ns | peak RSS MiB | steal % |',
    '|---|---|---:|---:|---|---|---:|---:|',
  ];
  for (const w of workloads) {
    for (const a of ALLOCATORS) {
      const runs = group(records, w, a);
      if (runs.length === 0) continue;
      const lat = (which: 'malloc' | 'free'): string =>
        (['p50', 'p99', 'p999', 'max'] as const).map((p) => med(runs, (r) => r.result.latency_ns?.[which][p])).join(' / ');
      out.push(`| ${w} | ${a} | ${med(runs, (r) => r.result.throughput?.ops_per_s)} | ${med(runs, (r) => r.result.throughput?.ops_per_cpu_s)} | ${lat('malloc')} | ${lat('free')} | ${med(runs, (r) => r.result.memory.peak_rss_bytes / MIB, 1)} | ${med(runs, (r) => r.result.system.steal_pct, 2)} |`);
    }
  }
  if (workloads.includes('fragmentation')) {
    out.push('', 'Fragmentation (64 MiB filled, 75 % freed scattered, allocator defaults), RSS MiB:', '');
    out.push('| allocator | filled | +0 s | +1 s | +3 s | refilled | live after free MiB |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const a of ALLOCATORS) {
      const runs = group(records, 'fragmentation', a);
      if (runs.length === 0) continue;
      const phase = (p: string) => (r: RunRecord) => (r.result.memory.snapshots.find((s) => s.phase === p)?.rss_bytes ?? NaN) / MIB;
      const at = (ms: number) => (r: RunRecord) => (afterFree(r, ms) ?? NaN) / MIB;
      const live = (r: RunRecord) => (r.result.memory.snapshots.find((s) => s.phase === 'after_free')?.live_requested_bytes ?? NaN) / MIB;
      out.push(`| ${a} | ${med(runs, phase('filled'), 1)} | ${med(runs, at(0), 1)} | ${med(runs, at(1000), 1)} | ${med(runs, at(3000), 1)} | ${med(runs, phase('refilled'), 1)} | ${med(runs, live, 1)} |`);
    }
  }
  if (workloads.includes('size-sweep')) {
    const sizes = (records.find((r) => r.workload === 'size-sweep')?.result.workload?.results['per_size'] as { size_bytes: number }[] | undefined)?.map((s) => s.size_bytes) ?? [];
    out.push('', 'size-sweep: mean malloc + free ns per call (batches of 64), by size:', '');
    out.push(`| size B | ${ALLOCATORS.join(' | ')} |`, `|---:|${ALLOCATORS.map(() => '---:').join('|')}|`);
    for (const size of sizes) {
      const cells = ALLOCATORS.map((a) =>
        med(group(records, 'size-sweep', a), (r) => {
          const row = (r.result.workload?.results['per_size'] as { size_bytes: number; malloc_ns_mean: number; free_ns_mean: number }[]).find((x) => x.size_bytes === size);
          return row ? row.malloc_ns_mean + row.free_ns_mean : undefined;
        }, 1),
      );
      out.push(`| ${size} | ${cells.join(' | ')} |`);
    }
  }
  out.push('');
  writeFileSync(mdPath, out.join('\n'));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  writeBaselineReport(join(here, 'baseline.jsonl'), join(here, 'baseline.md'));
}
