import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { WorkloadMeasurementSchema } from '../../src/core/trial-result.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { buildRunners } from '../../workers/build-runners.js';
import type { RunnerSet } from '../../workers/trial-executor.js';
import type { RunContext, WorkloadRunner } from '../../workers/runners/workload-runner.js';
import { WorkerConfigSchema } from '../../workers/worker-config.js';
import { liveDescendants, processAlive } from '../helpers/process-alive.js';
import { until } from '../helpers/child-processes.js';
import { syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// Every WorkloadRunner goes through the same checks with a real jemalloc preloaded: a valid
// measurement under its label with the jemalloc options read back where the runner can, and a
// rejected MALLOC_CONF reported as ALLOCATOR_REJECTED quoting jemalloc; aborted mid-trial, the
// retryable WORKER_LOST (the trial is re-run, not recorded as a failed config) with no child left.
// Traces: a short synthetic one, and one whose recorded pacing waits 60 s between two calls.
const traces = mkdtempSync(join(tmpdir(), 'alloctune-conformance-traces-'));
after(() => rmSync(traces, { recursive: true, force: true }));
writeTrace(traces, 'short', syntheticTrace({ threads: 2, calls: 2000, seed: 5 }));
writeTrace(traces, 'slow', [
  { thread: 0, op: 'malloc', ptr: 0x10000, size: 64, t_ns: 1000 },
  { thread: 0, op: 'free', ptr: 0x10000, size: 0, t_ns: 60_000_000_000 },
]);
const runners: RunnerSet = buildRunners(
  WorkerConfigSchema.parse({ commands: { env: { argv: ['/usr/bin/env'] }, sleep: { argv: ['/bin/sleep', '60'] } }, traces_dir: traces }),
);
const jemalloc = debianLibraryPath('jemalloc') ?? '';

const cases: Array<{ spec: WorkloadSpec; readsOptions: boolean }> = [
  { spec: WorkloadSpecSchema.parse({ kind: 'harness', workload: 'threadtest', args: { 'duration-ms': 100 } }), readsOptions: true },
  { spec: WorkloadSpecSchema.parse({ kind: 'command', name: 'env' }), readsOptions: false },
  {
    spec: WorkloadSpecSchema.parse({
      kind: 'redis',
      options: { load: [{ value_bytes: 64, keys: 2000 }], snapshot_offsets_ms: [0], throughput: { requests: 10_000 }, latency: { requests: 100 } },
    }),
    readsOptions: true,
  },
  { spec: WorkloadSpecSchema.parse({ kind: 'trace', trace: 'short', snapshot_offsets_ms: [0] }), readsOptions: true },
];

/** Per kind, a measurement that takes far longer than the test waits before aborting it. */
const longCases: WorkloadSpec[] = [
  WorkloadSpecSchema.parse({ kind: 'harness', workload: 'threadtest', args: { 'duration-ms': 60_000 } }),
  WorkloadSpecSchema.parse({ kind: 'command', name: 'sleep' }),
  // The first snapshot waits 60 s after the delete.
  WorkloadSpecSchema.parse({ kind: 'redis', options: { load: [{ value_bytes: 64, keys: 2000 }], snapshot_offsets_ms: [60_000] } }),
  WorkloadSpecSchema.parse({ kind: 'trace', trace: 'slow', pace: 'recorded' }),
];

function ctx(malloc_conf: string): RunContext {
  return {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: jemalloc, MALLOC_CONF: malloc_conf },
    allocator: 'jemalloc', definition: allocatorDefinition('jemalloc'), cpus: '1', clientCpus: '0', seed: 7, phaseTimeoutMs: 60_000,
  };
}

function runnerOf(spec: WorkloadSpec): WorkloadRunner {
  const runner = runners[spec.kind];
  assert.ok(runner, `a ${spec.kind} runner`);
  return runner as WorkloadRunner;
}

describe('WorkloadRunner conformance (harness, command, redis, trace)', () => {
  for (const { spec, readsOptions } of cases) {
    it(`${spec.kind}: a valid measurement with steal, CPUs and the allocator`, async () => {
      const m = WorkloadMeasurementSchema.parse(await runnerOf(spec).run(spec as never, ctx('dirty_decay_ms:0')));
      assert.equal(m.kind, spec.kind);
      assert.ok(Object.keys(m.metrics).length > 0);
      assert.ok(m.steal_pct >= 0 && m.steal_pct <= 100);
      assert.ok('cpu1' in m.cpu_busy_pct, 'load of the target CPU recorded');
      assert.equal(m.allocator.name, 'jemalloc');
      if (readsOptions) assert.equal(m.allocator.options['dirty_decay_ms'], 0);
    });

    it(`${spec.kind}: an invalid MALLOC_CONF is ALLOCATOR_REJECTED quoting jemalloc`, async () => {
      await assert.rejects(runnerOf(spec).run(spec as never, ctx('foo:1')), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ALLOCTUNE_ERR_ALLOCATOR_REJECTED');
        assert.match(err.message, /<jemalloc>: Invalid conf pair: foo:1/);
        return true;
      });
    });
  }

  for (const spec of longCases) {
    it(`${spec.kind}: aborted mid-trial, rejects with the retryable WORKER_LOST and leaves no child`, async () => {
      const before = new Set(liveDescendants(process.pid).map((p) => p.pid));
      const started = (): Array<{ pid: number; cmdline: string }> => liveDescendants(process.pid).filter((p) => !before.has(p.pid));
      const abort = new AbortController();
      const run = runnerOf(spec).run(spec as never, { ...ctx('dirty_decay_ms:0'), signal: abort.signal, worker: 'conformance' });
      const settled = run.then(() => 'resolved', () => 'rejected');
      // Mid-trial: the runner's target has been exec'd (for redis, give it time to load and delete).
      const target = { harness: /^\S*allocbench /, command: /^\S*sleep 60/, redis: /^\S*redis-server/, trace: /^\S*tracereplay / }[spec.kind];
      const targets = await until(`${spec.kind} target running`, async () => {
        const found = started().filter((p) => target.test(p.cmdline));
        return found.length > 0 ? found : undefined;
      });
      if (spec.kind === 'redis') await new Promise((r) => setTimeout(r, 2000));
      assert.equal(await Promise.race([settled, new Promise((r) => setTimeout(() => r('pending'), 0))]), 'pending');
      const abortedAt = Date.now();
      abort.abort(new Error('worker shutting down'));
      await assert.rejects(run, (err: Error & { code?: string; retryable?: boolean }) => {
        assert.equal(err.code, 'ALLOCTUNE_ERR_WORKER_LOST', err.message);
        assert.equal(err.retryable, true);
        assert.match(err.message, /worker conformance lost: .*aborted: worker shutting down/);
        return true;
      });
      assert.ok(Date.now() - abortedAt < 15_000, `rejected ${Date.now() - abortedAt} ms after the abort`);
      // Gone, not just reparented out of our tree.
      await until('no child of the run left', async () => started().length === 0 && !targets.some((p) => processAlive(p.pid)), 10_000, () => JSON.stringify(started()));
    });
  }
});
