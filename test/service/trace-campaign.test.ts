import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TrialResult } from '../../src/core/trial-result.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { until, type CliProcess } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { expectedFidelity, syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// A campaign on a trace workload, end to end with a real service, Redis and `alloctune worker`
// replaying with tracereplay under jemalloc: refused for a trace no worker has, failed at once for
// a corrupt and for a truncated file (the worker carries on), and run to the end on a good trace
// with the fidelity block in every measurement, in GET trial and in the export.

const ORIGINAL_PEAK_RSS_KB = 40_000;
const program = syntheticTrace({ threads: 2, calls: 3000, seed: 8 });

describe('campaign on a trace workload (real worker)', () => {
  let env: ServiceWithWorkers;
  let worker: CliProcess;
  let traces: string;

  before(async () => {
    traces = mkdtempSync(join(tmpdir(), 'alloctune-trace-campaign-'));
    writeTrace(traces, 'program', program, { sidecar: { command: ['test-program'], exit_status: 0, peak_rss_kb: ORIGINAL_PEAK_RSS_KB, allocator: 'jemalloc' } });
    const good = readFileSync(join(traces, 'program.trace'));
    const corrupt = Buffer.from(good);
    corrupt[corrupt.length - 200] = (corrupt[corrupt.length - 200] ?? 0) ^ 0xff;
    writeFileSync(join(traces, 'corrupt.trace'), corrupt);
    writeFileSync(join(traces, 'cut.trace'), good.subarray(0, good.length - 1000));
    env = await startServiceWithWorkers();
    worker = await env.startWorker('trace-w1', { config: { traces_dir: traces } });
  });
  after(async () => {
    await env.close();
    rmSync(traces, { recursive: true, force: true });
  });

  const spec = (trace: string, overrides = {}) =>
    smallCampaign({
      name: `trace ${trace}`,
      workloads: [{ kind: 'trace', trace, snapshot_offsets_ms: [0] }],
      objective: { metric: 'peak_rss_bytes', direction: 'min' },
      constraints: [],
      budget: { trials: 3, minutes: 10 },
      duel: { candidates: 1, pairs: 6, confirm: { rule: 'fixed' } },
      distill: { enabled: false },
      ...overrides,
    });

  const state = async (id: string) => ((await env.request('GET', `/v1/campaigns/${id}`)).json() as { campaign: { state: string; stop_reason?: string } }).campaign;

  it('advertises the traces and refuses a campaign naming one no live worker has, with the nearest name', async () => {
    const res = await env.request('POST', '/v1/campaigns', spec('progam'));
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json() as { issues?: Array<{ path: string; message: string }> };
    const problem = body.issues?.find((p) => p.path === 'body.workloads.0.trace');
    assert.ok(problem, res.body);
    assert.match(problem.message, /no live worker has trace 'progam'; did you mean 'program'\? \(traces: corrupt, cut, program/);
  });

  for (const { trace, words } of [
    { trace: 'corrupt', words: /invalid trace: 'corrupt' is corrupt: block at offset \d+: CRC 0x[0-9a-f]+ does not match/ },
    { trace: 'cut', words: /invalid trace: 'cut' is truncated: file ends at offset \d+ inside the block at offset \d+/ },
  ]) {
    it(`a ${trace} trace file is a failed baseline naming the defect, and the campaign fails at once`, async () => {
      const res = await env.request('POST', '/v1/campaigns', spec(trace));
      assert.equal(res.statusCode, 201, res.body);
      const id = (res.json() as { campaign: { id: string } }).campaign.id;
      await until(`campaign on ${trace} failed`, async () => ((await state(id)).state === 'failed' ? true : undefined), 120_000, worker.log);
      const results = await listTrialResults(env.redis, id);
      const baseline = results.find((r) => r.status === 'failed');
      assert.equal(baseline?.error?.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
      assert.match(baseline?.error?.message ?? '', words);
    });
  }

  it('runs a campaign on the good trace to the end on the same worker, fidelity in every measurement, GET trial and the export', async () => {
    const res = await env.request('POST', '/v1/campaigns', spec('program'));
    assert.equal(res.statusCode, 201, res.body);
    const id = (res.json() as { campaign: { id: string } }).campaign.id;
    await until(`campaign ${id} finished`, async () => ((await state(id)).state === 'finished' ? true : undefined), 300_000, worker.log);
    const completed: TrialResult[] = (await listTrialResults(env.redis, id)).filter((r) => r.status === 'completed');
    assert.ok(completed.length >= 4, `completed trials: ${completed.length}`);
    const want = expectedFidelity(program);
    for (const r of completed) {
      assert.equal(/background_thread:true/.test(r.env['MALLOC_CONF'] ?? ''), r.config['background_thread'] === true, `${r.trial_id}: the job env is the chosen config's`);
      for (const m of r.repeats.flatMap((rep) => rep.workloads)) {
        assert.equal(m.kind, 'trace');
        assert.equal(m.allocator.name, 'jemalloc');
        // A plain trace campaign stands in for nothing: the replay runs the config exactly as chosen.
        assert.equal(m.allocator.options['background_thread'], r.config['background_thread'] === true, `${r.trial_id} reads back the chosen background_thread`);
        const fidelity = (m.details as { fidelity: { match: boolean; replayed: { ops: number; peak_live_bytes: number }; original: { peak_rss_ratio: number; same_allocator: boolean } } }).fidelity;
        assert.equal(fidelity.match, true);
        assert.deepEqual({ ops: fidelity.replayed.ops, peak_live_bytes: fidelity.replayed.peak_live_bytes }, want);
        assert.equal(fidelity.original.same_allocator, true);
        assert.equal(fidelity.original.peak_rss_ratio, (m.metrics['peak_rss_bytes'] ?? NaN) / (ORIGINAL_PEAK_RSS_KB * 1024));
      }
      assert.ok((r.summary['trace:program.peak_rss_bytes']?.n ?? 0) >= 1);
      assert.ok((r.summary['trace:program.ops_per_cpu_s']?.mean ?? 0) > 0);
    }
    const first = completed[0] as TrialResult;
    const detail = (await env.request('GET', `/v1/campaigns/${id}/trials/${first.trial_id}`)).json() as { results: TrialResult[] };
    const served = detail.results[0]?.repeats[0]?.workloads[0]?.details as { fidelity?: { match: boolean } } | undefined;
    assert.equal(served?.fidelity?.match, true, 'GET trial carries the fidelity block');
    const exported = (await env.request('GET', `/v1/campaigns/${id}/export?format=json`)).json() as { trace_fidelity?: Array<{ trace: string; match: boolean; recorded_ops: number; summary: string }> };
    const block = exported.trace_fidelity?.[0];
    assert.equal(block?.trace, 'program', JSON.stringify(exported).slice(0, 400));
    assert.equal(block?.match, true);
    assert.equal(block?.recorded_ops, want.ops);
    assert.match(block?.summary ?? '', /^replay of trace 'program': 3000 of 3000 ops, peak live .*; peak RSS \d+\.\d\dx the original program's under the same allocator \(traced run\); no untraced original under jemalloc to compare with: the sidecar has no reference run under any allocator/);
    assert.equal(worker.proc.child.exitCode, null, 'the worker is still running');
  });
});
