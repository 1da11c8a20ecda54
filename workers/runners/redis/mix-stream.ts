import { REDIS_MIX_TESTS, type MixLoadStream, type MixTestEntry } from '../../../src/core/redis-command-mix.js';
import { parseBenchmarkCsv, runBenchmark, type BenchmarkRow, type BenchmarkTarget } from './redis-benchmark.js';

/** redis-benchmark's arguments for one load stream of a command mix (redis-command-mix.ts). */
export function mixStreamArgs(s: MixLoadStream): string[] {
  const entry: MixTestEntry = REDIS_MIX_TESTS[s.test];
  const common = ['-c', String(s.clients), '-P', String(s.pipeline), '-n', String(s.requests ?? s.keys), '-r', String(s.keys), '--csv'];
  if (entry.command === undefined) return [...common, '-d', String(s.value_bytes), '-t', s.test];
  const value = 'x'.repeat(s.value_bytes);
  return [...common, ...entry.command.map((a) => (a === '<data>' ? value : a))];
}

/**
 * Runs one load stream; its rows are redis-benchmark's (an lrange test also reports its LPUSH prelude).
 * Only a measured stream's throughput is reported, so only there is a test too short to time an error.
 */
export async function runMixStream(target: BenchmarkTarget, s: MixLoadStream): Promise<BenchmarkRow[]> {
  const outcome = await runBenchmark(target, mixStreamArgs(s), `mix ${s.test}`);
  return parseBenchmarkCsv(outcome.stdout, s.phase === 'measured' ? 'refuse' : 'drop');
}

/** The throughput a stream reports: the row of its own test (not an lrange test's LPUSH prelude). */
export function streamRps(rows: readonly BenchmarkRow[]): number | undefined {
  const own = rows.filter((r) => !/needed to benchmark/i.test(r.test));
  return (own[own.length - 1] ?? rows[rows.length - 1])?.rps;
}
