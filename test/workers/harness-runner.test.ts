import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { HarnessRunner } from '../../workers/runners/harness-runner.js';

describe('harness runner', () => {
  it('names fixed-time memory metrics after the planned offsets, so every trial reports the same names', async () => {
    const spec = WorkloadSpecSchema.parse({ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,250' } });
    if (spec.kind !== 'harness') throw new Error('harness spec expected');
    const m = await new HarnessRunner().run(spec, {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: debianLibraryPath('jemalloc') ?? '' },
      allocator: 'jemalloc',
      cpus: '1',
      clientCpus: '0',
      seed: 3,
      phaseTimeoutMs: 60_000,
    });
    const snapshotMetrics = Object.keys(m.metrics).filter((k) => k.includes('_at_')).sort();
    assert.deepEqual(snapshotMetrics, ['fragmentation_ratio_at_0ms', 'fragmentation_ratio_at_250ms', 'rss_bytes_at_0ms', 'rss_bytes_at_250ms']);
    assert.ok((m.metrics['rss_bytes_at_250ms'] ?? 0) > 0);
  });
});
