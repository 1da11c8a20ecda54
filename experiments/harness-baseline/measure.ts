/** Shared pieces of the harness-baseline experiment: how one allocbench run is made and recorded. */
import { appendFileSync } from 'node:fs';
import type { HarnessResult } from '../../src/core/harness-result.js';
import { runAllocbench } from '../../src/harness/run-allocbench.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';

export const ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const;
export type BaselineAllocator = (typeof ALLOCATORS)[number];

/** One raw JSONL record: enough to regenerate every table without re-running. */
export interface RunRecord {
  experiment: string;
  round: number;
  workload: string;
  allocator: BaselineAllocator;
  args: Record<string, string | number>;
  at: string;
  result: HarnessResult;
}

/** Environment with only PATH and the allocator's LD_PRELOAD (nothing else leaks into the run). */
export function allocatorEnv(allocator: BaselineAllocator): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '/usr/bin:/bin' };
  if (allocator !== 'glibc') {
    const path = debianLibraryPath(allocator);
    if (path === undefined) throw new Error(`${allocator} library is not installed`);
    env['LD_PRELOAD'] = path;
  }
  return env;
}

/** Run once and append the record to `jsonlPath`; throws on a failed run (a baseline must not have gaps). */
export async function measure(jsonlPath: string, experiment: string, round: number, workload: string, allocator: BaselineAllocator, args: Record<string, string | number>): Promise<RunRecord> {
  const { cpus, ...flags } = args; // --cpus is its own option of runAllocbench
  const pin = cpus === undefined ? {} : { cpus: String(cpus) };
  const out = await runAllocbench({ workload, args: flags, ...pin, env: allocatorEnv(allocator), timeoutMs: 300_000 });
  if (!out.ok) throw new Error(`${workload}/${allocator}: ${out.error.message}\n${out.stderr}`);
  if (out.result.allocator.name !== allocator) throw new Error(`${workload}: expected ${allocator}, got ${out.result.allocator.name}`);
  const record: RunRecord = { experiment, round, workload, allocator, args, at: new Date().toISOString(), result: out.result };
  appendFileSync(jsonlPath, `${JSON.stringify(record)}\n`);
  return record;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Rotate the order each round so no allocator always runs first (or right after a hungry one). */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
