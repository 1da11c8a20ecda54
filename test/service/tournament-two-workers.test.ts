import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import type { TournamentView } from '../../src/core/tournament-view.js';
import { tournamentText } from '../../src/cli/client/tournament-text.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { until } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';

/**
 * A final round spread over two real workers on this host, each pinned to its own CPU: every block
 * runs on one worker (each pair on one machine), blocks go round-robin to both, and the verdicts
 * are formed from pairs of both.
 */
describe('a tournament final round over two workers', () => {
  let sww: ServiceWithWorkers;

  before(async () => {
    sww = await startServiceWithWorkers();
    await sww.startWorker('spread-a', { cpus: '0', clientCpus: '0' });
    await sww.startWorker('spread-b', { cpus: '1', clientCpus: '1' });
  });
  after(async () => {
    await sww.close();
  });

  it('spreads blocks over both workers, each block on one, and forms the verdicts', async () => {
    const created = await sww.request('POST', '/v1/tournaments', {
      name: 'spread',
      allocators: ['glibc', 'jemalloc'],
      // Memory 300 ms after a free burst: allocators differ far beyond the noise.
      workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300' } }],
      objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
      budget: { trials: 2, minutes: 5 },
      repeats: 1,
      duel: { candidates: 1, confirm: { min_pairs: 3, max_pairs: 7 } },
      distill: { enabled: false },
      sampler: 'random',
      seed: 11,
    });
    assert.equal(created.statusCode, 201, created.body);
    const { tournament } = created.json<{ tournament: TournamentRecord }>();
    const done = await until('tournament finished', async () => {
      const { tournament: t } = (await sww.request('GET', `/v1/tournaments/${tournament.id}`)).json<{ tournament: TournamentRecord }>();
      return t.state === 'finished' || t.state === 'failed' ? t : undefined;
    }, 180_000);
    assert.equal(done.state, 'finished', done.stop_reason);
    const [round] = done.rounds;
    assert.ok(round);
    assert.equal(round.status, 'done', round.reason);

    // Every block has one worker, and both workers got blocks.
    const blocks = [...new Set(round.trials.map((t) => t.block))].sort((x, y) => x - y);
    assert.ok(blocks.length >= 3, `${blocks.length} blocks`);
    assert.equal(round.block_workers.length, blocks.length);
    assert.deepEqual(new Set(round.block_workers), new Set(['spread-a', 'spread-b']), round.block_workers.join(','));

    // The stored results say who measured: every trial of a block came from the block's worker.
    for (const t of round.trials) {
      assert.equal(t.state, 'completed', `${t.trial_id}: ${t.error ?? t.state}`);
      const result = await getTrialResult(sww.redis, tournament.id, t.trial_id);
      assert.ok(result, t.trial_id);
      assert.equal(result.worker.name, round.block_workers[t.block], `trial ${t.trial_id} of block ${t.block}`);
    }
    const cpusOf = new Map<string, Set<string>>();
    for (const t of round.trials) {
      const result = await getTrialResult(sww.redis, tournament.id, t.trial_id);
      const name = result?.worker.name ?? '';
      cpusOf.set(name, (cpusOf.get(name) ?? new Set()).add(result?.worker.cpus ?? ''));
    }
    assert.deepEqual([...(cpusOf.get('spread-a') ?? [])], ['0']);
    assert.deepEqual([...(cpusOf.get('spread-b') ?? [])], ['1']);

    // The verdicts rest on pairs from both workers.
    const board = (await sww.request('GET', `/v1/tournaments/${tournament.id}/leaderboard`)).json<TournamentView>();
    const [result] = board.per_threads;
    assert.ok(result);
    assert.deepEqual(
      result.round.workers.map((w) => w.worker).sort(),
      ['spread-a', 'spread-b'],
    );
    for (const w of result.round.workers) for (const b of w.blocks) assert.equal(round.block_workers[b], w.worker);
    // The CLI's text says the same.
    const text = tournamentText(board);
    for (const w of result.round.workers) assert.ok(text.includes(`on ${w.worker}: ${w.blocks.join(',')}`), text);
    const jemalloc = result.ranking.find((r) => r.arm === 'jemalloc:defaults');
    assert.ok(jemalloc, result.ranking.map((r) => r.arm).join(', '));
    assert.ok(jemalloc.pairs >= 3, `${jemalloc.pairs} pairs`);
    assert.ok(['better', 'worse', 'no_gain', 'inconclusive'].includes(jemalloc.verdict), jemalloc.verdict);
    assert.equal(round.decided['jemalloc:defaults'] !== undefined, jemalloc.verdict !== 'inconclusive', `${jemalloc.verdict}: ${jemalloc.reason}`);

    // The events say which worker each queued block went to.
    const res = await fetch(`${sww.service.url}/v1/tournaments/${tournament.id}/events`, { signal: AbortSignal.timeout(20_000) });
    const queued = [...(await res.text()).matchAll(/^event: final_round_blocks_queued\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1] ?? '{}') as { workers: { block: number; worker: string }[] });
    const fromEvents = queued.flatMap((e) => e.workers).sort((x, y) => x.block - y.block).map((w) => w.worker);
    assert.deepEqual(fromEvents, round.block_workers);
  });
});
