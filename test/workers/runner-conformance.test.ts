import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { WorkloadMeasurementSchema } from '../../src/core/trial-result.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { buildRunners } from '../../workers/build-runners.js';
import type { RunnerSet } from '../../workers/trial-executor.js';
import type { RunContext, WorkloadRunner } from '../../workers/runners/workload-runner.js';
import { WorkerConfigSchema } from '../../workers/worker-config.js';

// Every WorkloadRunner goes through the same checks with a real jemalloc preloaded: a valid
// measurement under its label with the jemalloc options read back where the runner can, and a
// rejected MALLOC_CONF reported as ALLOCATOR_REJECTED quoting jemalloc.
const runners: RunnerSet = buildRunners(WorkerConfigSchema.parse({ commands: { env: { argv: ['/usr/bin/env'] } } }));
const jemalloc = debianLibraryPath('jemalloc') ?? '';

const cases: Array<{ spec: WorkloadSpec; readsOptions: boolean }> = [
  { spec: WorkloadSpecSchema.parse({ kind: 'harness', workload: 'threadtest', args: { 'duration-ms': 100 } }), readsOptions: true },
  { spec: WorkloadSpecSchema.parse({ kind: 'command', name: 'env' }), readsOptions: false },
  {
    spec: WorkloadSpecSchema.parse({
      kind: 'redis',
      options: { load: [{ value_bytes: 64, keys: 2000 }], snapshot_offsets_ms: [0], throughput: { requests: 1000 }, latency: { requests: 100 } },
    }),
    readsOptions: true,
  },
];

function ctx(malloc_conf: string): RunContext {
  return {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: jemalloc, MALLOC_CONF: malloc_conf },
    allocator: 'jemalloc', cpus: '1', clientCpus: '0', seed: 7, phaseTimeoutMs: 60_000,
  };
}

function runnerOf(spec: WorkloadSpec): WorkloadRunner {
  const runner = runners[spec.kind];
  assert.ok(runner, `a ${spec.kind} runner`);
  return runner as WorkloadRunner;
}

describe('WorkloadRunner conformance (harness, command, redis)', () => {
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
});
