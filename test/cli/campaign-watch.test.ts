import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

// `alloctune campaign watch` against a real service, Redis and worker. In a real terminal (tmux, 80x24)
// it must redraw in place: title and progress bar stay on screen, each row one line cut with `…`,
// no screen clears. With stdout not a terminal it prints a plain append-only log.

const TOKEN = 'watch-test-token';
const WIDTH = 80;
const HEIGHT = 24;
const REDRAWS = 10;
const ESC = String.fromCharCode(27);
// Long enough that a row with it would wrap at 80 columns unless cut.
const LONG_CONF = 'dirty_decay_ms:5000,muzzy_decay_ms:5000,narenas:2,lg_extent_max_active_fit:8,oversize_threshold:1048576';

const dir = mkdtempSync(join(tmpdir(), 'alloctune-watch-'));
// The server's socket lives in the test's own directory, removed with it.
const socket = join(dir, 'tmux.sock');

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-S', socket, ...args], { encoding: 'utf8' });
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

describe('alloctune campaign watch', () => {
  let redis: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  let worker: CliProcess;
  let id = '';

  before(async () => {
    redis = await startTempRedis();
    service = await startService({ redisUrl: redis.server.url, token: TOKEN, port: 0, controllerTickMs: 300 });
    worker = startWorker(redis.server.url, 'watch-worker');
    // Registered first, so the campaign runs from the start instead of waiting for workers.
    await until('worker registration', async () => ((await (await fetch(`${service.url}/v1/workers`)).json()) as { workers: unknown[] }).workers.length === 1, 60_000, worker.log);
    const spec = smallCampaign({
      name: 'watch test',
      baseline: { malloc_conf: LONG_CONF },
      references: [{ name: 'guide', malloc_conf: `${LONG_CONF},tcache_max:1024` }],
      budget: { trials: 30, minutes: 10 },
    });
    const res = await fetch(`${service.url}/v1/campaigns`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(spec) });
    assert.equal(res.status, 201, await res.clone().text());
    id = ((await res.json()) as { campaign: { id: string } }).campaign.id;
  });

  after(async () => {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
    await worker.stop();
    await service.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps title and progress bar on screen at ${WIDTH}x${HEIGHT} across ${REDRAWS} redraws, redrawn in place`, async () => {
    const raw = join(dir, 'raw.out');
    const command = ['cd', shellQuote(REPO_ROOT), '&&', 'exec', shellQuote(process.execPath), '--import', 'tsx', 'src/cli/main.ts', 'campaign', 'watch', id, '--url', shellQuote(service.url), '--poll-ms', '300'].join(' ');
    tmux('new-session', '-d', '-x', String(WIDTH), '-y', String(HEIGHT), '-s', 'watch', command);
    tmux('set-option', '-t', 'watch', 'remain-on-exit', 'on');
    tmux('pipe-pane', '-t', 'watch', '-o', `cat >> ${shellQuote(raw)}`);
    const title = new RegExp(`^campaign ${id} (running|finished)`);
    const progress = /^(exploring \[[#.]{20}\] \d+\/\d+|confirming: \d+ duel trials|distilling: \d+ trials).* \d+ done, \d+ failed, \d+ in flight$/;
    const screen = (): string[] => tmux('capture-pane', '-p', '-t', 'watch').split('\n').slice(0, HEIGHT);
    await until('the first frame', async () => screen().some((l) => title.test(l)), 60_000, () => screen().join('\n'));
    const titles: string[] = [];
    for (let i = 0; i < REDRAWS; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      const lines = screen();
      const shown = lines.join('\n');
      assert.equal(lines.filter((l) => title.test(l)).length, 1, `capture ${i}: the title once\n${shown}`);
      assert.equal(lines.filter((l) => progress.test(l)).length, 1, `capture ${i}: the progress line once\n${shown}`);
      assert.ok(lines.every((l) => l.length <= WIDTH), shown);
      const rows = lines.filter((l) => /^\d+ +\S+ +/.test(l));
      assert.ok(rows.length >= 1, `capture ${i}: leaderboard rows\n${shown}`);
      // A config too long for the line is cut, not wrapped: the next line is another row or empty.
      for (const row of rows.filter((l) => l.includes('dirty_decay_ms'))) assert.match(row, /…$/, shown);
      titles.push(lines.find((l) => title.test(l)) ?? '');
    }
    // The elapsed time in the title moves: these were redraws, not one still frame.
    assert.ok(new Set(titles).size >= REDRAWS / 2, titles.join('\n'));
    const bytes = readFileSync(raw, 'latin1');
    assert.ok(!bytes.includes(`${ESC}[2J`) && !bytes.includes(`${ESC}[H`), 'no screen clear, no cursor home');
    const ups = (bytes.match(new RegExp(`\r${ESC}\\[\\d+A`, 'g')) ?? []).length;
    assert.ok(ups >= REDRAWS, `cursor moved up over the previous frame ${ups} times`);
    // The terminal turns \n into \r\n.
    assert.ok(new RegExp(`${ESC}\\[K\r?\n`).test(bytes), 'each line cleared to its end');
  });

  it('prints a plain append-only log when stdout is not a terminal', async () => {
    const cancelled = await fetch(`${service.url}/v1/campaigns/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(cancelled.ok, await cancelled.text());
    await until('campaign stopped', async () => {
      const status = (await (await fetch(`${service.url}/v1/campaigns/${id}`)).json()) as { campaign: { state: string } };
      return ['cancelled', 'finished', 'failed'].includes(status.campaign.state);
    });
    const out = await runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'campaign', 'watch', id, '--url', service.url], { env: { ...process.env }, cwd: REPO_ROOT, timeoutMs: 60_000 });
    assert.equal(out.exitCode, 1, `a cancelled campaign is not a success: ${out.stderr}`);
    assert.ok(!out.stdout.includes(ESC), 'no escape sequences');
    const [first] = out.stdout.split('\n');
    assert.match(first ?? '', /^\d{4}-\d\d-\d\dT[\d:.]+Z cancelled( \(.*\))?: .* \d+ done, \d+ failed, \d+ in flight$/);
    const leader = /^\d{4}-\d\d-\d\dT[\d:.]+Z leader (\S+): rss_bytes_at_300ms [\d.]+ MiB \(\d+ trials\) (background_thread:\S+)$/m.exec(out.stdout);
    assert.ok(leader, `a leader line with its whole config: ${out.stdout}`);
    // The final leaderboard, not cut: rank 1 is the leader, with the whole config (which rows follow depends on what was measured).
    assert.match(out.stdout, /objective rss_bytes_at_300ms \(lower is better\)\n#/);
    const rank1 = out.stdout.split('\n').find((l) => /^1 +\S/.test(l)) ?? '';
    assert.match(rank1, new RegExp(`^1 +${leader[1] ?? ''} +[\\d.]+ MiB `), rank1);
    assert.ok(rank1.endsWith(` ${leader[2] ?? ''}`) && !rank1.includes('…'), `rank 1 shows the whole config: ${rank1}`);
  });
});
