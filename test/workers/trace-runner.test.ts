import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TraceDetailsSchema } from '../../src/core/replay-result.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { debianLibraryPath } from '../../src/spaces/debian-libraries.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { expectedFidelity, syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// The trace runner with the real replayer under a real mimalloc: the fidelity block with and
// without the sidecar's peak RSS, a replay that cannot reproduce the recording as a failed trial,
// and names that are not inside the trace directory refused before anything runs.

const dir = mkdtempSync(join(tmpdir(), 'alloctune-trace-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const calls = syntheticTrace({ threads: 3, calls: 2000, seed: 9 });
writeTrace(dir, 'no-sidecar', calls);
writeTrace(dir, 'other-allocator', calls, { sidecar: { peak_rss_kb: 10_000, allocator: 'glibc' } });
writeTrace(dir, 'bad-sidecar', calls);
writeFileSync(join(dir, 'bad-sidecar.json'), '{not json');
// Recorded as a success; no machine here can give 32 TiB, so the replay cannot reproduce it.
writeTrace(dir, 'impossible', [{ thread: 0, op: 'malloc', ptr: 0x1000, size: 2 ** 45, t_ns: 1 }]);
symlinkSync('/etc/hostname', join(dir, 'escape.trace'));

const runner = new TraceRunner(new TraceDir(dir));
const ctx: RunContext = {
  env: { PATH: '/usr/bin:/bin', LD_PRELOAD: debianLibraryPath('mimalloc') ?? '' },
  allocator: 'mimalloc', definition: allocatorDefinition('mimalloc'), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 60_000,
};
const spec = (trace: string) => WorkloadSpecSchema.parse({ kind: 'trace', trace, snapshot_offsets_ms: [0] }) as Extract<ReturnType<typeof WorkloadSpecSchema.parse>, { kind: 'trace' }>;

describe('TraceRunner', () => {
  it('without a sidecar: exact fidelity, and "original peak RSS unknown" instead of a ratio', async () => {
    const m = await runner.run(spec('no-sidecar'), ctx);
    const { fidelity } = TraceDetailsSchema.parse(m.details);
    assert.equal(fidelity.match, true);
    assert.deepEqual({ ops: fidelity.replayed.ops, peak_live_bytes: fidelity.replayed.peak_live_bytes }, expectedFidelity(calls));
    assert.equal(fidelity.original.peak_rss_ratio, null);
    assert.match(fidelity.original.note ?? '', /^original peak RSS unknown: no sidecar/);
    assert.equal('peak_rss_vs_original_ratio' in m.metrics, false);
    assert.equal(m.metrics['peak_live_bytes'], expectedFidelity(calls).peak_live_bytes);
    assert.equal(m.allocator.name, 'mimalloc');
    assert.match(m.allocator.path ?? '', /libmimalloc\.so/);
  });

  it('a sidecar of another allocator gives the ratio and says the allocators differ; an unreadable one says so', async () => {
    const m = await runner.run(spec('other-allocator'), ctx);
    const { fidelity } = TraceDetailsSchema.parse(m.details);
    assert.equal(fidelity.original.peak_rss_bytes, 10_000 * 1024);
    assert.equal(fidelity.original.same_allocator, false);
    assert.equal(fidelity.original.peak_rss_ratio, fidelity.original.replay_peak_rss_bytes / (10_000 * 1024));
    assert.equal(m.metrics['peak_rss_vs_original_ratio'], fidelity.original.peak_rss_ratio);
    assert.match(fidelity.original.note ?? '', /the original ran under glibc, this replay under mimalloc/);
    const bad = TraceDetailsSchema.parse((await runner.run(spec('bad-sidecar'), ctx)).details);
    assert.match(bad.fidelity.original.note ?? '', /^original peak RSS unknown: sidecar unreadable/);
  });

  it('a trace whose peak live bytes this machine cannot hold is a failed trial, refused before writing them', async () => {
    await assert.rejects(runner.run(spec('impossible'), ctx), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ALLOCTUNE_ERR_TARGET_CRASHED');
      assert.match(err.message, /^trace:impossible replay failed: the trace's peak of 35184372088832 live bytes exceeds this machine's \d+ available bytes/);
      return true;
    });
  });

  it('refuses a trace that is not in the directory, or a symlink leading out of it, before running anything', async () => {
    await assert.rejects(runner.run(spec('absent'), ctx), /no trace file absent\.trace in this worker's trace directory/);
    await assert.rejects(runner.run(spec('escape'), ctx), /is not a regular file inside/);
    await assert.rejects(new TraceRunner(new TraceDir(undefined)).run(spec('no-sidecar'), ctx), /this worker has no trace directory \(start it with --traces DIR\)/);
  });
});
