import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { TrialJobSchema } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { InterferenceGate } from '../../workers/interference-gate.js';
import { executeTrial, type RunnerSet } from '../../workers/trial-executor.js';

// The target CPU of the worker under test; the hogs are pinned to it with taskset.
const TARGET_CPU = '1';
// Each hog in its own session: with kernel.sched_autogroup_enabled (Debian's default) CPU time is
// shared between sessions first, and the probe, like every target, runs in a session of its own
// (spawn-guard), so co-tenants in one session would only take one share whatever their number.
const HOGS = 6;
const identity = { name: 'w', host: 'h', kernel: 'k', cpus: TARGET_CPU, client_cpus: '0', labels: {} };

function job(gatePct?: number) {
  return TrialJobSchema.parse({
    campaign_id: 'c', trial_id: 't', allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'x' }],
    repeats: 1, steal_max_pct: 2, steal_max_reruns: 3,
    ...(gatePct === undefined ? {} : { interference_max_slowdown_pct: gatePct }),
  });
}

/** CPU hogs (busy shell loops) pinned on the target CPU, as co-tenants would be; steal stays 0. */
function startHogs(): ChildProcess[] {
  return Array.from({ length: HOGS }, () => spawn('taskset', ['-c', TARGET_CPU, 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore', detached: true }));
}
function stopHogs(hogs: ChildProcess[]): void {
  for (const h of hogs.splice(0)) if (h.pid !== undefined) process.kill(-h.pid, 'SIGKILL');
}

/** A runner whose first measurement starts the hogs (they are still running when the probe after it runs); steal is always 0. */
function hoggedRunner(hogs: ChildProcess[]): { runners: RunnerSet; calls: () => number } {
  let calls = 0;
  return {
    calls: () => calls,
    runners: {
      command: {
        kind: 'command',
        run: async (): Promise<WorkloadMeasurement> => {
          calls++;
          if (calls === 1) {
            hogs.push(...startHogs());
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          return { label: 'x', kind: 'command', metrics: { wall_ms: 10 }, steal_pct: 0, cpu_busy_pct: {}, allocator: { name: 'glibc', version: '2.36', options: {} }, duration_ms: 1 };
        },
      },
    },
  };
}

describe('interference gate (real spin probe, real CPU hogs pinned with taskset)', () => {
  it('re-runs a repeat disturbed by CPU hogs on the target CPU, recorded like a steal re-run', async () => {
    const gate = await InterferenceGate.calibrate(TARGET_CPU);
    assert.ok(gate.reference_ns > 0);
    const hogs: ChildProcess[] = [];
    try {
      const { runners, calls } = hoggedRunner(hogs);
      const result = await executeTrial(job(50), {
        runners,
        identity,
        gate: async () => gate,
        // The hogs leave once the disturbed measurement is thrown away.
        onMeasurement: (e) => (e.kept ? undefined : stopHogs(hogs)),
      });
      assert.equal(result.status, 'completed');
      const discarded = result.repeats[0]?.discarded ?? [];
      assert.ok(discarded.length >= 1 && calls() >= 2, `the disturbed repeat was re-run (reference ${gate.reference_ns} ns, ${calls()} runs, discarded ${JSON.stringify(discarded)})`);
      assert.match(discarded[0]?.reason ?? '', /^interference: the spin probe on CPUs 1 ran \d+% slower than the worker's reference > 50% \(attempt 1\)$/);
      assert.ok((discarded[0]?.probe_slowdown_pct ?? 0) > 50, `slowdown ${discarded[0]?.probe_slowdown_pct}`);
      assert.equal(discarded[0]?.steal_pct, 0, 'no steal: only the gate saw it');
      assert.equal(result.repeats[0]?.workloads.length, 1, 'one measurement kept');
    } finally {
      stopHogs(hogs);
    }
  });

  it('without the setting the same hogs go unnoticed (the steal gate alone keeps the repeat)', async () => {
    const hogs: ChildProcess[] = [];
    try {
      const { runners, calls } = hoggedRunner(hogs);
      let gateAsked = false;
      const result = await executeTrial(job(), { runners, identity, gate: async () => ((gateAsked = true), InterferenceGate.calibrate(TARGET_CPU)) });
      assert.equal(calls(), 1);
      assert.deepEqual(result.repeats[0]?.discarded, []);
      assert.equal(gateAsked, false, 'no calibration when the job does not ask for the gate');
    } finally {
      stopHogs(hogs);
    }
  });
});
