import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import type { TournamentSpecInput } from '../../src/core/tournament-spec.js';
import type { TournamentView } from '../../src/core/tournament-view.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { until } from '../helpers/child-processes.js';
import { OpenApiValidator, type OpenApiDocument } from '../helpers/openapi-validator.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';

/**
 * A tiny real tournament: the harness fragmentation workload (memory 300 ms after its free burst,
 * where allocators differ by far more than the run-to-run noise), one explore trial per child.
 */
function tinyTournament(overrides: Partial<TournamentSpecInput> = {}): TournamentSpecInput {
  return {
    name: 'tiny tournament',
    allocators: ['glibc', 'jemalloc', 'mimalloc'],
    workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300' } }],
    objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
    budget: { trials: 3, minutes: 5 },
    repeats: 1,
    duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 8 } },
    distill: { enabled: false },
    sampler: 'random',
    seed: 5,
    ...overrides,
  };
}

describe('allocator tournaments with real workers', () => {
  let sww: ServiceWithWorkers;

  before(async () => {
    sww = await startServiceWithWorkers();
    await sww.startWorker('tw1');
  });
  after(async () => {
    await sww.close();
  });

  async function finished(id: string, timeoutMs = 180_000): Promise<TournamentRecord> {
    return until(
      `tournament ${id} finished`,
      async () => {
        const { tournament } = (await sww.request('GET', `/v1/tournaments/${id}`)).json<{ tournament: TournamentRecord }>();
        return tournament.state === 'finished' || tournament.state === 'failed' ? tournament : undefined;
      },
      timeoutMs,
    );
  }

  it('runs three Debian allocators to a ranked, confirmed result with what switching is worth against tuning', async () => {
    const created = await sww.request('POST', '/v1/tournaments', tinyTournament());
    assert.equal(created.statusCode, 201, created.body);
    const { tournament } = created.json<{ tournament: TournamentRecord }>();
    assert.equal(tournament.state, 'running');
    assert.equal(tournament.baseline_allocator, 'glibc');
    assert.deepEqual(tournament.children.map((c) => c.allocator), ['glibc', 'jemalloc', 'mimalloc']);
    assert.deepEqual(tournament.children.map((c) => c.budget_trials), [1, 1, 1]);
    // The children are ordinary campaigns, listed with the others.
    for (const c of tournament.children) assert.equal((await sww.request('GET', `/v1/campaigns/${c.campaign_id}`)).statusCode, 200);

    const done = await finished(tournament.id);
    assert.equal(done.state, 'finished', done.stop_reason);
    const [round] = done.rounds;
    assert.ok(round);
    assert.equal(round.status, 'done', round.reason);
    // One live worker: every block ran on it.
    assert.ok(round.block_workers.length > 0 && round.block_workers.every((w) => w === 'tw1'), round.block_workers.join(','));
    assert.equal(round.baseline?.allocator, 'glibc');
    // Every allocator's defaults is an arm; tuned arms only where the child confirmed a winner.
    for (const a of ['jemalloc:defaults', 'mimalloc:defaults']) assert.ok(round.arms.some((x) => x.arm === a), a);
    const blocks = new Set(round.trials.map((t) => t.block)).size;
    assert.ok(blocks >= 3, `${blocks} blocks`);

    const board = (await sww.request('GET', `/v1/tournaments/${tournament.id}/leaderboard`)).json<TournamentView>();
    const [result] = board.per_threads;
    assert.ok(result);
    assert.equal(result.ranking.length, round.arms.length + 1, 'every arm and the baseline ranked');
    assert.deepEqual(result.ranking.map((r) => r.rank), result.ranking.map((_, i) => i + 1));
    const baselineAt = result.ranking.findIndex((r) => r.arm === 'baseline');
    // Arms shown better rank above the baseline, the others below it.
    result.ranking.forEach((r, i) => {
      if (r.arm !== 'baseline') assert.equal(r.verdict === 'better', i < baselineAt, `${r.arm} ${r.verdict} at ${i}`);
      assert.ok(r.pairs >= 3 || r.arm === 'baseline', `${r.arm}: ${r.pairs} pairs`);
    });
    // Allocators differ in RSS after a free burst far beyond the noise: the round confirms something.
    assert.ok(result.ranking.some((r) => r.verdict === 'better' || r.verdict === 'worse'), result.ranking.map((r) => `${r.arm} ${r.verdict} ${r.reason}`).join('\n'));
    assert.ok(result.worth);
    assert.equal(result.worth.baseline_allocator, 'glibc');
    assert.ok(result.worth.switch.arm?.endsWith(':defaults'), 'switching compares another allocator at its defaults');
    assert.ok(result.worth.switch.effect && result.worth.switch.effect.improvement_low !== null && result.worth.switch.effect.improvement_high !== null);
    assert.ok(result.worth.switch.effect.improvement_low <= (result.worth.switch.effect.improvement ?? Number.NaN));
    const tuned = round.arms.some((a) => a.arm === 'glibc:tuned');
    assert.equal(result.worth.tune.effect !== null, tuned, result.worth.tune.note);
    assert.match(board.headline[0] ?? '', /switching/);

    const exported = (await sww.request('GET', `/v1/tournaments/${tournament.id}/export`)).json<{ recommendations: { allocator: string; arm: string; beats_baseline: boolean }[] }>();
    assert.equal(exported.recommendations.length, 1);
    const rec = exported.recommendations[0];
    assert.equal(rec?.arm, result.winner?.arm);
    assert.equal(rec?.beats_baseline, result.winner?.verdict === 'better');

    // The tournament's own event stream tells the same story and ends with it.
    const res = await fetch(`${sww.service.url}/v1/tournaments/${tournament.id}/events`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(res.status, 200);
    const types = [...(await res.text()).matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    assert.equal(types[0], 'tournament_created');
    assert.equal(types.at(-1), 'tournament_finished');
    const opened = types.indexOf('final_round_opened');
    assert.ok(opened > 0 && types.indexOf('final_round_blocks_queued') > opened && types.indexOf('final_round_done') > opened, types.join(', '));

    // Every tournament answer fits the OpenAPI document the routes publish.
    const validator = new OpenApiValidator((await sww.request('GET', '/docs/json')).json<OpenApiDocument>());
    for (const url of [`/v1/tournaments/${tournament.id}`, `/v1/tournaments/${tournament.id}/leaderboard`, `/v1/tournaments/${tournament.id}/export`, '/v1/tournaments']) {
      const res = await sww.request('GET', url);
      validator.check('GET', url, res.statusCode, String(res.headers['content-type']), res.body);
    }

    // The CLI shows the same ranking.
    const env = { ...process.env, ALLOCTUNE_URL: sww.service.url, ALLOCTUNE_TOKEN: sww.token };
    const show = await runGuarded(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'tournament', 'show', tournament.id], { env, cwd: REPO_ROOT, timeoutMs: 60_000 });
    assert.equal(show.exitCode, 0, show.stderr);
    for (const r of result.ranking) assert.match(show.stdout, new RegExp(`${r.rank}\\. ${r.arm}`));
    assert.match(show.stdout, /switching/);
  });

  it('sweeps thread counts and reports the best config per count', async () => {
    const sweep = tinyTournament({
      name: 'sweep',
      allocators: ['jemalloc'],
      threads: [1, 2],
      budget: { trials: 2, minutes: 5 },
      workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 200 } }],
      objective: { metric: 'peak_rss_bytes', direction: 'min' },
    });
    const created = await sww.request('POST', '/v1/tournaments', sweep);
    assert.equal(created.statusCode, 201, created.body);
    const { tournament } = created.json<{ tournament: TournamentRecord }>();
    assert.deepEqual(tournament.children.map((c) => c.threads), [1, 2]);
    const child = (await sww.request('GET', `/v1/campaigns/${tournament.children[1]?.campaign_id}`)).json<{ campaign: { spec: { workloads: { args: Record<string, unknown> }[] } } }>();
    assert.equal(child.campaign.spec.workloads[0]?.args['threads'], 2);
    const done = await finished(tournament.id);
    assert.equal(done.state, 'finished', done.stop_reason);
    const board = (await sww.request('GET', `/v1/tournaments/${tournament.id}/leaderboard`)).json<TournamentView>();
    assert.deepEqual(board.per_threads.map((t) => t.threads), [1, 2]);
    for (const t of board.per_threads) {
      assert.equal(t.round.status, 'skipped');
      assert.ok(t.winner, `a best config at ${t.threads} threads`);
      assert.equal(t.winner.allocator, 'jemalloc');
      assert.equal(t.winner.source, 'child_campaign');
    }
  });

  it('names every bad field at creation and creates nothing', async () => {
    const before = (await sww.request('GET', '/v1/campaigns')).json<{ campaigns: unknown[] }>().campaigns.length;
    const bad = tinyTournament({
      allocators: ['glibc', 'nosuchalloc', 'jemalloc'],
      baseline_allocator: 'tcmalloc',
      budget_split: { mimalloc: 2 },
      threads: [1, 2],
      workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300', threads: 2 } }],
    });
    const reply = await sww.request('POST', '/v1/tournaments', { ...bad, repeats: 0 });
    assert.equal(reply.statusCode, 400, reply.body);
    const paths = reply.json<{ issues: { path: string; message: string }[] }>().issues.map((i) => i.path);
    for (const p of ['body.allocators.1', 'body.baseline_allocator', 'body.budget_split.mimalloc', 'body.workloads.0.args.threads', 'body.repeats']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    // An allocator that is defined but that no live worker can load is refused at creation.
    const unloadable = await sww.request('POST', '/v1/tournaments', tinyTournament({ allocators: ['glibc', 'hakmem'] }));
    assert.equal(unloadable.statusCode, 400, unloadable.body);
    const hakmem = unloadable.json<{ issues: { path: string; message: string }[] }>().issues.find((i) => i.path === 'body.allocators.1');
    assert.match(hakmem?.message ?? '', /no live worker can load hakmem/);
    assert.equal((await sww.request('POST', '/v1/tournaments', { ...tinyTournament(), allocators: [] })).statusCode, 400);
    assert.match((await sww.request('POST', '/v1/tournaments', { ...tinyTournament(), surprise: 1 })).body, /surprise/);
    // A sweep over a single-threaded workload is the sweep's problem, not a workload argument the user never wrote.
    const single = await sww.request('POST', '/v1/tournaments', tinyTournament({ threads: [1, 2] }));
    assert.equal(single.statusCode, 400);
    assert.match(single.json<{ issues: { path: string; message: string }[] }>().issues.map((i) => `${i.path}: ${i.message}`).join('\n'), /body\.threads: fragmentation runs at most 1 thread/);
    assert.equal((await sww.request('GET', '/v1/campaigns')).json<{ campaigns: unknown[] }>().campaigns.length, before, 'no child created');
  });

  it('cancel cancels the children and ends cancelled', async () => {
    const created = await sww.request('POST', '/v1/tournaments', tinyTournament({ name: 'cancel me', budget: { trials: 30, minutes: 5 } }));
    assert.equal(created.statusCode, 201, created.body);
    const { tournament } = created.json<{ tournament: TournamentRecord }>();
    const cancelled = await sww.request('POST', `/v1/tournaments/${tournament.id}/cancel`);
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.equal(cancelled.json<{ tournament: TournamentRecord }>().tournament.state, 'cancelling');
    const end = await until('tournament cancelled', async () => {
      const { tournament: t } = (await sww.request('GET', `/v1/tournaments/${tournament.id}`)).json<{ tournament: TournamentRecord }>();
      return t.state === 'cancelled' ? t : undefined;
    }, 60_000);
    for (const c of end.children) {
      const { campaign } = (await sww.request('GET', `/v1/campaigns/${c.campaign_id}`)).json<{ campaign: { state: string } }>();
      assert.equal(campaign.state, 'cancelled');
    }
    assert.equal((await sww.request('POST', `/v1/tournaments/${tournament.id}/cancel`)).statusCode, 409);
    const events = await fetch(`${sww.service.url}/v1/tournaments/${tournament.id}/events`, { signal: AbortSignal.timeout(20_000) });
    const text = await events.text();
    const types = [...text.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
    assert.deepEqual(types, ['tournament_created', 'tournament_state', 'tournament_state', 'tournament_finished']);
    const states = [...text.matchAll(/"state":"(\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(states, ['running', 'cancelling', 'cancelled'], 'stored creating, running once every child exists, then cancelled');
  });
});
