import { streamLabel, REDIS_MIX_TESTS, type MixLoadStream, type MixStream, type RedisDataType } from '../../../src/core/redis-command-mix.js';
import { replayCapture, type CaptureReplay } from './capture-replay.js';
import { DELETE_BY_TYPE_SCRIPT, deleteByTypeArgs } from './delete-by-type.js';
import { runMixStream, streamRps } from './mix-stream.js';
import type { BenchmarkTarget } from './redis-benchmark.js';
import { readFreshStreamMemory, type MemoryClient, type StreamMemory } from './stream-memory.js';

/** The client calls the load phase of a mix makes. */
export interface MixClient extends MemoryClient {
  eval(script: string, numkeys: number, ...args: string[]): Promise<unknown>;
}

/** How memory changed over one stream (after minus before; negative when the stream freed memory). */
export interface StreamDelta {
  used_memory_bytes: number;
  allocator_allocated_bytes: number;
  allocator_active_bytes: number;
  allocator_resident_bytes: number;
  rss_bytes: number;
  /** MEMORY STATS dataset.bytes. */
  dataset_bytes: number;
  keys: number;
}

/** One stream of the load phase with the memory it left behind: the per-stream breakdown of the result. */
export interface StreamRecord {
  index: number;
  /** `lpush`, `delete list`, `capture NAME`. */
  label: string;
  kind: 'load' | 'delete' | 'capture';
  /** The data type it works on; a capture may hold any, so it is its own. */
  type: RedisDataType | 'capture';
  ms: number;
  after: StreamMemory;
  delta: StreamDelta;
  /** Load streams: the throughput redis-benchmark reported for the stream. */
  ops_per_s?: number;
  /** Delete streams: what was removed. */
  deleted?: { keys: number; elements: number };
  /** The capture: replies and error replies. */
  replay?: CaptureReplay;
}

/** Where the load phase of a mix runs and what it sends. */
export interface MixLoadPlan {
  target: BenchmarkTarget;
  client: MixClient;
  cliPath: string;
  /** The capture, resolved by TraceDir. */
  capture?: { name: string; file: string };
  /** Streams of `phase: load` and delete streams, in order. */
  streams: readonly MixStream[];
}

const sumKeys = (m: StreamMemory): number => Object.values(m.keys_by_db).reduce((a, b) => a + b, 0);

function delta(before: StreamMemory, after: StreamMemory): StreamDelta {
  return {
    used_memory_bytes: after.used_memory_bytes - before.used_memory_bytes,
    allocator_allocated_bytes: after.allocator_allocated_bytes - before.allocator_allocated_bytes,
    allocator_active_bytes: after.allocator_active_bytes - before.allocator_active_bytes,
    allocator_resident_bytes: after.allocator_resident_bytes - before.allocator_resident_bytes,
    rss_bytes: after.rss_bytes - before.rss_bytes,
    dataset_bytes: (after.memory_stats['dataset_bytes'] ?? 0) - (before.memory_stats['dataset_bytes'] ?? 0),
    keys: sumKeys(after) - sumKeys(before),
  };
}

/** Streams of a mix that run in the load phase (the rest run in the measured phase). */
export function loadPhaseStreams(mix: readonly MixStream[]): MixStream[] {
  return mix.filter((s) => s.test === 'delete' || s.phase === 'load');
}

/** Streams of a mix that run in the measured phase. */
export function measuredStreams(mix: readonly MixStream[]): MixLoadStream[] {
  return mix.filter((s): s is MixLoadStream => s.test !== 'delete' && s.phase === 'measured');
}

/**
 * The load phase of a mix: the capture first, then each stream in order, one at a time so that the
 * memory read after each (INFO memory, MEMORY STATS, INFO keyspace, at Redis's next refresh of its
 * allocator statistics: ~130 ms per stream) belongs to that stream alone.
 */
export async function runMixLoad(plan: MixLoadPlan): Promise<StreamRecord[]> {
  const records: StreamRecord[] = [];
  let before = await readFreshStreamMemory(plan.client);
  const record = async (
    base: Omit<StreamRecord, 'index' | 'ms' | 'after' | 'delta'>,
    run: () => Promise<Partial<StreamRecord>>,
  ): Promise<void> => {
    const t0 = performance.now();
    const extra = await run();
    const ms = performance.now() - t0;
    const after = await readFreshStreamMemory(plan.client);
    records.push({ index: records.length, ...base, ...extra, ms, after, delta: delta(before, after) });
    before = after;
  };
  const capture = plan.capture;
  if (capture !== undefined) {
    await record({ label: `capture ${capture.name}`, kind: 'capture', type: 'capture' }, async () => ({ replay: await replayCapture(plan.target, plan.cliPath, capture.file) }));
  }
  for (const s of plan.streams) {
    if (s.test === 'delete') {
      await record({ label: streamLabel(s), kind: 'delete', type: s.type }, async () => {
        const reply = (await plan.client.eval(DELETE_BY_TYPE_SCRIPT, 0, ...deleteByTypeArgs(s))) as [number, number];
        return { deleted: { keys: Number(reply[0]), elements: Number(reply[1]) } };
      });
    } else {
      await record({ label: streamLabel(s), kind: 'load', type: REDIS_MIX_TESTS[s.test].type }, async () => {
        const rps = streamRps(await runMixStream(plan.target, s));
        return rps === undefined ? {} : { ops_per_s: rps };
      });
    }
  }
  return records;
}

/** The measured-phase streams, one after another: throughput per test. */
export async function runMeasuredStreams(target: BenchmarkTarget, streams: readonly MixLoadStream[]): Promise<{ test: string; rps: number }[]> {
  const rows: { test: string; rps: number }[] = [];
  for (const s of streams) {
    const rps = streamRps(await runMixStream(target, s));
    if (rps !== undefined) rows.push({ test: s.test, rps });
  }
  return rows;
}
