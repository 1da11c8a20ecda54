import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openDashboardBrowser } from '../helpers/dashboard-browser.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { until, type CliProcess } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { expectedFidelity, syntheticTrace, writeTrace } from '../helpers/write-trace.js';

// Debian's Chromium against a live service, a real Redis and a real worker: a campaign that explores
// on a recorded trace standing in for the harness workload (explore_with) and confirms on the
// harness itself. The page must show each replay's fidelity with the worker's figures, which rows
// are replays and which are the program, and the export's found-on/confirmed-on line.
const dir = mkdtempSync(join(tmpdir(), 'alloctune-dashboard-trace-'));
const artifacts = join(REPO_ROOT, 'test-artifacts', 'dashboard');
const calls = syntheticTrace({ threads: 2, calls: 3000, seed: 5 });
// The trace is synthetic, so is its "original run": the sidecar says the recorded program peaked at
// 6 MiB under jemalloc; the ratio the page shows is the worker's replay peak against that figure.
const ORIGINAL_PEAK_RSS_KB = 6144;

const spec = smallCampaign({
  name: 'dashboard trace',
  workloads: [{ kind: 'harness', workload: 'fragmentation', label: 'frag', args: { 'target-mb': 8, 'snapshot-ms': '0,300' } }],
  explore_with: { workloads: [{ kind: 'trace', trace: 'app', label: 'frag', snapshot_offsets_ms: [300] }], note: 'replay of a recorded trace' },
  constraints: [],
  budget: { trials: 2, minutes: 10 },
  duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 7 } },
  distill: { enabled: false },
} as unknown as Parameters<typeof smallCampaign>[0]);

type Api = { trials: { trial_id: string; role: string; fidelity?: 'low' }[] };
let env: ServiceWithWorkers;
let worker: CliProcess;
let context: BrowserContext;
let page: Page;
let campaignId = '';
const pageErrors: string[] = [];

async function get<T>(path: string): Promise<T> {
  const res = await env.request('GET', path);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as T;
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  const traces = join(dir, 'traces');
  mkdirSync(traces);
  writeTrace(traces, 'app', calls, {
    sidecar: { schema: 'alloctune.trace-sidecar/1', name: 'app', recorded_at: '2026-12-01T00:00:00.000Z', command: ['/usr/bin/app'], exit_code: 0, signal: null, wall_ms: 40, peak_rss_kb: ORIGINAL_PEAK_RSS_KB, allocator: 'jemalloc', allocator_env: {}, follow_forks: false, follow_exec: false },
  });
  env = await startServiceWithWorkers();
  const res = await env.request('POST', '/v1/campaigns', spec);
  assert.equal(res.statusCode, 201, res.body);
  campaignId = (res.json() as { campaign: { id: string } }).campaign.id;
  worker = await env.startWorker('trace-w1', { config: { traces_dir: traces } });
  ({ context, page } = await openDashboardBrowser(dir, pageErrors));
  await until('the campaign finished', async () => {
    const c = (await get<{ campaign: { state: string } }>(`/v1/campaigns/${campaignId}`)).campaign;
    return c.state === 'finished' || c.state === 'failed' ? c.state : undefined;
  }, 180_000, worker.log);
});

after(async () => {
  await context?.close();
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: a campaign explored on a trace stand-in (Chromium, real worker)', () => {
  it('marks which leaderboard and trial rows are replays (explore fidelity) and which ran the program', async () => {
    await page.goto(`${env.service.url}/#/campaign/${campaignId}`);
    await until('the page to show the finished campaign', async () => (await page.locator('#campaign-phase').getAttribute('data-phase')) === 'finished');
    const board = await get<{ rows: { arm: string; fidelity?: 'low' }[] }>(`/v1/campaigns/${campaignId}/leaderboard`);
    await until('every leaderboard row', async () => (await page.locator('#leaderboard-table tbody tr').count()) === board.rows.length);
    for (const row of board.rows) {
      const mark = page.locator(`#leaderboard-table tr[data-arm="${row.arm}"] .fidelity`);
      assert.equal(await mark.getAttribute('data-fidelity'), row.fidelity ?? 'full', `leaderboard ${row.arm}`);
      assert.equal(await mark.innerText(), row.fidelity === 'low' ? 'explore fidelity: trace replay' : 'full fidelity');
    }
    assert.ok(board.rows.some((r) => r.fidelity === 'low') && board.rows.some((r) => r.fidelity === undefined), `both fidelities on the board: ${JSON.stringify(board.rows.map((r) => [r.arm, r.fidelity]))}`);

    const { trials } = await get<Api>(`/v1/campaigns/${campaignId}/trials`);
    await until('every trial row', async () => (await page.locator('#trials-table tbody tr').count()) === trials.length);
    for (const t of trials) {
      assert.equal(await page.locator(`#trials-table tr[data-trial="${t.trial_id}"] .fidelity`).getAttribute('data-fidelity'), t.fidelity ?? 'full', t.trial_id);
      // What the worker ran decides the mark: replays for explore_with trials, the harness for duels.
      assert.equal(t.fidelity === 'low', t.role !== 'duel', `${t.trial_id} (${t.role})`);
    }
    await page.locator('#leaderboard-table').screenshot({ path: join(artifacts, '20-trace-leaderboard.png') });
  });

  it('shows a replay\'s fidelity in the trial detail with the worker\'s figures, and none for a program run', async () => {
    const { trials } = await get<Api>(`/v1/campaigns/${campaignId}/trials`);
    const replay = trials.find((t) => t.role === 'explore' && t.fidelity === 'low');
    assert.ok(replay, 'an explored replay');
    await page.locator(`#trials-table tr[data-trial="${replay.trial_id}"] .detail-button`).click();
    await until('the fidelity section', async () => (await page.locator('#trace-fidelity-table tbody tr').count()) >= 1);
    type Fidelity = { recorded: { ops: number; peak_live_bytes: number }; replayed: { ops: number; peak_live_bytes: number }; match: boolean; original: { peak_rss_bytes: number; replay_peak_rss_bytes: number; peak_rss_ratio: number; same_allocator: boolean } };
    const detail = await get<{ results: { repeats: { index: number; workloads: { kind: string; details: { fidelity: Fidelity; pace: string } }[] }[] }[] }>(`/v1/campaigns/${campaignId}/trials/${replay.trial_id}`);
    const repeats = detail.results[0]?.repeats ?? [];
    assert.equal(await page.locator('#trace-fidelity-table tbody tr').count(), repeats.length, 'one row per repeat');
    // The figures the worker stored are the trace's own: computed here from the calls written.
    const truth = expectedFidelity(calls);
    for (const r of repeats) {
      const f = r.workloads.find((w) => w.kind === 'trace')?.details.fidelity;
      assert.ok(f);
      assert.deepEqual([f.recorded.ops, f.recorded.peak_live_bytes], [truth.ops, truth.peak_live_bytes]);
      assert.equal(f.original.peak_rss_bytes, ORIGINAL_PEAK_RSS_KB * 1024);
      const row = page.locator(`#trace-fidelity-table tr[data-repeat="${r.index}"]`);
      assert.equal(await row.getAttribute('data-match'), String(f.match));
      const mark = f.recorded.ops === f.replayed.ops ? 'match' : 'MISMATCH';
      assert.match(await row.locator('td[data-figure="ops"]').innerText(), new RegExp(`^${f.recorded.ops.toLocaleString('en')} → ${f.replayed.ops.toLocaleString('en')} ${mark}`));
      assert.match(await row.locator('td[data-figure="peak_live"]').innerText(), new RegExp(`^${f.recorded.peak_live_bytes.toLocaleString('en')} bytes .*→ ${f.replayed.peak_live_bytes.toLocaleString('en')} bytes .*${f.recorded.peak_live_bytes === f.replayed.peak_live_bytes ? 'match' : 'MISMATCH'}`));
      assert.equal(await row.locator('td[data-figure="rss_ratio"]').innerText(), `${f.original.peak_rss_ratio.toFixed(2)}×`);
      const text = await row.innerText();
      assert.match(text, new RegExp(`replay peak RSS ${f.original.replay_peak_rss_bytes.toLocaleString('en')} bytes .* vs the recorded program's peak RSS ${(ORIGINAL_PEAK_RSS_KB * 1024).toLocaleString('en')} bytes .*under jemalloc: same allocator as this replay`));
      assert.match(text, f.match ? /reproduced the recording/ : /FIDELITY LOST/);
      assert.match(text, new RegExp(`${r.workloads.find((w) => w.kind === 'trace')?.details.pace}: `));
    }
    assert.equal(await page.locator('#trial-fidelity .fidelity').innerText(), 'explore fidelity: trace replay');
    await page.locator('#trial-detail').screenshot({ path: join(artifacts, '21-trace-trial-detail.png') });

    const program = trials.find((t) => t.role === 'duel');
    assert.ok(program);
    await page.locator(`#trials-table tr[data-trial="${program.trial_id}"] .detail-button`).click();
    await until('the duel trial detail', async () => (await page.locator('#trial-detail-title').innerText()).startsWith(`Trial ${program.trial_id}:`) && (await page.locator('#trial-repeats tbody tr').count()) >= 1);
    assert.equal(await page.locator('#trace-fidelity').count(), 0, 'a harness run has no replay fidelity');
    assert.equal(await page.locator('#trial-fidelity .fidelity').innerText(), 'full fidelity');
  });

  it('states in the decision what the winner was found on and what it was confirmed on', async () => {
    const evidence = await get<{ fidelity: { found_on: string; confirmed_on: string; explore_workloads: string; confirm_workloads: string } }>(`/v1/campaigns/${campaignId}/export?format=json`);
    assert.equal(evidence.fidelity.found_on, 'low');
    await until('the found-on line', async () => (await page.locator('#decision-fidelity').count()) === 1);
    const line = await page.locator('#decision-fidelity').innerText();
    assert.ok(line.includes(`low-fidelity workloads ${evidence.fidelity.explore_workloads};`), line);
    assert.ok(line.includes(`confirmed on the full-fidelity ones ${evidence.fidelity.confirm_workloads}`), line);
    assert.match(line, /frag trace app \(asap\) \(replay of a recorded trace\)/);
    await page.locator('#decision-panel').screenshot({ path: join(artifacts, '22-trace-decision.png') });
    assert.deepEqual(pageErrors, []);
  });
});
