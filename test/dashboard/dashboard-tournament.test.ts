import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { openDashboardBrowser } from '../helpers/dashboard-browser.js';
import type { TournamentSpecInput } from '../../src/core/tournament-spec.js';
import type { TournamentView } from '../../src/core/tournament-view.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { until, type CliProcess } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';

// Debian's Chromium against a live service, a real Redis and a real worker running a tiny tournament
// (glibc against jemalloc, larson swept over 1 and 2 threads): the page lists, per thread count, the
// standings with their intervals, what switching is worth against tuning, and links to the children.
const dir = mkdtempSync(join(tmpdir(), 'alloctune-dashboard-tournament-'));
const artifacts = join(REPO_ROOT, 'test-artifacts', 'dashboard');

const spec: TournamentSpecInput = {
  name: 'dashboard tournament',
  allocators: ['glibc', 'jemalloc'],
  threads: [1, 2],
  workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 200 } }],
  objective: { metric: 'peak_rss_bytes', direction: 'min' },
  budget: { trials: 4, minutes: 5 },
  repeats: 1,
  duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 8 } },
  distill: { enabled: false },
  sampler: 'random',
  seed: 5,
};

type WorthLine = NonNullable<TournamentView['per_threads'][number]['worth']>['switch'];
let env: ServiceWithWorkers;
let worker: CliProcess;
let context: BrowserContext;
let page: Page;
let tournamentId = '';
let board: TournamentView;
const pageErrors: string[] = [];

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  env = await startServiceWithWorkers();
  const res = await env.request('POST', '/v1/tournaments', spec);
  assert.equal(res.statusCode, 201, res.body);
  tournamentId = (res.json() as { tournament: { id: string } }).tournament.id;
  worker = await env.startWorker('tour-w1');
  ({ context, page } = await openDashboardBrowser(dir, pageErrors));
});

after(async () => {
  await context?.close();
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard: a tournament (Chromium, real worker)', () => {
  it('lists the tournament and opens its page while it runs', async () => {
    await page.goto(`${env.service.url}/#/tournaments`);
    const row = page.locator(`#tournaments-table tr[data-tournament="${tournamentId}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.match(await row.innerText(), /dashboard tournament[\s\S]*glibc, jemalloc[\s\S]*1, 2[\s\S]*(running|finished)/);
    await row.locator('a').click();
    await until('the tournament page', async () => (await page.locator('#tournament-title').innerText()).startsWith('dashboard tournament'));
    assert.equal(await page.locator('section.tournament-threads').count(), 2, 'one section per thread count');
  });

  it('shows per thread count the standings with intervals, switch-vs-tune, and the children, as the API says', async () => {
    await until('the tournament finished', async () => {
      const v = (await env.request('GET', `/v1/tournaments/${tournamentId}/leaderboard`)).json() as TournamentView;
      return v.state === 'finished' || v.state === 'failed' ? v : undefined;
    }, 300_000, worker.log);
    await until('the page to show it finished', async () => (await page.locator('#tournament-state').getAttribute('data-state')) === 'finished');
    board = (await env.request('GET', `/v1/tournaments/${tournamentId}/leaderboard`)).json() as TournamentView;
    assert.equal(board.state, 'finished', board.stop_reason);
    // One sentence per thread count at the top (the worth headlines); the sections hold the figures.
    assert.deepEqual(await page.locator('#tournament-headline li').allInnerTexts(), board.headline);
    for (const t of board.per_threads) {
      const section = page.locator(`section.tournament-threads[data-threads="${t.threads}"]`);
      assert.equal(await section.locator('h2').innerText(), `${t.threads} thread${t.threads === 1 ? '' : 's'}`);
      // Which worker ran which blocks, as the API says (one worker here: all of them).
      const status = await section.locator('.round-status').innerText();
      assert.deepEqual(t.round.workers.map((w) => w.worker), ['tour-w1']);
      for (const w of t.round.workers) assert.ok(status.includes(`${w.worker}: block${w.blocks.length === 1 ? '' : 's'} ${w.blocks.join(', ')}`), status);
      const rows = section.locator('.tournament-ranking tbody tr');
      assert.equal(await rows.count(), t.ranking.length);
      assert.ok(t.ranking.length >= 2, `glibc and jemalloc ranked at ${t.threads} threads`);
      for (const [i, r] of t.ranking.entries()) {
        const row = rows.nth(i);
        assert.equal(await row.getAttribute('data-arm'), r.arm, 'in the API\'s rank order');
        assert.equal(await row.getAttribute('data-verdict'), r.verdict);
        const effect = await row.locator('td.effect').innerText();
        if (r.verdict === 'reference') assert.equal(effect, 'reference');
        else if (r.improvement === null) assert.equal(effect, `no estimate (${r.pairs} pairs)`);
        else {
          // Signed as the API's improvement, with an interval around it and its pair count.
          assert.match(effect, new RegExp(`^${r.improvement >= 0 ? '\\+' : '-'}[\\d.,]+% \\[[+-][\\d.,]+%, [+-][\\d.,]+%\\], ${r.pairs} pairs$`), effect);
        }
        assert.equal(await row.locator('a.campaign-link').getAttribute('href'), `#/campaign/${r.campaign_id}`);
      }
      const worthOf = t.worth;
      if (worthOf) {
        const worth = section.locator('.tournament-worth tbody tr');
        assert.deepEqual(await worth.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { worth: string } }).dataset.worth)), ['switch', 'tune', 'best', 'switch_vs_tune']);
        for (const key of ['switch', 'tune', 'best', 'switch_vs_tune'] as const) {
          const line: WorthLine = worthOf[key];
          const cells = await section.locator(`.tournament-worth tr[data-worth="${key}"] td`).allInnerTexts();
          assert.equal(cells[1], line.arm ?? '–');
          assert.equal(cells[3], line.effect?.verdict ?? '–');
          assert.equal(cells[4], line.note);
          if (line.effect?.improvement !== null && line.effect?.improvement !== undefined) assert.match(cells[2] ?? '', /^[+-][\d.,]+% \[[+-][\d.,]+%, [+-][\d.,]+%\], \d+ pairs$/);
        }
      }
      const children = section.locator('.tournament-children tbody tr');
      assert.deepEqual(await children.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { campaign: string } }).dataset.campaign)), t.children.map((c) => c.campaign_id));
    }
    assert.ok(board.per_threads.some((t) => t.worth !== null), 'a switch-vs-tune verdict to show');
    await page.screenshot({ path: join(artifacts, '23-tournament.png'), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });

  it('links each child campaign to its own page', async () => {
    const child = board.per_threads[1]?.children.find((c) => c.allocator === 'jemalloc');
    assert.ok(child);
    await page.locator(`section.tournament-threads[data-threads="2"] .tournament-children tr[data-campaign="${child.campaign_id}"] a`).click();
    await until('the child campaign page', async () => (await page.locator('#campaign-phase').getAttribute('data-phase')) === 'finished');
    assert.match(await page.locator('#view h2').first().innerText(), new RegExp(`\\(${child.campaign_id}\\)$`));
    assert.match(await page.locator('#campaign-summary').innerText(), /^jemalloc · objective: min peak_rss_bytes/);
  });
});
