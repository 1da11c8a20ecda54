import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startService, type RunningService } from '../../src/api/start-service.js';
import type { CampaignSpecInput } from '../../src/core/campaign-spec.js';
import { guardedSpawn, type GuardedProcess } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';

// Debian's Chromium (headless, through playwright-core) against a live service, a real Redis and a
// real worker process measuring a small jemalloc campaign with the native harness.
const dir = mkdtempSync(join(tmpdir(), 'alloctune-dashboard-'));
const artifacts = join(REPO_ROOT, 'test-artifacts', 'dashboard');
const token = `tok-${Math.random().toString(36).slice(2)}`;

const spec: CampaignSpecInput = {
  name: 'dashboard e2e',
  allocator: 'jemalloc',
  // Not the defaults, so whichever config wins, the export carries a MALLOC_CONF.
  baseline: { malloc_conf: 'dirty_decay_ms:5000' },
  workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,300' } }],
  objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
  // The second, loose constraint sits on the Pareto plot's latency axis, so its region is shaded.
  constraints: [
    { metric: 'fragmentation_ratio_at_300ms', max: 20 },
    { metric: 'malloc_p99_ns', max: 10_000_000 },
  ],
  budget: { trials: 6, minutes: 10 },
  // Two repeats: the trial detail lists both, and comparing two trials gives an interval.
  repeats: 2,
  duel: { candidates: 1, pairs: 6 },
  // Few, short distillation steps: the page is checked once the whole campaign has finished.
  distill: { pairs: 2, max_steps: 3 },
  sampler: 'random',
  seed: 3,
};

let redis: EmbeddedRedis;
let service: RunningService;
let context: BrowserContext;
let page: Page;
let worker: GuardedProcess | undefined;
let workerLog = '';
let campaignId = '';
const pageErrors: string[] = [];

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nworker log:\n${workerLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${service.url}${path}`, init);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Data points of the Chart.js chart on a canvas, read from the page's own chart objects. */
async function chartData(canvasId: string): Promise<{ label: string; points: { x: number; y: number }[] }[]> {
  return page.evaluate((id) => {
    const win = globalThis as unknown as { Chart: { getChart(el: unknown): { data: { datasets: { label: string; data: { x: number; y: number }[] }[] } } | undefined } };
    const chart = win.Chart.getChart((globalThis as unknown as { document: { getElementById(i: string): unknown } }).document.getElementById(id));
    return chart ? chart.data.datasets.map((d) => ({ label: d.label, points: d.data.map((p) => ({ x: p.x, y: p.y })) })) : [];
  }, canvasId);
}

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  redis = await EmbeddedRedis.start({ dataDir: join(dir, 'redis') });
  service = await startService({ redisUrl: redis.url, token, controllerTickMs: 200 });
  const res = await api('/v1/campaigns', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(spec),
  });
  assert.equal(res.status, 201, await res.clone().text());
  campaignId = ((await res.json()) as { campaign: { id: string } }).campaign.id;
  context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    // The size the dashboard must be readable at (a narrow window is checked at the end).
    viewport: { width: 1280, height: 800 },
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: service.url });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) pageErrors.push(`csp: ${msg.text()}`);
  });
});

after(async () => {
  if (worker) {
    worker.kill('SIGKILL');
    await worker.done;
  }
  await context?.close();
  await service?.close();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard in Chromium against a live service and a real worker', () => {
  it('serves the page and its assets from the service itself', async () => {
    const res = await api('/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"#][^"]*)"/g)].map((m) => m[1] as string);
    assert.ok(sources.length >= 3);
    for (const src of sources) {
      assert.ok(src.startsWith('/dashboard/assets/'), `asset from elsewhere: ${src}`);
      assert.equal((await api(src)).status, 200, src);
    }
    const chart = await (await api('/dashboard/assets/chart.umd.min.js')).text();
    assert.ok(chart.length > 100_000, 'the chart.js bundle from node_modules');
    assert.equal((await api('/dashboard/assets/..%2Fdashboard-routes.ts')).status, 404);
    assert.equal((await api('/v1/auth/check', { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await api('/v1/auth/check', { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 204);
  });

  it('lists the campaign with its state and progress', async () => {
    await page.goto(`${service.url}/`);
    const row = page.locator(`#campaigns-table tr[data-campaign="${campaignId}"]`);
    await row.waitFor({ timeout: 15_000 });
    // No worker exists yet: the list says what the campaign waits for.
    assert.match(await row.innerText(), /dashboard e2e[\s\S]*jemalloc[\s\S]*waiting_for_workers\s+needs a worker with allocator jemalloc \(no live worker\)[\s\S]*explored \d+\/6/);
    await shot('01-campaign-list');
  });

  it('shows leaderboard rows as trials complete, without a reload', async () => {
    await page.goto(`${service.url}/#/campaign/${campaignId}`);
    await page.waitForFunction(() => Number((globalThis as unknown as { document: { getElementById(i: string): { dataset: Record<string, string> } } }).document.getElementById('view').dataset['refreshes'] ?? 0) >= 1);
    const measuredRows = (): Promise<number> => page.locator('#leaderboard-table tbody tr:not([data-completed="0"])').count();
    assert.equal(await measuredRows(), 0, 'nothing measured before a worker exists');
    await page.evaluate(() => ((globalThis as unknown as { sameDocument: boolean }).sameDocument = true));

    worker = guardedSpawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', redis.url, '--cpus', '1', '--client-cpus', '0', '--name', 'w1', '--heartbeat-ms', '1000'],
      { cwd: REPO_ROOT, env: { ...process.env, ALLOCTUNE_TEST: '1' }, deathSignal: 'KILL' },
    );
    worker.child.stderr?.on('data', (c: Buffer) => (workerLog += c.toString()));

    await until('the worker in the workers panel', async () => (await page.locator('#workers-table tr[data-worker="w1"]').count()) === 1);
    assert.match(await page.locator('#workers-table tr[data-worker="w1"]').innerText(), /w1[\s\S]*\b1\b[\s\S]*\b0\b[\s\S]*s ago/);
    await until('three measured leaderboard rows', async () => (await measuredRows()) >= 3);
    await shot('02-leaderboard-live');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sameDocument?: boolean }).sameDocument), true, 'the page was not reloaded');
    const baselineRow = page.locator('#leaderboard-table tr[data-arm="baseline"]');
    // One measurement (repeats: 1) has no interval, and the row says so instead of showing a range;
    // with more, the interval's method is named.
    const rowText = await baselineRow.innerText();
    assert.match(rowText, /dirty_decay_ms:5000[\s\S]*MiB (n=1, no interval|\[[^\]]*\] (log-t|median-order)[^\n\t]* n=\d+)[\s\S]*feasible/);
  });

  it('plots convergence, the Pareto front with the shaded region and parameter effects from real data', async () => {
    await until('the campaign to finish', async () => {
      const body = (await (await api(`/v1/campaigns/${campaignId}`)).json()) as { campaign: { state: string } };
      return body.campaign.state !== 'running';
    }, 120_000);
    await until('the page to show the finished campaign', async () => (await page.locator('#campaign-phase').getAttribute('data-phase')) === 'finished');
    await until('a duel rating on the leaderboard', async () => /games/.test(await page.locator('#leaderboard-table').innerText()));

    const convergence = await chartData('convergence-chart');
    const byLabel = new Map(convergence.map((d) => [d.label, d.points]));
    const trialPoints = [...(byLabel.get('feasible trial') ?? []), ...(byLabel.get('infeasible trial') ?? [])];
    assert.ok(trialPoints.length >= 3, `explore trials plotted: ${trialPoints.length}`);
    assert.ok(trialPoints.every((p) => p.y > 1_000_000), 'RSS in bytes');
    const best = byLabel.get('best feasible so far') ?? [];
    assert.ok(best.length >= 1);
    for (let i = 1; i < best.length; i++) assert.ok((best[i] as { y: number }).y <= (best[i - 1] as { y: number }).y, 'best-so-far never worsens (min objective)');
    const baseline = byLabel.get('baseline mean') ?? [];
    assert.equal(baseline.length, 2);
    assert.equal(baseline[0]?.y, baseline[1]?.y);

    const pareto = await chartData('pareto-chart');
    assert.ok(pareto.flatMap((d) => d.points).length >= 4, 'baseline, placebo and explored configs in the plane');
    const region = await page.evaluate(() => {
      const win = globalThis as unknown as { Chart: { getChart(el: unknown): { $constraintRegion?: { left: number; right: number } | null } | undefined }; document: { getElementById(i: string): unknown } };
      return win.Chart.getChart(win.document.getElementById('pareto-chart'))?.$constraintRegion ?? null;
    });
    assert.ok(region && region.right > region.left, 'constraint region shaded');

    const effect = await chartData('effect-chart');
    assert.ok(effect.flatMap((d) => d.points).length >= 3, 'objective against the first parameter');
    const parameters = await page.locator('#effect-parameter option').count();
    assert.ok(parameters >= 3, `parameters to choose from: ${parameters}`);

    // Numeric knobs are drawn on the optimizer's search scale: log for decay times, -1 ("never") past 60 s.
    await page.selectOption('#effect-parameter', 'dirty_decay_ms');
    const decay = await page.evaluate(() => {
      type Point = { x: number; value: string };
      const win = globalThis as unknown as { Chart: { getChart(el: unknown): { data: { datasets: { data: Point[] }[] }; options: { scales: { x: { title: { text: string } } } } } | undefined }; document: { getElementById(i: string): unknown } };
      const chart = win.Chart.getChart(win.document.getElementById('effect-chart'));
      return { title: chart?.options.scales.x.title.text ?? '', points: (chart?.data.datasets ?? []).flatMap((d) => d.data.map((p) => ({ x: p.x, value: p.value }))) };
    });
    assert.equal(decay.title, 'dirty_decay_ms (search scale)');
    assert.ok(decay.points.length >= 3 && decay.points.every((p) => p.x >= 0 && p.x <= 1), JSON.stringify(decay.points));
    const order = (v: string): number => (Number(v) === -1 ? Infinity : Number(v));
    const byValue = [...decay.points].sort((a, b) => order(a.value) - order(b.value));
    for (let i = 1; i < byValue.length; i++) assert.ok((byValue[i]?.x ?? 0) >= (byValue[i - 1]?.x ?? 0), `search scale follows the value (never last): ${JSON.stringify(byValue)}`);

    const trialRows = await page.locator('#trials-table tbody tr').count();
    const trials = ((await (await api(`/v1/campaigns/${campaignId}/trials`)).json()) as { trials: unknown[] }).trials;
    assert.equal(trialRows, trials.length);
    await shot('03-campaign-finished');
    assert.deepEqual(pageErrors, []);
  });

  it('shows the export value first, its evidence below, and copies the value alone', async () => {
    await until('the final export', async () => (await page.locator('#export-text[data-format="malloc_conf"]').count()) === 1 && /verdict: (?!campaign still running)/.test(await page.locator('#export-evidence').innerText()));
    const fromApi = await (await api(`/v1/campaigns/${campaignId}/export?format=malloc_conf`)).text();
    const setting = fromApi.trimEnd();
    assert.equal(fromApi, `${setting}\n`, 'the route gives the value alone');
    assert.equal(await page.locator('#export-setting').innerText(), `MALLOC_CONF=${setting}`);
    assert.match(setting, /^[a-z_]+:[^,\s]+(,[a-z_]+:[^,\s]+)*$/);
    assert.equal((await page.locator('#export-text').innerText()).trim(), setting, 'the value box holds the value alone');
    assert.match(await page.locator('#export-evidence').innerText(), /alloctune campaign/);
    assert.match(await page.locator('#export-evidence').innerText(), /warning: MALLOC_CONF reaches only an unprefixed jemalloc/);
    // The formats offered are those the service says fit jemalloc.
    const offered = await page.locator('#export-format option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    assert.deepEqual(offered, ['malloc_conf', 'env', 'systemd', 'malloc.conf', 'docker', 'k8s', 'json']);
    const readClipboard = () => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    await page.locator('#export-copy').click();
    await until('the copy confirmation', async () => /copied/.test(await page.locator('#export-status').innerText()), 5_000);
    assert.equal(await readClipboard(), setting, 'the clipboard holds the value, nothing else');

    await page.locator('#export-format').selectOption('env');
    await until('the env export', async () => (await page.locator('#export-text[data-format="env"]').count()) === 1);
    assert.match(await page.locator('#export-text').innerText(), /^MALLOC_CONF=\S+$/m, await page.locator('#export-status').innerText());
    assert.match(await page.locator('#export-text').innerText(), /LD_PRELOAD=\/\S+libjemalloc/);
    await shot('04-export-env');

    await page.locator('#export-format').selectOption('systemd');
    await until('the systemd export', async () => (await page.locator('#export-text[data-format="systemd"]').count()) === 1);
    const systemd = await (await api(`/v1/campaigns/${campaignId}/export?format=systemd`)).text();
    // The [Service] lines are in the value box, in view above the evidence, not below a screen of comments.
    const serviceLine = page.locator('#export-text');
    assert.match(await serviceLine.innerText(), /^\[Service\]\nEnvironment="MALLOC_CONF=/m);
    const [textBox, evidenceBox] = [await serviceLine.boundingBox(), await page.locator('#export-evidence').boundingBox()];
    assert.ok(textBox && evidenceBox && textBox.y + textBox.height <= evidenceBox.y, 'value above the evidence');
    await page.locator('#export-copy').click();
    await until('the systemd copy', async () => (await readClipboard()) === systemd, 5_000);
    await shot('04b-export-systemd');
  });

  it('ranks only dueled configs, names the phase, and shows the decision next to the export', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(await page.locator('#campaign-phase').getAttribute('data-phase'), 'finished');
    assert.match(await page.locator('#campaign-phase').innerText(), /^finished: .*distillation/);
    // The phase while the duels run (no live campaign stays there long enough to look), from the page's own module.
    const phases = await page.evaluate(async () => {
      const url = '/dashboard/assets/phase.js';
      const { campaignPhase } = (await import(url)) as { campaignPhase(c: unknown, p: unknown): { phase: string; text: string } };
      const progress = { explored: 6, explore_budget: 6, duel_trials: 4 };
      return [
        campaignPhase({ state: 'running' }, { ...progress, explored: 2, duel_trials: 0 }),
        campaignPhase({ state: 'running', stop_reason: 'trial_budget: 6 of 6 trials used' }, progress),
        campaignPhase({ state: 'running', stop_reason: 'trial_budget', distillation: { status: 'stepping', steps: [{}], remaining: ['a', 'b'] } }, progress),
      ];
    });
    assert.deepEqual(phases.map((p) => p.phase), ['exploring', 'confirming', 'distilling']);
    assert.doesNotMatch(phases[1]?.text ?? '', /stopped/, 'confirming is not "stopped"');
    const first = page.locator('#leaderboard-table tr[data-rank="1"]');
    assert.equal(await first.count(), 1);
    assert.match(await first.innerText(), /games/, 'rank 1 has been dueled');
    for (const row of await page.locator('#leaderboard-table tr[data-rank="unconfirmed"]').all()) assert.match(await row.innerText(), /not dueled/);
    const evidence = (await (await api(`/v1/campaigns/${campaignId}/export?format=json`)).json()) as { distillation?: { steps: { knob: string; outcome: string; change_pct: number | null; loss_pct: number | null }[]; knobs: { knob: string; outcome: string }[] }; guards: { metric: string }[]; reachability: { message: string }[] };
    assert.equal(await page.locator('#distill-steps tbody tr').count(), evidence.distillation?.steps.length ?? 0);
    // Each step's decision says what its outcome was: a knob kept because the noise could not tell is not "carries gain".
    // A knob its step could not tell that the round then set back for its risk (distill.untested) says so.
    const words: Record<string, RegExp> = { reverted: /^reverted/, carries_gain: /^kept \(carries gain\)$/, inconclusive: /^kept \(could not tell\)$/, inconclusive_reverted: /^could not tell; then reverted for its risk$/ };
    const finalOutcome = new Map((evidence.distillation?.knobs ?? []).map((k) => [k.knob, k.outcome]));
    const decisions = await page.locator('#distill-steps tbody tr td:nth-child(3)').allInnerTexts();
    (evidence.distillation?.steps ?? []).forEach((s, i) => {
      const key = s.outcome === 'inconclusive' && finalOutcome.get(s.knob) === 'reverted_untested' ? 'inconclusive_reverted' : s.outcome;
      assert.match(decisions[i] ?? '', words[key] ?? /^$/, `step ${i + 1} (${key})`);
    });
    // The change column is signed as the objective moves (its interval too); the loss is said in words with its own sign.
    const changes = await page.locator('#distill-steps tbody tr td:nth-child(4)').allInnerTexts();
    (evidence.distillation?.steps ?? []).forEach((s, i) => {
      if (s.change_pct === null || s.loss_pct === null) return;
      assert.match(changes[i] ?? '', s.change_pct >= 0 ? /^\+/ : /^-/, `step ${i + 1} change ${s.change_pct}`);
      assert.match(changes[i] ?? '', s.loss_pct > 0 ? /worse by/ : /better by/, `step ${i + 1} loss ${s.loss_pct}`);
    });
    assert.equal(await page.locator('#guard-verdicts tbody tr').count(), evidence.guards.length);
    assert.deepEqual(await page.locator('#reachability li').allInnerTexts(), evidence.reachability.map((r) => r.message));
    await page.locator('#decision-panel').screenshot({ path: join(artifacts, '08-decision.png') });
    await page.locator('#export-format').selectOption('malloc_conf');
    await until('the malloc_conf export', async () => (await page.locator('#export-text[data-format="malloc_conf"]').count()) === 1);
    await page.locator('#export-panel').screenshot({ path: join(artifacts, '09-export-malloc-conf.png') });
  });

  it('draws importance bars in order, one parallel-coordinates line per trial and labelled boolean slices', async () => {
    const importance = (await chartData('importance-chart'))[0]?.points ?? [];
    const shares = await page.evaluate(() => {
      const win = globalThis as unknown as { Chart: { getChart(el: unknown): { data: { labels: string[]; datasets: { data: number[]; intervals: number[][] }[] } } | undefined }; document: { getElementById(i: string): unknown } };
      const chart = win.Chart.getChart(win.document.getElementById('importance-chart'));
      return { labels: chart?.data.labels ?? [], values: chart?.data.datasets[0]?.data ?? [], intervals: chart?.data.datasets[0]?.intervals ?? [] };
    });
    assert.ok(shares.values.length >= 3 && importance.length === shares.values.length, `importance bars: ${JSON.stringify(shares)}`);
    for (let i = 1; i < shares.values.length; i++) assert.ok((shares.values[i] ?? 0) <= (shares.values[i - 1] ?? 0), 'largest share first');
    shares.intervals.forEach(([low, high], i) => assert.ok((low ?? 0) <= (shares.values[i] ?? 0) + 1e-9 && (shares.values[i] ?? 0) <= (high ?? 0) + 1e-9, 'whisker around its bar'));
    const fromApi = (await (await api(`/v1/campaigns/${campaignId}/importance`)).json()) as { metrics: { role: string; knobs: { name: string }[] }[] };
    assert.deepEqual(shares.labels, fromApi.metrics.find((m) => m.role === 'objective')?.knobs.map((k) => k.name));
    await page.locator('#importance-chart').locator('xpath=ancestor::section[1]').screenshot({ path: join(artifacts, '10-importance.png') });

    const trials = ((await (await api(`/v1/campaigns/${campaignId}/trials`)).json()) as { trials: { trial_id: string; state: string; score?: { objective?: number } }[] }).trials;
    const measured = trials.filter((t) => t.state === 'completed' && t.score?.objective !== undefined).map((t) => t.trial_id).sort();
    const lines = await page.locator('#parallel-chart polyline').evaluateAll((ls) => ls.map((l) => (l as unknown as { dataset: { trial: string } }).dataset.trial));
    assert.deepEqual([...lines].sort(), measured, 'one line per measured trial');
    await page.locator('#parallel-chart').locator('xpath=ancestor::section[1]').screenshot({ path: join(artifacts, '11-parallel-coordinates.png') });

    const options = await page.locator('#effect-parameter option').allInnerTexts();
    const knob = ['tcache', 'background_thread'].find((k) => options.includes(k));
    assert.ok(knob, `a boolean knob to slice: ${options.join()}`);
    await page.selectOption('#effect-parameter', knob);
    const ticks = await page.evaluate(() => {
      const win = globalThis as unknown as { Chart: { getChart(el: unknown): { scales: { x: { ticks: { label: string }[] } } } | undefined }; document: { getElementById(i: string): unknown } };
      return win.Chart.getChart(win.document.getElementById('effect-chart'))?.scales.x.ticks.map((t) => t.label) ?? [];
    });
    assert.ok(ticks.length >= 1 && ticks.every((t) => t === 'true' || t === 'false'), `boolean ticks labelled: ${JSON.stringify(ticks)}`);
    assert.match(await page.locator('#effect-title').innerText(), new RegExp(`against ${knob}`));
    await page.locator('#effect-chart').locator('xpath=ancestor::section[1]').screenshot({ path: join(artifacts, '12-slice-boolean.png') });
    await page.locator('#pareto-chart').locator('xpath=ancestor::section[1]').screenshot({ path: join(artifacts, '13-pareto.png') });
    assert.match(await page.locator('#pareto-title').innerText(), /^Pareto: rss_bytes_at_300ms \(MiB\) against \S+ \(/);
  });

  it('filters and sorts the trials, shows one in detail and compares two', async () => {
    const rows = page.locator('#trials-table tbody tr');
    const all = await rows.count();
    await page.selectOption('#filter-role', 'explore');
    const explore = await rows.count();
    assert.ok(explore >= 3 && explore < all, `filter: ${explore} of ${all}`);
    assert.deepEqual(new Set(await rows.locator('td:nth-child(2)').allInnerTexts()), new Set(['explore']));
    await page.selectOption('#trial-sort', 'objective');
    const objectives = await page.locator('#trials-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: { trial: string } }).dataset.trial));
    const trials = ((await (await api(`/v1/campaigns/${campaignId}/trials`)).json()) as { trials: { trial_id: string; score?: { objective?: number } }[] }).trials;
    const value = (tid: string): number => trials.find((t) => t.trial_id === tid)?.score?.objective ?? Infinity;
    for (let i = 1; i < objectives.length; i++) assert.ok(value(objectives[i] ?? '') >= value(objectives[i - 1] ?? ''), 'sorted by objective');
    await page.locator('#trials-panel').screenshot({ path: join(artifacts, '14-trials-filtered.png') });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#trials-csv').click()]);
    const csv = readFileSync((await download.path()) ?? '', 'utf8').trimEnd().split('\r\n');
    assert.equal(csv.length, explore + 1, 'a header and the rows shown');
    assert.match(csv[0] ?? '', /^trial_id,role,state,arm,worker,steal_pct,objective,feasible,.*harness:fragmentation\.rss_bytes_at_300ms\.mean/);
    assert.deepEqual(csv.slice(1).map((line) => line.split(',')[0]), objectives, 'the rows shown, in their order');

    const best = objectives[0] ?? '';
    await rows.first().locator('.detail-button').click();
    await until('the trial detail', async () => (await page.locator('#trial-repeats tbody tr[data-repeat]').count()) === 2);
    assert.match(await page.locator('#trial-detail-title').innerText(), new RegExp(`^Trial ${best}: explore`));
    const repeats = await page.locator('#trial-repeats tbody tr[data-repeat]').allInnerTexts();
    for (const r of repeats) assert.match(r, /fragmentation[\s\S]*MiB[\s\S]*%[\s\S]*ms[\s\S]*jemalloc 5\.[\s\S]*=/, r);
    assert.match(await page.locator('#trial-detail').innerText(), /library preloaded\s+\/\S+libjemalloc/);
    await page.locator('#trial-detail').screenshot({ path: join(artifacts, '15-trial-detail.png') });
    const detailBody = (await (await api(`/v1/campaigns/${campaignId}/trials/${best}`)).json()) as { trial: { trial_id: string }; results: { repeats: unknown[] }[] };
    assert.equal(detailBody.trial.trial_id, best);
    assert.equal(detailBody.results[0]?.repeats.length, 2, 'the route gives every repeat');
    const unknown = await api(`/v1/campaigns/${campaignId}/trials/t999999`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'ALLOCTUNE_ERR_NOT_FOUND');

    await rows.nth(0).locator('.compare-box').check();
    await rows.nth(1).locator('.compare-box').check();
    await until('the comparison', async () => !(await page.locator('#trial-compare').isHidden()));
    assert.ok((await page.locator('#compare-settings tr[data-differs="true"]').count()) >= 1, 'two explored configs differ somewhere');
    const objectiveRow = page.locator('#compare-metrics tr.focus').first();
    assert.match(await objectiveRow.innerText(), /rss_bytes_at_300ms[\s\S]*n=2[\s\S]*n=2[\s\S]*[+-][\s\S]*\[[^\]]+, [^\]]+\]/);
    // Cells carry their unit: a nanosecond metric reads "... ns" in its means, difference and interval.
    const nsRows = await page.locator('#compare-metrics tr[data-metric$="_ns"]').allInnerTexts();
    assert.ok(nsRows.length >= 1, 'the harness reports nanosecond metrics');
    for (const row of nsRows) assert.match(row, /\d ns \(n=\d+\)[\s\S]*\d ns \(n=\d+\)[\s\S]*\d ns/, row);
    await page.locator('#trial-compare').screenshot({ path: join(artifacts, '16-trial-compare.png') });
    await page.selectOption('#filter-role', '');
  });

  it('stays readable on a narrow window', async () => {
    await page.setViewportSize({ width: 420, height: 800 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
    assert.ok(overflow <= 440, `the page itself does not scroll sideways: ${overflow}px`);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    await page.screenshot({ path: join(artifacts, '17-narrow-top.png') });
    await page.locator('.charts').screenshot({ path: join(artifacts, '17b-narrow-charts.png') });
    await page.locator('#decision-panel').screenshot({ path: join(artifacts, '18-narrow-decision.png') });
    await page.locator('#export-panel').screenshot({ path: join(artifacts, '19-narrow-export.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('lists failed trials with their reasons', async () => {
    // Each argument is in range (pre-flight lets it through); together they are inconsistent and the harness refuses them.
    const broken = { ...spec, name: 'dashboard broken', workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,300', 'min-size': 4096, 'max-size': 64 } }] };
    const res = await api('/v1/campaigns', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(broken),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const id = ((await res.json()) as { campaign: { id: string } }).campaign.id;
    await page.goto(`${service.url}/#/campaign/${id}`);
    const failed = page.locator('#trials-table tr[data-state="failed"]');
    await until('a failed trial in the table', async () => (await failed.count()) >= 1);
    const trials = ((await (await api(`/v1/campaigns/${id}/trials`)).json()) as { trials: { state: string; error?: { code: string } }[] }).trials;
    const code = trials.find((t) => t.state === 'failed')?.error?.code ?? 'none';
    assert.match(await failed.first().locator('.error-cell').innerText(), new RegExp(`^${code}: .+`));
    // Nothing measured: each chart says so instead of drawing empty axes.
    for (const chart of ['convergence-chart', 'effect-chart', 'importance-chart']) {
      assert.equal(await page.locator(`#${chart}-empty`).isVisible(), true, `${chart}: note shown`);
      assert.equal(await page.locator(`#${chart}`).isVisible(), false, `${chart}: no empty axes`);
    }
    assert.equal(await page.locator('#parallel-chart').isVisible(), false, 'no empty parallel axes');
    assert.equal(await page.locator('#parallel-note').innerText(), 'no trial measured yet');
    await shot('05-failed-trials');
  });

  it('says when the token is wrong, and when it is accepted, keeping it for the session', async () => {
    await page.locator('#token-input').fill('not-the-token');
    await page.locator('#token-save').click();
    await until('the wrong-token message', async () => /wrong token/.test(await page.locator('#token-status').innerText()), 10_000);
    await shot('06-wrong-token');
    await page.locator('#token-input').fill(token);
    await page.locator('#token-save').click();
    await until('the token to be accepted', async () => /token accepted/.test(await page.locator('#token-status').innerText()), 10_000);
    await page.reload();
    await until('the kept token to be accepted after a reload', async () => /token accepted/.test(await page.locator('#token-status').innerText()), 10_000);
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('alloctune.token')), token);
  });

  it('says when the service is unreachable', async () => {
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await until('the unreachable banner', async () => /unreachable/.test(await page.locator('#banner').innerText()), 15_000);
    await shot('07-unreachable');
    await page.unroute('**/v1/**');
    await until('the banner to clear', async () => (await page.locator('#banner').isHidden()), 15_000);
  });
});
