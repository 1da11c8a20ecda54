import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { until, type CliProcess } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// Explore on a recorded trace, confirm on the real program (issue 20): the trace workload stands in
// for the Redis workload under its label during exploration (baseline, placebo and proposals are
// replays), while the confirmation duels run real redis-server; the export says on what the winner
// was found and on what it was confirmed. A stand-in that cannot report the objective is a 400.

const REDIS = {
  kind: 'redis',
  options: { load: [{ value_bytes: 64, keys: 3000 }], snapshot_offsets_ms: [300], throughput: { enabled: false }, latency: { enabled: false } },
};
const NET = 'redis.rss_above_baseline_bytes_at_300ms';
const standIn = (over: Record<string, unknown> = {}) => ({ kind: 'trace', trace: 'redis-like', label: 'redis', snapshot_offsets_ms: [300], ...over });

describe('explore on a trace, confirm on real Redis (real worker)', () => {
  let env: ServiceWithWorkers;
  let worker: CliProcess;
  let traces: string;

  before(async () => {
    traces = mkdtempSync(join(tmpdir(), 'alloctune-explore-trace-'));
    writeTrace(traces, 'redis-like', syntheticTrace({ threads: 2, calls: 4000, seed: 3 }));
    env = await startServiceWithWorkers();
    worker = await env.startWorker('explore-trace-w1', { config: { traces_dir: traces } });
  });
  after(async () => {
    await env.close();
    rmSync(traces, { recursive: true, force: true });
  });

  const spec = (low: Record<string, unknown>, objective?: string) =>
    smallCampaign({
      name: 'explore on a trace',
      workloads: [REDIS],
      explore_with: { workloads: [low], note: 'replay of a recorded trace', ...(objective === undefined ? {} : { objective }) },
      objective: { metric: 'redis.rss_bytes_at_300ms', direction: 'min' },
      constraints: [],
      budget: { trials: 2, minutes: 10 },
      duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 7 } },
      distill: { enabled: false },
    } as unknown as Parameters<typeof smallCampaign>[0]);

  it('refuses a stand-in under another label, and one that does not take the objective\'s snapshot', async () => {
    const res = await env.request('POST', '/v1/campaigns', spec(standIn({ label: 'other' })));
    assert.equal(res.statusCode, 400, res.body);
    const issues = (res.json() as { issues: { path: string; message: string }[] }).issues;
    assert.ok(issues.some((p) => p.path === 'body.explore_with.workloads.0' && /or a trace workload with "label": "redis" standing in for it/.test(p.message)), res.body);
    const offsets = await env.request('POST', '/v1/campaigns', spec(standIn({ snapshot_offsets_ms: [0] })));
    assert.equal(offsets.statusCode, 400, offsets.body);
    assert.match(offsets.body, /explore_with\.workloads\.0\.snapshot_offsets_ms[^}]*must include 300 for 'rss_bytes_at_300ms'/);
    const wrongWay = await env.request('POST', '/v1/campaigns', spec(standIn(), 'redis.ops_per_cpu_s'));
    assert.equal(wrongWay.statusCode, 400, wrongWay.body);
    assert.match(wrongWay.body, /explore_with\.objective[^}]*better higher, but the objective is to minimize/);
  });

  it('explores on replays (with Redis\'s background thread, ranked net of the replayer) and confirms on redis-server; the export says both', async () => {
    const res = await env.request('POST', '/v1/campaigns', spec(standIn(), NET));
    assert.equal(res.statusCode, 201, res.body);
    const id = (res.json() as { campaign: { id: string } }).campaign.id;
    await until('the campaign finished', async () => {
      const c = ((await env.request('GET', `/v1/campaigns/${id}`)).json() as { campaign: { state: string } }).campaign;
      return c.state === 'finished' || c.state === 'failed' ? c.state : undefined;
    }, 240_000, worker.log);
    const trials = ((await env.request('GET', `/v1/campaigns/${id}/trials`)).json() as { trials: { trial_id: string; role: string; fidelity?: string; state: string; config: Record<string, unknown>; score: { objective?: number } }[] }).trials;
    const results = new Map((await listTrialResults(env.redis, id)).map((r) => [r.trial_id, r]));
    const kindsOf = (trialId: string) => [...new Set((results.get(trialId)?.repeats ?? []).flatMap((r) => r.workloads.map((w) => w.kind)))];
    const explored = trials.filter((t) => t.role !== 'duel');
    const dueled = trials.filter((t) => t.role === 'duel');
    assert.ok(explored.length >= 3 && dueled.length >= 6, `trials: ${trials.map((t) => `${t.trial_id}:${t.role}`).join(' ')}`);
    for (const t of explored) {
      assert.equal(t.fidelity, 'low', `${t.trial_id} (${t.role}) is a low-fidelity trial`);
      assert.deepEqual(kindsOf(t.trial_id), ['trace'], `${t.trial_id} (${t.role}) replayed the trace`);
      // Redis forces jemalloc's background thread on: the replay standing in for it runs with it, the config stays the sampler's.
      const result = results.get(t.trial_id);
      assert.equal(t.config['background_thread'], undefined, `${t.trial_id}: background_thread is not searched for Redis`);
      assert.match(result?.env['MALLOC_CONF'] ?? '', /(^|,)background_thread:true$/, `${t.trial_id} job env`);
      for (const m of (result?.repeats ?? []).flatMap((r) => r.workloads)) assert.equal(m.allocator.options['background_thread'], true, `${t.trial_id}: jemalloc read back background_thread`);
      // Exploration is ranked on the explore objective, the replay's RSS net of its own tables.
      const net = result?.summary[NET]?.mean;
      assert.ok(net !== undefined && net < (result?.summary['redis.rss_bytes_at_300ms']?.mean ?? 0), `${t.trial_id}: ${NET} ${net}`);
      if (t.state === 'completed') assert.equal(t.score.objective, net, `${t.trial_id} scored on ${NET}`);
    }
    for (const t of dueled) {
      assert.equal(t.fidelity, undefined, `${t.trial_id} is full fidelity`);
      assert.deepEqual(kindsOf(t.trial_id), ['redis'], `${t.trial_id} ran redis-server`);
      assert.equal(t.score.objective, results.get(t.trial_id)?.summary['redis.rss_bytes_at_300ms']?.mean, `${t.trial_id} scored on the campaign's objective`);
    }
    // Both sides report the objective under one key: the stand-in's replay RSS, the duels' redis-server RSS.
    for (const t of trials) assert.ok((results.get(t.trial_id)?.summary['redis.rss_bytes_at_300ms']?.mean ?? 0) > 0, `${t.trial_id} has redis.rss_bytes_at_300ms`);
    const evidence = (await (await env.request('GET', `/v1/campaigns/${id}/export?format=json`)).json()) as { fidelity?: { found_on: string; confirmed_on: string; explore_workloads: string; confirm_workloads: string } };
    assert.equal(evidence.fidelity?.found_on, 'low');
    assert.equal(evidence.fidelity?.confirmed_on, 'full');
    assert.match(evidence.fidelity?.explore_workloads ?? '', /^redis trace redis-like \(asap\) \(replay of a recorded trace\)$/);
    assert.match(evidence.fidelity?.confirm_workloads ?? '', /^redis \[\{"value_bytes":64,"keys":3000\}\]$/);
  });
});
