import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { HarnessRunner, timeWeightedMeanRss } from '../../workers/runners/harness-runner.js';

describe('harness runner', () => {
  it('names fixed-time memory metrics after the planned offsets, so every trial reports the same names', async () => {
    const spec = WorkloadSpecSchema.parse({ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,250' } });
    if (spec.kind !== 'harness') throw new Error('harness spec expected');
    const m = await new HarnessRunner().run(spec, {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LD_PRELOAD: debianLibraryPath('jemalloc') ?? '' },
      allocator: 'jemalloc',
      definition: allocatorDefinition('jemalloc'),
      cpus: '1',
      clientCpus: '0',
      seed: 3,
      phaseTimeoutMs: 60_000,
    });
    const snapshotMetrics = Object.keys(m.metrics).filter((k) => k.includes('_at_')).sort();
    assert.deepEqual(snapshotMetrics, ['fragmentation_ratio_at_0ms', 'fragmentation_ratio_at_250ms', 'rss_bytes_at_0ms', 'rss_bytes_at_250ms']);
    assert.ok((m.metrics['rss_bytes_at_250ms'] ?? 0) > 0);
    const mean = m.metrics['rss_mean_bytes_after_free'] ?? 0;
    const [at0, at250] = [m.metrics['rss_bytes_at_0ms'] ?? 0, m.metrics['rss_bytes_at_250ms'] ?? 0];
    // A weighted mean of equal values can land one rounding step outside them (9437183.999999998 for 9437184).
    const slack = 1e-9 * Math.max(at0, at250);
    assert.ok(mean >= Math.min(at0, at250) - slack && mean <= Math.max(at0, at250) + slack, `${mean} between ${at0} and ${at250}`);
  });

  it('averages RSS over time with trapezoids between the measured offsets', () => {
    const snaps = [
      { after_free_ms: null, rss_bytes: 999 },
      { after_free_ms: 0, rss_bytes: 100 },
      { after_free_ms: 100, rss_bytes: 100 },
      { after_free_ms: 300, rss_bytes: 20 },
      { after_free_ms: 400, rss_bytes: 20 },
    ];
    // Areas: 100*100 + (100+20)/2*200 + 20*100 = 10000 + 12000 + 2000 = 24000 over 400 ms.
    assert.equal(timeWeightedMeanRss(snaps), 60);
    assert.equal(timeWeightedMeanRss(snaps.slice(0, 2)), undefined, 'one point is no window');
    assert.equal(timeWeightedMeanRss([]), undefined);
  });
});
