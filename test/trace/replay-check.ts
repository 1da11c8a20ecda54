import assert from 'node:assert/strict';
import { TraceDetailsSchema } from '../../src/core/replay-result.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import { allocatorDefinition } from '../../src/spaces/index.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import { targetEnv } from '../../workers/target-env.js';
import { TraceDir } from '../../workers/trace-dir.js';

/** The allocators Debian packages (the bootstrap installs them all). */
export const DEBIAN_ALLOCATORS = ['glibc', 'jemalloc', 'mimalloc', 'tcmalloc'] as const;

/**
 * Replays the recorded trace `name` of the trace directory `dir` with the trace workload's runner under
 * each of `allocators`: the replay must issue the recording's calls and reach exactly its peak of live
 * requested bytes (as `trace info` computes it from the file), with the original's peak RSS read from
 * the sidecar.
 */
export async function replaysFaithfully(dir: string, name: string, peakLiveBytes: number, recordedUnder: string, allocators: readonly string[]): Promise<void> {
  const runner = new TraceRunner(new TraceDir(dir));
  const spec = WorkloadSpecSchema.parse({ kind: 'trace', trace: name, snapshot_offsets_ms: [0] });
  assert.ok(spec.kind === 'trace');
  for (const allocator of allocators) {
    const m = await runner.run(spec, { env: targetEnv({ allocator, env: {} }), allocator, definition: allocatorDefinition(allocator), cpus: '1', clientCpus: '0', seed: 1, phaseTimeoutMs: 120_000 });
    const { fidelity } = TraceDetailsSchema.parse(m.details);
    assert.equal(fidelity.match, true, `${name} under ${allocator}: ${JSON.stringify(fidelity)}`);
    assert.equal(fidelity.replayed.peak_live_bytes, peakLiveBytes, `${name} under ${allocator}: peak live bytes of the replay and of trace info`);
    assert.equal(m.allocator.name, allocator);
    assert.ok((m.metrics['peak_rss_vs_original_ratio'] ?? 0) > 0, `${name} under ${allocator}: a ratio to the original's peak RSS`);
    assert.equal(fidelity.original.same_allocator, allocator === recordedUnder, `${name} under ${allocator} (recorded under ${recordedUnder})`);
  }
}
