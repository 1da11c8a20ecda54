import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AlloctuneError, isAlloctuneError } from '../../src/core/alloctune-error.js';
import type { ConfigValue } from '../../src/core/config.js';
import type { WorkloadSpec } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { workloadLabel } from '../../src/core/trial-job.js';
import type { ProcessOutcome } from '../../src/proc/guarded-spawn.js';
import { parseCpuList } from '../../src/sys/cpu-list.js';
import { diffCpuStat, mergeCpuLoads, pickCpus, sampleCpuStat, stealPctOn, type CpuLoad } from '../../src/sys/cpu-stat.js';
import { rejectionFromStderr } from './redis/allocator-rejection.js';
import { DELETE_SCRIPT, deleteDigitBound } from './redis/delete-keys.js';
import { memorySnapshot, parseInfo, type MemorySnapshot } from './redis/info-memory.js';
import { checkMallocConf, parseJemallocOptions } from './redis/jemalloc-options.js';
import { readRssSplit, type RssSplit } from './redis/proc-rss.js';
import { loadPhaseStreams, measuredStreams, runMeasuredStreams, runMixLoad, type StreamRecord } from './redis/mix-load.js';
import { mixDeleteTotals, mixLoadMetrics, mixMeasuredMetrics } from './redis/mix-metrics.js';
import { loadStreams, measureThroughput, type BenchmarkTarget } from './redis/redis-benchmark.js';
import { describeExit, startRedisServer, type RedisServerProcess } from './redis/redis-server.js';
import { runRttProbe } from './redis/rtt-probe.js';
import { assertServingAllocator, servingAllocator } from './redis/serving-allocator.js';
import { redisServerProblem, type RedisServerChoice } from '../redis-servers.js';
import { TraceDir } from '../trace-dir.js';
import { abortedError } from './aborted-error.js';
import { checkRecordedIdentity, withIdentityRecorder } from './serving-identity-file.js';
import type { RunContext, WorkloadRunner } from './workload-runner.js';

type RedisSpec = Extract<WorkloadSpec, { kind: 'redis' }>;

/** Executables the Redis runner uses; bare names are looked up in the target's PATH. */
export interface RedisRunnerOptions {
  /** The redis-server of trials without a {@link chooseServer}; default `redis-server` from PATH. */
  serverPath?: string;
  /** The redis-server for an allocator's trials (workers/redis-servers.ts: per allocator, then the default). */
  chooseServer?: (allocator: string, base: string | undefined) => RedisServerChoice;
  benchmarkPath?: string;
  /** native/build/rttprobe by default. */
  probePath?: string;
  startTimeoutMs?: number;
  /** redis-cli, which replays a capture (`--pipe`). */
  cliPath?: string;
  /** Where `options.capture` names are resolved (the worker's --traces DIR); none: a capture is refused. */
  traceDir?: TraceDir;
}

/** A memory snapshot taken at a fixed offset after the delete returned. */
interface TimedSnapshot extends MemorySnapshot, RssSplit {
  offset_ms: number;
  /** When it was really taken, relative to the end of the delete. */
  taken_at_ms: number;
  /** The phase running at that moment ('idle' when none). */
  during: string;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => delay(Math.max(0, ms), undefined, signal ? { signal } : {});

/**
 * Resolves at `deadline` (performance.now() clock) or just after; timers may fire a millisecond early.
 * Rejects when `signal` aborts, so that an aborted run holds no timer for the rest of the offset.
 */
async function sleepUntil(deadline: number, signal?: AbortSignal): Promise<void> {
  while (performance.now() < deadline) await sleep(Math.ceil(deadline - performance.now()), signal);
}

function crashError(o: ProcessOutcome, stderr: string): AlloctuneError {
  return (
    rejectionFromStderr(stderr) ??
    new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target: 'redis-server', reason: `${describeExit(o)}: ${stderr.trim().slice(-300)}` })
  );
}

/** Runs the workload of one repeat against a fresh server; see {@link createRedisRunner}. */
async function runRedisWorkload(spec: RedisSpec, ctx: RunContext, options: RedisRunnerOptions): Promise<WorkloadMeasurement> {
  const began = performance.now();
  const opts = spec.options;
  const serverCpus = parseCpuList(ctx.cpus);
  const clientCpus = parseCpuList(ctx.clientCpus);
  const measuredCpus = [...new Set([...serverCpus, ...clientCpus])];
  // Load generators and the probe must not run under the allocator or config being tested.
  const toolEnv = { PATH: ctx.env['PATH'] ?? process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin' };
  if (ctx.signal?.aborted) throw abortedError(ctx, 'redis workload');
  // A mix or a capture replaces the default SET load (and its delete phase); resolved before any process starts.
  const usesMix = opts.mix !== undefined || opts.capture !== undefined;
  const capture = opts.capture === undefined ? undefined : { name: opts.capture, file: (options.traceDir ?? new TraceDir(undefined)).resolve(opts.capture, 'redis_capture') };

  // The build decides what can be measured (Debian's is linked with jemalloc): one path per allocator.
  const chosen = options.chooseServer?.(ctx.allocator, ctx.base) ?? { path: options.serverPath ?? 'redis-server', configuredBy: 'the Redis runner default' };
  const unusable = redisServerProblem(chosen.path);
  if (unusable !== undefined) throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `redis-server for ${ctx.allocator}: ${chosen.path} ${unusable} (set by ${chosen.configuredBy})` });
  const startedAt = performance.now();
  const identityDir = await mkdtemp(join(tmpdir(), 'alloctune-redis-id-'));
  const recorded = withIdentityRecorder(ctx.env, identityDir, ctx.definition);
  let server: RedisServerProcess;
  try {
    server = await startRedisServer({
      serverPath: chosen.path,
      cpus: ctx.cpus,
      env: recorded.env,
      serverConfig: opts.server_config,
      startTimeoutMs: options.startTimeoutMs ?? Math.min(ctx.phaseTimeoutMs, 10_000),
    });
  } catch (err) {
    await rm(identityDir, { recursive: true, force: true });
    throw err;
  }
  const start_ms = performance.now() - startedAt;
  let aborted = false;
  const onAbort = (): void => {
    aborted = true;
    void server.stop(0);
  };
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  // Aborted while the server was starting: stopping it now fails the first phase.
  if (ctx.signal?.aborted) onAbort();

  const phaseLoads: Record<string, CpuLoad> = {};
  const phaseMs: Record<string, number> = {};
  let current = 'start';

  /** Runs one phase under the per-phase timeout, failing fast if the server dies meanwhile. */
  async function phase<T>(name: string, fn: () => Promise<T>, measured = true): Promise<T> {
    current = name;
    const before = sampleCpuStat();
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AlloctuneError('ALLOCTUNE_ERR_TIMEOUT', { target: `redis ${name} phase`, timeout_ms: ctx.phaseTimeoutMs })), ctx.phaseTimeoutMs);
    });
    const died = server.exited.then((o) => {
      throw crashError(o, server.stderr());
    });
    try {
      return await Promise.race([fn(), timeout, died]);
    } finally {
      clearTimeout(timer);
      phaseMs[name] = performance.now() - t0;
      if (measured) phaseLoads[name] = diffCpuStat(before, sampleCpuStat());
      current = 'idle';
    }
  }

  const info = async (section?: string): Promise<Record<string, string>> =>
    parseInfo(String(section === undefined ? await server.client.info() : await server.client.info(section)));

  try {
    // jemalloc reports bad conf pairs on stderr while redis-server starts, then carries on.
    await sleep(10);
    const early = rejectionFromStderr(server.stderr());
    if (early) throw early;

    const startInfo = await info();
    // Whether Redis's own statistics describe the allocator under test, then which object serves malloc() in redis-server itself.
    const serving = servingAllocator(startInfo);
    assertServingAllocator(ctx.allocator, ctx.definition, serving, ctx.env['LD_PRELOAD']);
    const servedBy = await checkRecordedIdentity(recorded.file, ctx.allocator, ctx.definition, 'redis-server');
    const mallocStats = serving.name === 'jemalloc' ? String(await server.client.call('MEMORY', 'MALLOC-STATS')) : '';
    const jemallocOptions = parseJemallocOptions(mallocStats);
    const confCheck = checkMallocConf(ctx.env['MALLOC_CONF'], jemallocOptions);

    const bench: BenchmarkTarget = {
      benchmarkPath: options.benchmarkPath ?? 'redis-benchmark',
      port: server.port,
      clientCpus: ctx.clientCpus,
      timeoutMs: ctx.phaseTimeoutMs,
      env: toolEnv,
    };

    let streams: StreamRecord[] = [];
    if (usesMix) {
      const plan = { target: bench, client: server.client, cliPath: options.cliPath ?? 'redis-cli', streams: loadPhaseStreams(opts.mix ?? []), ...(capture ? { capture } : {}) };
      streams = await phase('load', () => runMixLoad(plan));
    } else {
      await phase('load', () => loadStreams(bench, opts.load));
    }
    const afterLoad = memorySnapshot(await info('memory'));
    const keysAfterLoad = Number(await server.client.dbsize());

    const bound = deleteDigitBound(opts.delete_fraction);
    const mixTotals = mixDeleteTotals(streams);
    // With a mix the deletes are its own streams, inside the load phase; snapshots count from its end.
    const keysDeleted = usesMix ? mixTotals.keys_deleted : Number(await phase('delete', () => server.client.eval(DELETE_SCRIPT, 0, String(bound))));
    const deletedAt = performance.now();

    // Snapshots run on timers at fixed offsets after the delete (CV 0.1-0.3 % at fixed times, against
    // 8-9 % for "after the benchmark", redis-measurement.md §4); the benchmark phases start after the first.
    const offsets = [...new Set(opts.snapshot_offsets_ms)].sort((a, b) => a - b);
    const snapshots = offsets.map(async (offset): Promise<TimedSnapshot> => {
      await sleepUntil(deletedAt + offset, ctx.signal);
      const during = current;
      const taken_at_ms = performance.now() - deletedAt;
      const [memory, split] = await Promise.all([info('memory'), readRssSplit(server.pid)]);
      return { offset_ms: offset, taken_at_ms, during, ...memorySnapshot(memory), ...split };
    });
    // Settled promises are observed below; this keeps a snapshot failing during a phase from going unhandled.
    for (const s of snapshots) s.catch(() => undefined);
    const firstOffset = offsets[0] ?? 0;
    await phase('snapshot-wait', () => snapshots[0] ?? Promise.resolve(undefined), false);

    const throughputRows = opts.throughput.enabled ? await phase('throughput', () => measureThroughput(bench, opts.throughput)) : [];
    const mixMeasured = measuredStreams(opts.mix ?? []);
    const mixRows = mixMeasured.length > 0 ? await phase('mix-measured', () => runMeasuredStreams(bench, mixMeasured)) : [];
    const rtt = opts.latency.enabled
      ? await phase('latency', () =>
          runRttProbe({
            port: server.port,
            requests: opts.latency.requests,
            value_bytes: opts.latency.value_bytes,
            cpus: ctx.clientCpus,
            timeout_ms: ctx.phaseTimeoutMs,
            ...(options.probePath === undefined ? {} : { probePath: options.probePath }),
          }),
        )
      : undefined;
    const timed = await phase('snapshots', () => Promise.all(snapshots), false);

    const late = rejectionFromStderr(server.stderr());
    if (late) throw late;
    const stopped = performance.now();
    await server.stop();
    const stop_ms = performance.now() - stopped;

    const metrics: Record<string, number> = {
      start_ms,
      load_ms: phaseMs['load'] ?? 0,
      delete_ms: usesMix ? mixTotals.delete_ms : (phaseMs['delete'] ?? 0),
      stop_ms,
      keys_after_load: keysAfterLoad,
      keys_deleted: keysDeleted,
      used_memory_bytes_after_load: afterLoad.used_memory_bytes,
      rss_bytes_after_load: afterLoad.rss_bytes,
      mem_fragmentation_ratio_after_load: afterLoad.mem_fragmentation_ratio,
      allocator_frag_ratio_after_load: afterLoad.allocator_frag_ratio,
      ...mixLoadMetrics(streams),
      ...mixMeasuredMetrics(mixRows),
    };
    for (const s of timed) {
      const at = `at_${s.offset_ms}ms`;
      metrics[`used_memory_bytes_${at}`] = s.used_memory_bytes;
      metrics[`rss_bytes_${at}`] = s.rss_bytes;
      metrics[`mem_fragmentation_ratio_${at}`] = s.mem_fragmentation_ratio;
      metrics[`allocator_frag_ratio_${at}`] = s.allocator_frag_ratio;
      metrics[`allocator_rss_ratio_${at}`] = s.allocator_rss_ratio;
      metrics[`rss_overhead_ratio_${at}`] = s.rss_overhead_ratio;
      metrics[`rss_anon_bytes_${at}`] = s.rss_anon_bytes;
      metrics[`rss_file_bytes_${at}`] = s.rss_file_bytes;
    }
    for (const row of throughputRows) {
      metrics[`${row.test.toLowerCase()}_ops_per_s`] = row.rps;
    }
    if (rtt) {
      metrics['p50_us'] = rtt.p50_us;
      metrics['p90_us'] = rtt.p90_us;
      metrics['p99_us'] = rtt.p99_us;
      metrics['p999_us'] = rtt.p999_us;
      metrics['max_us'] = rtt.max_us;
      metrics['mean_us'] = rtt.mean_us;
      metrics['rtt_errors'] = rtt.errors;
    }

    const measured = mergeCpuLoads(Object.values(phaseLoads));
    const phases: Record<string, { ms: number; steal_pct?: number; aggregate_steal_pct?: number; cpu_busy_pct?: Record<string, number> }> = {};
    for (const [name, ms] of Object.entries(phaseMs)) {
      const load = phaseLoads[name];
      phases[name] = load
        ? { ms, steal_pct: stealPctOn(load, measuredCpus), aggregate_steal_pct: load.steal_pct, cpu_busy_pct: pickCpus(load.cpu_busy_pct, measuredCpus) }
        : { ms };
    }
    const options_: Record<string, ConfigValue> = {};
    for (const [k, v] of Object.entries(jemallocOptions)) options_[k] = v.value;

    return {
      label: workloadLabel(spec),
      kind: 'redis',
      metrics,
      steal_pct: stealPctOn(measured, measuredCpus),
      cpu_busy_pct: pickCpus(measured.cpu_busy_pct, measuredCpus),
      allocator: { name: ctx.allocator, version: serving.version, options: options_, path: servedBy },
      duration_ms: performance.now() - began,
      details: {
        server: { path: chosen.path, port: server.port, cpus: ctx.cpus, client_cpus: ctx.clientCpus, redis_version: startInfo['redis_version'] ?? '', mem_allocator: startInfo['mem_allocator'] ?? '' },
        serving_evidence: serving.evidence,
        malloc_conf: ctx.env['MALLOC_CONF'] ?? null,
        malloc_conf_check: confCheck,
        runtime_options: Object.fromEntries(Object.entries(jemallocOptions).flatMap(([k, v]) => (v.runtime === undefined ? [] : [[k, v.runtime]]))),
        ...(usesMix ? {} : { delete_digit_bound: bound }),
        first_snapshot_offset_ms: firstOffset,
        after_load: afterLoad,
        snapshots: timed,
        throughput: throughputRows,
        rtt: rtt ?? null,
        phases,
        aggregate_steal_pct: measured.steal_pct,
        // Only with a mix or a capture, so that the default workload's result stays as it was.
        ...(usesMix ? { streams, mix_measured: mixRows } : {}),
      },
    };
  } catch (err) {
    // A failed command is often just the server dying underneath it: report the death, not the symptom.
    await Promise.race([server.exited, sleep(200)]);
    const outcome = server.outcome();
    if (aborted) throw abortedError(ctx, `redis ${current} phase`, err);
    const explained = isAlloctuneError(err, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED') || isAlloctuneError(err, 'ALLOCTUNE_ERR_TARGET_CRASHED');
    if (outcome !== undefined && !explained) throw crashError(outcome, server.stderr());
    if (isAlloctuneError(err)) throw err;
    throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `redis ${current} phase: ${(err as Error).message}` }, { cause: err });
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
    await server.stop(2000);
    await rm(identityDir, { recursive: true, force: true });
  }
}

/**
 * The Redis workload (redis-measurement.md §3): a fresh redis-server pinned to `ctx.cpus` with the
 * config's environment; mixed-size load, scattered Lua delete, memory snapshots at fixed offsets after
 * the delete, a pipelined throughput phase and a sequential RTT phase (native rttprobe) on
 * `ctx.clientCpus`. Fails with ALLOCATOR_REJECTED when jemalloc complains about MALLOC_CONF and
 * WRONG_ALLOCATOR when the allocator under test is not the one serving Redis.
 */
export function createRedisRunner(options: RedisRunnerOptions = {}): WorkloadRunner<'redis'> {
  return { kind: 'redis', run: (spec, ctx) => runRedisWorkload(spec, ctx, options) };
}

/** The Redis runner with executables from PATH and the probe from native/build. */
export const redisRunner: WorkloadRunner<'redis'> = createRedisRunner();
