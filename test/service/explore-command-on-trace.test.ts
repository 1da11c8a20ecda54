import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { listTrialResults } from '../../src/store/trial-result-store.js';
import { until, type CliProcess } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';

// Explore on a recorded trace, confirm on the real program (issue 20), for an allow-listed command:
// python3 running a threaded script is recorded once by `alloctune trace record`, the replay of that
// recording stands in for the command under its label during exploration, and the confirmation
// duels run the command itself. The replay reports the objective under the command's label.

const SCRIPT = `
import threading
def work(k):
    for r in range(2):
        d = {f"{k}-{r}-{i}": "x" * (64 + i % 900) for i in range(1500)}
        l = [bytes(2000 + i % 3000) for i in range(800)]
        del d, l
threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
for t in threads: t.start()
for t in threads: t.join()
`;
const PYTHON = '/usr/bin/python3';
const LABEL = 'command:py-churn';
const COMMAND = { kind: 'command', name: 'py-churn' };
const standIn = (over: Record<string, unknown> = {}) => ({ kind: 'trace', trace: 'py-churn', label: LABEL, snapshot_offsets_ms: [0], ...over });

describe('explore on a trace, confirm on an allow-listed command (real worker, real recording)', () => {
  let env: ServiceWithWorkers;
  let worker: CliProcess;
  let dir: string;
  let sidecar: { peak_rss_kb: number; command: unknown };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alloctune-explore-command-'));
    const script = join(dir, 'churn.py');
    writeFileSync(script, SCRIPT);
    const traces = join(dir, 'traces');
    const recorded = await runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'trace', 'record', 'py-churn', '--traces', traces, '--', PYTHON, script], {
      env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    });
    assert.equal(recorded.exitCode, 0, recorded.stderr);
    sidecar = JSON.parse(readFileSync(join(traces, 'py-churn.json'), 'utf8')) as { peak_rss_kb: number; command: unknown };
    // Recorded from the very program the worker allow-lists.
    assert.deepEqual(sidecar.command, [PYTHON, script]);
    env = await startServiceWithWorkers();
    worker = await env.startWorker('explore-command-w1', { config: { traces_dir: traces, commands: { 'py-churn': { argv: [PYTHON, script], timeout_ms: 60_000 } } } });
  });
  after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const spec = (low: Record<string, unknown>, objective: string, exploreObjective?: string) =>
    smallCampaign({
      name: 'explore a command on its trace',
      workloads: [COMMAND],
      explore_with: { workloads: [low], note: 'replay of python3 recorded once', ...(exploreObjective === undefined ? {} : { objective: exploreObjective }) },
      objective: { metric: objective, direction: 'min' },
      constraints: [],
      budget: { trials: 2, minutes: 10 },
      duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 7 } },
      distill: { enabled: false },
    } as unknown as Parameters<typeof smallCampaign>[0]);

  it('refuses to rank exploration by what the replay cannot report: the command\'s peak RSS (naming the replay\'s) or a number the program prints', async () => {
    const bare = await env.request('POST', '/v1/campaigns', spec(standIn(), `${LABEL}.max_rss_bytes`));
    assert.equal(bare.statusCode, 400, bare.body);
    const issues = (bare.json() as { issues: { path: string; message: string }[] }).issues;
    assert.ok(issues.some((p) => p.path === 'body.explore_with.workloads.0' && /does not report 'max_rss_bytes' \(the objective\).*set explore_with\.objective to 'command:py-churn\.peak_rss_bytes'/.test(p.message)), bare.body);
    const printed = await env.request('POST', '/v1/campaigns', spec(standIn(), `${LABEL}.ops_per_s`));
    assert.equal(printed.statusCode, 400, printed.body);
    assert.match(printed.body, /'ops_per_s' \(the objective\) is a number command:py-churn prints itself/);
  });

  it('explores on replays of the recording and confirms on python3; the export says both', async () => {
    const res = await env.request('POST', '/v1/campaigns', spec(standIn(), `${LABEL}.max_rss_bytes`, `${LABEL}.peak_rss_bytes`));
    assert.equal(res.statusCode, 201, res.body);
    const id = (res.json() as { campaign: { id: string } }).campaign.id;
    const state = await until('the campaign finished', async () => {
      const c = ((await env.request('GET', `/v1/campaigns/${id}`)).json() as { campaign: { state: string } }).campaign;
      return c.state === 'finished' || c.state === 'failed' ? c.state : undefined;
    }, 240_000, worker.log);
    assert.equal(state, 'finished');
    const trials = ((await env.request('GET', `/v1/campaigns/${id}/trials`)).json() as { trials: { trial_id: string; role: string; fidelity?: string; state: string; score: { objective?: number } }[] }).trials;
    const results = new Map((await listTrialResults(env.redis, id)).map((r) => [r.trial_id, r]));
    const measured = (trialId: string) => (results.get(trialId)?.repeats ?? []).flatMap((r) => r.workloads);
    const explored = trials.filter((t) => t.role !== 'duel');
    const dueled = trials.filter((t) => t.role === 'duel');
    assert.ok(explored.length >= 3 && dueled.length >= 6, `trials: ${trials.map((t) => `${t.trial_id}:${t.role}:${t.state}`).join(' ')}`);
    for (const t of explored) {
      assert.equal(t.fidelity, 'low', `${t.trial_id} (${t.role}) is a low-fidelity trial`);
      assert.equal(t.state, 'completed', `${t.trial_id} (${t.role})`);
      const m = measured(t.trial_id);
      assert.deepEqual([...new Set(m.map((w) => `${w.kind} ${w.label}`))], [`trace ${LABEL}`], `${t.trial_id} replayed the trace under the command's label`);
      // The replay of the recording: every recorded call, the recording's peak live bytes.
      for (const w of m) assert.equal((w.details as { fidelity?: { match?: boolean } }).fidelity?.match, true, `${t.trial_id}: faithful replay`);
      assert.equal(t.score.objective, results.get(t.trial_id)?.summary[`${LABEL}.peak_rss_bytes`]?.mean, `${t.trial_id} scored on the replay's peak RSS`);
      assert.equal(results.get(t.trial_id)?.summary[`${LABEL}.max_rss_bytes`], undefined, `${t.trial_id} did not run the program`);
    }
    for (const t of dueled) {
      assert.equal(t.fidelity, undefined, `${t.trial_id} is full fidelity`);
      assert.equal(t.state, 'completed', `${t.trial_id} (${t.role})`);
      const m = measured(t.trial_id);
      assert.deepEqual([...new Set(m.map((w) => `${w.kind} ${w.label} ${String((w.details as { argv0?: string }).argv0)}`))], [`command ${LABEL} ${PYTHON}`], `${t.trial_id} ran python3`);
      for (const w of m) assert.match(w.allocator.path ?? '', /libjemalloc\.so\.2$/, `${t.trial_id}: jemalloc served python3's malloc()`);
      const rss = results.get(t.trial_id)?.summary[`${LABEL}.max_rss_bytes`]?.mean;
      assert.ok(rss !== undefined && rss > 1e6, `${t.trial_id}: max_rss_bytes ${rss}`);
      assert.equal(t.score.objective, rss, `${t.trial_id} scored on the campaign's objective, the program's peak RSS`);
    }
    const evidence = (await (await env.request('GET', `/v1/campaigns/${id}/export?format=json`)).json()) as {
      fidelity?: { found_on: string; confirmed_on: string; explore_workloads: string; confirm_workloads: string };
      trace_fidelity: { workload: string; trace: string; match: boolean; original_peak_rss_bytes: number | null }[];
    };
    assert.equal(evidence.fidelity?.found_on, 'low');
    assert.equal(evidence.fidelity?.confirmed_on, 'full');
    assert.equal(evidence.fidelity?.explore_workloads, `${LABEL} trace py-churn (asap) (replay of python3 recorded once)`);
    assert.equal(evidence.fidelity?.confirm_workloads, `${LABEL} command py-churn`);
    // The replay the export vouches for is of this recording: the original peak RSS is its sidecar's.
    assert.deepEqual(evidence.trace_fidelity.map((f) => [f.workload, f.trace, f.match, f.original_peak_rss_bytes]), [[LABEL, 'py-churn', true, sidecar.peak_rss_kb * 1024]]);
    const text = await env.request('GET', `/v1/campaigns/${id}/export?format=env&with_evidence=true`);
    assert.match(text.body, /^# fidelity: found on the low-fidelity workloads command:py-churn trace py-churn \(asap\) \(replay of python3 recorded once\); confirmed on the full ones command:py-churn command py-churn$/m);
  });
});
