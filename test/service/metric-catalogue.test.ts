import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { respCommand } from '../../src/core/redis-monitor-line.js';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { nativeTool } from '../../src/proc/repo-paths.js';
import { catalogueEntry, METRIC_CATALOGUE, type MetricEntry } from '../../src/service/metric-catalogue.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { buildRunners } from '../../workers/build-runners.js';
import type { RunContext, WorkloadRunner } from '../../workers/runners/workload-runner.js';
import { WorkerConfigSchema } from '../../workers/worker-config.js';
import { syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// The catalogue is checked against what the real runners report, both ways: a short run of every
// workload the harness lists, a small Redis trial with both phases on, and an allow-listed command
// with a metric of its own, and a replayed trace with every kind of call and a sidecar. A metric
// reported but not catalogued fails, so does an entry never reported.

const CONFIGURED_METRIC = 'answer_count';
// One trace directory: a two-command capture for the Redis workload's capture metrics, and a trace.
const traces = mkdtempSync(join(tmpdir(), 'alloctune-catalogue-traces-'));
writeFileSync(join(traces, 'cat.resp'), Buffer.concat([respCommand([Buffer.from('SET'), Buffer.from('k'), Buffer.from('v')]), respCommand([Buffer.from('RPUSH'), Buffer.from('l'), Buffer.from('x')])]));
// With an untraced reference run under the runner's allocator, so that the ratios against it are reported.
const reference = { ran_at: '2026-01-01T00:00:00.000Z', exit_code: 0, signal: null, wall_ms: 50, user_ms: 30, sys_ms: 10, peak_rss_kb: 18_000, allocator_env: {}, served_by: null, version: null };
writeTrace(traces, 'mixed', syntheticTrace({ threads: 2, calls: 3000, seed: 4 }), { sidecar: { peak_rss_kb: 20_000, references: { jemalloc: reference } } });
const TRACE_OFFSETS_MS = [0, 30];
const runners = buildRunners(
  WorkerConfigSchema.parse({
    traces_dir: traces,
    commands: { echo: { argv: ['/bin/echo', '{"answer":{"count":42}}'], metric: { name: CONFIGURED_METRIC, json_path: 'answer.count' } } },
  }),
);
const ctx: RunContext = {
  env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: debianLibraryPath('jemalloc') ?? '' },
  allocator: 'jemalloc', definition: allocatorDefinition('jemalloc'), cpus: '1', clientCpus: '0', seed: 3, phaseTimeoutMs: 60_000,
};

const HARNESS_OFFSETS_MS = [0, 150];
const REDIS_OFFSETS_MS = [0, 40];
/** Small arguments per harness workload so that each runs for a fraction of a second. */
const SHORT_ARGS: Record<string, Record<string, string | number>> = {
  fragmentation: { 'target-mb': 4, 'snapshot-ms': HARNESS_OFFSETS_MS.join(','), 'heartbeat-us': 0 },
  'size-sweep': { sizes: '16,256', 'ops-per-size': 2000 },
};

function harnessWorkloads(): string[] {
  const list = JSON.parse(execFileSync(nativeTool('allocbench'), ['--list'], { encoding: 'utf8' })) as { workloads: { name: string }[] };
  return list.workloads.map((w) => w.name);
}

function specs(): WorkloadSpec[] {
  return [
    ...harnessWorkloads().map((workload) => WorkloadSpecSchema.parse({ kind: 'harness', workload, args: SHORT_ARGS[workload] ?? { 'duration-ms': 50 } })),
    WorkloadSpecSchema.parse({
      kind: 'redis',
      options: { load: [{ value_bytes: 64, keys: 2000 }], snapshot_offsets_ms: REDIS_OFFSETS_MS, throughput: { requests: 10_000 }, latency: { requests: 200 } },
    }),
    // A command mix with a capture, a delete and a measured stream: the per-type families.
    WorkloadSpecSchema.parse({
      kind: 'redis',
      label: 'redis-mix',
      options: {
        capture: 'cat',
        mix: [{ test: 'set', keys: 500 }, { test: 'delete', type: 'string', fraction: 0.5 }, { test: 'get', keys: 500, requests: 10_000, phase: 'measured' }],
        snapshot_offsets_ms: REDIS_OFFSETS_MS,
        throughput: { enabled: false },
        latency: { enabled: false },
      },
    }),
    WorkloadSpecSchema.parse({ kind: 'command', name: 'echo' }),
    WorkloadSpecSchema.parse({ kind: 'trace', trace: 'mixed', snapshot_offsets_ms: TRACE_OFFSETS_MS }),
  ];
}

/** Metric names reported per workload kind, from real runs. */
const reported = new Map<WorkloadSpec['kind'], Set<string>>();

describe('metric catalogue against the real runners', () => {
  after(() => rmSync(traces, { recursive: true, force: true }));
  before(async () => {
    for (const spec of specs()) {
      const runner = runners[spec.kind] as WorkloadRunner | undefined;
      assert.ok(runner, `a ${spec.kind} runner`);
      const m = await runner.run(spec as never, ctx);
      const names = reported.get(spec.kind) ?? new Set<string>();
      for (const name of Object.keys(m.metrics)) names.add(name);
      reported.set(spec.kind, names);
    }
  });

  it('catalogues every metric a runner reports (a command only adds the metric its config names)', () => {
    const missing: string[] = [];
    for (const [kind, names] of reported) {
      for (const name of names) {
        const entry = catalogueEntry(kind, name);
        const configuredOnly = entry?.name === '<name>' && !(kind === 'command' && name === CONFIGURED_METRIC);
        if (entry === undefined || configuredOnly) missing.push(`${kind}.${name}`);
      }
    }
    assert.deepEqual(missing, [], 'reported but not in src/service/metric-catalogue.ts');
  });

  it('every catalogue entry is reported by some run', () => {
    const matched = (e: MetricEntry): boolean => [...(reported.get(e.kind) ?? [])].some((name) => catalogueEntry(e.kind, name) === e);
    assert.deepEqual(METRIC_CATALOGUE.filter((e) => !matched(e)).map((e) => `${e.kind}.${e.name}`), [], 'in the catalogue but never reported');
  });

  it('names snapshot families after the requested offsets', () => {
    for (const ms of HARNESS_OFFSETS_MS) assert.ok(reported.get('harness')?.has(`rss_bytes_at_${ms}ms`), `harness rss_bytes_at_${ms}ms`);
    for (const ms of REDIS_OFFSETS_MS) assert.ok(reported.get('redis')?.has(`rss_bytes_at_${ms}ms`), `redis rss_bytes_at_${ms}ms`);
    for (const ms of TRACE_OFFSETS_MS) assert.ok(reported.get('trace')?.has(`rss_bytes_at_${ms}ms`), `trace rss_bytes_at_${ms}ms`);
    for (const ms of TRACE_OFFSETS_MS) assert.ok(reported.get('trace')?.has(`rss_above_baseline_bytes_at_${ms}ms`), `trace rss_above_baseline_bytes_at_${ms}ms`);
    for (const ms of TRACE_OFFSETS_MS) assert.ok(reported.get('trace')?.has(`rss_minus_replayer_bytes_at_${ms}ms`), `trace rss_minus_replayer_bytes_at_${ms}ms`);
    assert.equal(catalogueEntry('redis', 'rss_bytes_at_12000ms')?.name, 'rss_bytes_at_<N>ms');
    assert.equal(catalogueEntry('harness', 'rss_bytes_at_ms'), undefined);
  });

  it('gives every entry a unit and a meaning, and one entry per name and kind', () => {
    for (const e of METRIC_CATALOGUE) assert.ok(e.unit !== '' && e.meaning !== '', `${e.kind}.${e.name}`);
    const keys = METRIC_CATALOGUE.map((e) => `${e.kind}.${e.name}`);
    assert.equal(new Set(keys).size, keys.length);
  });
});
