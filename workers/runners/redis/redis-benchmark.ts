import { AlloctuneError } from '../../../src/core/alloctune-error.js';
import type { RedisWorkloadOptions } from '../../../src/core/redis-workload.js';
import { runGuarded, type ProcessOutcome } from '../../../src/proc/guarded-spawn.js';

/** Where and how redis-benchmark (and redis-cli for a capture) runs: pinned to the client CPUs, with a clean environment. */
export interface BenchmarkTarget {
  benchmarkPath: string;
  port: number;
  clientCpus: string;
  timeoutMs: number;
  env: Record<string, string>;
}

export async function runBenchmark(target: BenchmarkTarget, args: string[], what: string): Promise<ProcessOutcome> {
  const outcome = await runGuarded('taskset', ['-c', target.clientCpus, target.benchmarkPath, '-h', '127.0.0.1', '-p', String(target.port), ...args], {
    env: target.env,
    timeoutMs: target.timeoutMs,
    maxOutputBytes: 1024 * 1024,
  });
  if (outcome.timedOut) throw new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: `redis-benchmark (${what})`, timeout_ms: target.timeoutMs });
  if (outcome.spawnError !== undefined || outcome.exitCode !== 0) {
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', {
      reason: `redis-benchmark (${what}) failed (${outcome.spawnError ?? `exit ${outcome.exitCode ?? outcome.signal}`}): ${outcome.stderr.trim().slice(-300)}`,
    });
  }
  return outcome;
}

/**
 * The load phase: one redis-benchmark per stream, all in parallel so that size classes interleave,
 * each `SET s<size>:__rand_int__ <size bytes>` over a key space of `keys` (random keys, with overwrites).
 */
export async function loadStreams(target: BenchmarkTarget, streams: RedisWorkloadOptions['load']): Promise<void> {
  await Promise.all(
    streams.map((s) =>
      runBenchmark(
        target,
        ['-c', '8', '-P', '16', '-n', String(s.keys), '-r', String(s.keys), '-q', 'SET', `s${s.value_bytes}:__rand_int__`, 'x'.repeat(s.value_bytes)],
        `load s${s.value_bytes}`,
      ),
    ),
  );
}

/** One row of `redis-benchmark --csv`. */
export interface BenchmarkRow {
  test: string;
  rps: number;
  avg_latency_ms: number;
  p50_latency_ms: number;
  p99_latency_ms: number;
  max_latency_ms: number;
}

/**
 * Parses `redis-benchmark --csv` output (7.0 columns: test, rps, avg, min, p50, p95, p99, max). A
 * test that ended inside one millisecond prints rps "inf": `untimed: 'refuse'` (for figures that are
 * reported) makes that an error, `'drop'` (a load stream, timed for information only) leaves the row out.
 */
export function parseBenchmarkCsv(text: string, untimed: 'refuse' | 'drop' = 'refuse'): BenchmarkRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.startsWith('"'));
  const split = (l: string): string[] => l.split(',').map((c) => c.replace(/^"|"$/g, ''));
  const header = lines[0] === undefined ? [] : split(lines[0]);
  const col = (name: string): number => header.indexOf(name);
  if (col('test') < 0 || col('rps') < 0) throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: 'redis-benchmark', reason: 'no CSV header' });
  return lines.slice(1).flatMap((l) => {
    const cells = split(l);
    if (untimed === 'drop' && /^inf$/i.test(cells[col('rps')] ?? '')) return [];
    const num = (name: string): number => Number(cells[col(name)] ?? NaN);
    const row = {
      test: cells[col('test')] ?? '',
      rps: num('rps'),
      avg_latency_ms: num('avg_latency_ms'),
      p50_latency_ms: num('p50_latency_ms'),
      p99_latency_ms: num('p99_latency_ms'),
      max_latency_ms: num('max_latency_ms'),
    };
    if (/^inf$/i.test(cells[col('rps')] ?? '')) throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: 'redis-benchmark', reason: `${row.test} finished inside one millisecond (rps inf): too few requests to time` });
    if (!Number.isFinite(row.rps)) throw new AlloctuneError('ALLOCTUNE_ERR_BAD_OUTPUT', { target: 'redis-benchmark', reason: `bad CSV row ${l}` });
    return [row];
  });
}

/** The throughput phase: pipelined SET and GET on their own `key:` key space, parsed from `--csv`. */
export async function measureThroughput(target: BenchmarkTarget, t: RedisWorkloadOptions['throughput']): Promise<BenchmarkRow[]> {
  const outcome = await runBenchmark(
    target,
    ['-t', 'set,get', '-n', String(t.requests), '-c', String(t.clients), '-P', String(t.pipeline), '-d', String(t.value_bytes), '-r', '100000', '--csv'],
    'throughput',
  );
  return parseBenchmarkCsv(outcome.stdout);
}
