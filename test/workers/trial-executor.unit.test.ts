import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlloctuneError } from '../../src/core/alloctune-error.js';
import { TrialJobSchema, type TrialJobInput } from '../../src/core/trial-job.js';
import type { WorkloadMeasurement } from '../../src/core/trial-result.js';
import { executeTrial, type RunnerSet } from '../../workers/trial-executor.js';
import type { RunContext } from '../../workers/runners/workload-runner.js';

const identity = { name: 'w', host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {} };

function job(extra: Partial<TrialJobInput> = {}) {
  return TrialJobSchema.parse({
    campaign_id: 'c', trial_id: 't', allocator: 'glibc', config: {}, env: {},
    workloads: [{ kind: 'command', name: 'x' }], ...extra,
  });
}

/** A command runner that returns the scripted steal values (or throws) in order and records its contexts. */
function scripted(steps: Array<number | Error>): { runners: RunnerSet; contexts: RunContext[] } {
  const contexts: RunContext[] = [];
  let i = 0;
  return {
    contexts,
    runners: {
      command: {
        kind: 'command',
        run: async (_spec, ctx): Promise<WorkloadMeasurement> => {
          contexts.push(ctx);
          const step = steps[i++];
          if (step instanceof Error) throw step;
          return { label: 'ignored', kind: 'command', metrics: { wall_ms: 10 + i }, steal_pct: step ?? 0, cpu_busy_pct: {}, allocator: { name: 'glibc', version: '2.36', options: {}, path: null }, duration_ms: 1 };
        },
      },
    },
  };
}

describe('executeTrial (scripted runner)', () => {
  it('re-runs a noisy measurement, records the discarded one and keeps the quiet one', async () => {
    const { runners } = scripted([5, 0.5, 0.1]);
    const result = await executeTrial(job({ repeats: 2, steal_max_pct: 2 }), { runners, identity });
    assert.equal(result.status, 'completed');
    assert.equal(result.repeats.length, 2);
    assert.equal(result.repeats[0]?.discarded.length, 1);
    assert.equal(result.repeats[0]?.discarded[0]?.steal_pct, 5);
    assert.equal(result.repeats[0]?.workloads[0]?.steal_pct, 0.5);
    assert.equal(result.repeats[0]?.workloads[0]?.label, 'command:x');
    assert.equal(result.summary['command:x.wall_ms']?.n, 2);
  });

  it('keeps the last measurement once the re-runs are used up', async () => {
    const { runners } = scripted([9, 8, 7]);
    const result = await executeTrial(job({ steal_max_pct: 2, steal_max_reruns: 2 }), { runners, identity });
    assert.equal(result.repeats[0]?.discarded.length, 2);
    assert.equal(result.repeats[0]?.workloads[0]?.steal_pct, 7);
  });

  it('gives each repeat its own seed and passes the worker CPU sets and the environment', async () => {
    const { runners, contexts } = scripted([0, 0, 0]);
    await executeTrial(job({ repeats: 3, seed: 40, env: { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' } }), { runners, identity });
    assert.deepEqual(contexts.map((c) => c.seed), [40, 41, 42]);
    assert.equal(contexts[0]?.cpus, '1');
    assert.equal(contexts[0]?.clientCpus, '0');
    assert.equal(contexts[0]?.env['GLIBC_TUNABLES'], 'glibc.malloc.arena_max=1');
    assert.equal(contexts[0]?.env['LD_PRELOAD'], undefined, 'glibc needs no preload');
  });

  it('turns a non-retryable error into a failed result that keeps the finished repeats', async () => {
    const crash = new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target: 'command:x', reason: 'killed by SIGSEGV' });
    const { runners } = scripted([0, crash]);
    const result = await executeTrial(job({ repeats: 3 }), { runners, identity });
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'ALLOCTUNE_ERR_TARGET_CRASHED');
    assert.match(result.error?.message ?? '', /SIGSEGV/);
    assert.equal(result.repeats.length, 1);
  });

  it('throws a retryable error so that the queue runs the trial again', async () => {
    const { runners } = scripted([new AlloctuneError('ALLOCTUNE_ERR_REDIS_UNAVAILABLE', { reason: 'gone' })]);
    await assert.rejects(executeTrial(job(), { runners, identity }), { code: 'ALLOCTUNE_ERR_REDIS_UNAVAILABLE' });
  });

  it('an abort mid-measurement is a retryable WORKER_LOST, even if the runner saw a crash', async () => {
    // The target killed by the abort looks like a crash to a runner; it is no verdict on the config.
    const abort = new AbortController();
    const crash = new AlloctuneError('ALLOCTUNE_ERR_TARGET_CRASHED', { target: 'command:x', reason: 'killed by SIGKILL' });
    const runners: RunnerSet = {
      command: { kind: 'command', run: async () => { abort.abort(); throw crash; } },
    };
    await assert.rejects(executeTrial(job(), { runners, identity, signal: abort.signal }), (err: AlloctuneError) => {
      assert.equal(err.code, 'ALLOCTUNE_ERR_WORKER_LOST');
      assert.equal(err.retryable, true);
      assert.equal(err.cause, crash);
      return true;
    });
  });

  it('fails the trial when the worker lacks the runner or the allocator library', async () => {
    const noRunner = await executeTrial(job({ workloads: [{ kind: 'harness', workload: 'larson' }] }), { runners: {}, identity });
    assert.equal(noRunner.error?.code, 'ALLOCTUNE_ERR_SETUP');
    const noLib = await executeTrial(job({ allocator: 'hakmem' }), { runners: scripted([0]).runners, identity, libraries: {} });
    assert.equal(noLib.error?.code, 'ALLOCTUNE_ERR_LIBRARY_MISSING');
  });
});
