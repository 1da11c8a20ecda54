import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tournamentText } from '../../src/cli/client/tournament-text.js';
import type { TournamentRecord } from '../../src/core/tournament-record.js';
import type { TournamentView } from '../../src/core/tournament-view.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { pairsOf } from '../../src/service/final-round.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { heartbeatWorker, listWorkers } from '../../src/store/worker-registry.js';
import { until } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';

const WORKER_TIMEOUT_MS = 4000;

/**
 * A final round spread over two real workers on this host, each pinned to its own CPU: blocks go
 * round-robin to every capable live worker, every trial of a block runs on the block's worker (each
 * pair on one machine), and the verdicts are formed from pairs of both. A third registered worker,
 * `spread-c`, takes nothing and then goes silent (what the registry sees of a worker that dies; a
 * real process would race to finish its block first): its block is lost, its queued trials alone are
 * withdrawn, and the round goes on with the two others.
 */
describe('a tournament final round over several workers', () => {
  let sww: ServiceWithWorkers;
  let ghost: NodeJS.Timeout | undefined;

  before(async () => {
    sww = await startServiceWithWorkers({ workerTimeoutMs: WORKER_TIMEOUT_MS });
    await sww.startWorker('spread-a', { cpus: '0', clientCpus: '0' });
    await sww.startWorker('spread-b', { cpus: '1', clientCpus: '1' });
    const a = (await listWorkers(sww.redis)).find((w) => w.name === 'spread-a') as WorkerInfo;
    const beat = (): Promise<void> => heartbeatWorker(sww.redis, { ...a, name: 'spread-c' });
    await beat();
    ghost = setInterval(() => void beat(), 500);
  });
  after(async () => {
    clearInterval(ghost);
    await sww.close();
  });

  it('spreads blocks over the workers, each block on one, loses only the departed worker\'s blocks, and forms the verdicts', async () => {
    const created = await sww.request('POST', '/v1/tournaments', {
      name: 'spread',
      allocators: ['glibc', 'jemalloc'],
      // Memory 300 ms after a free burst: allocators differ far beyond the noise.
      workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 4, 'snapshot-ms': '0,300' } }],
      objective: { metric: 'rss_bytes_at_300ms', direction: 'min' },
      budget: { trials: 2, minutes: 5 },
      repeats: 1,
      // The children run no duels (a duel would be planned on the idle spread-c): the round duels the defaults.
      duel: { enabled: false, candidates: 1, confirm: { min_pairs: 3, max_pairs: 7 } },
      distill: { enabled: false },
      sampler: 'random',
      seed: 11,
    });
    assert.equal(created.statusCode, 201, created.body);
    const { tournament } = created.json<{ tournament: TournamentRecord }>();
    const get = async (): Promise<TournamentRecord> => (await sww.request('GET', `/v1/tournaments/${tournament.id}`)).json<{ tournament: TournamentRecord }>().tournament;

    // Round-robin in name order: the first look's three blocks go to a, b and c.
    const opened = await until('a block queued on spread-c', async () => {
      const t = await get();
      return t.rounds[0]?.block_workers.includes('spread-c') ? t : undefined;
    }, 120_000);
    assert.deepEqual(opened.rounds[0]?.block_workers, ['spread-a', 'spread-b', 'spread-c']);
    clearInterval(ghost);

    const done = await until('tournament finished', async () => {
      const t = await get();
      return t.state === 'finished' || t.state === 'failed' ? t : undefined;
    }, 180_000);
    assert.equal(done.state, 'finished', done.stop_reason);
    const [round] = done.rounds;
    assert.ok(round);
    assert.equal(round.status, 'done', round.reason);

    // Every block has one worker; the real two ran blocks, spread-c only the one it lost.
    const blocks = [...new Set(round.trials.map((t) => t.block))].sort((x, y) => x - y);
    assert.equal(round.block_workers.length, blocks.length);
    assert.deepEqual(round.block_workers.flatMap((w, b) => (w === 'spread-c' ? [b] : [])), [2]);
    for (const w of ['spread-a', 'spread-b']) assert.ok(round.block_workers.includes(w), `${w} in ${round.block_workers.join(',')}`);

    // The stored results say who measured: every trial of a block came from the block's worker, on its CPU.
    const cpus: Record<string, string> = { 'spread-a': '0', 'spread-b': '1' };
    for (const t of round.trials) {
      const worker: string = round.block_workers[t.block] ?? '';
      const result = await getTrialResult(sww.redis, tournament.id, t.trial_id);
      if (worker === 'spread-c') {
        assert.equal(t.state, 'withdrawn', `${t.trial_id} of the lost block`);
        assert.equal(result, undefined);
        continue;
      }
      assert.equal(t.state, 'completed', `${t.trial_id}: ${t.error ?? t.state}`);
      assert.ok(result, t.trial_id);
      assert.equal(result.worker.name, worker, `trial ${t.trial_id} of block ${t.block}`);
      assert.equal(result.worker.cpus, cpus[worker]);
    }

    // The verdict rests on pairs from both real workers; the lost block is not one of them.
    const pairs = pairsOf(round, 'jemalloc:defaults');
    assert.ok(pairs.blocks.length >= 3, `${pairs.blocks.length} pairs`);
    assert.ok(!pairs.blocks.includes(2));
    assert.deepEqual(new Set(pairs.blocks.map((b) => round.block_workers[b])), new Set(['spread-a', 'spread-b']));
    const board = (await sww.request('GET', `/v1/tournaments/${tournament.id}/leaderboard`)).json<TournamentView>();
    const [result] = board.per_threads;
    assert.ok(result);
    const jemalloc = result.ranking.find((r) => r.arm === 'jemalloc:defaults');
    assert.ok(jemalloc, result.ranking.map((r) => r.arm).join(', '));
    assert.equal(jemalloc.pairs, round.decided['jemalloc:defaults'] ?? pairs.blocks.length);
    assert.ok(['better', 'worse', 'no_gain', 'inconclusive'].includes(jemalloc.verdict), jemalloc.verdict);
    assert.equal(round.decided['jemalloc:defaults'] !== undefined, jemalloc.verdict !== 'inconclusive', `${jemalloc.verdict}: ${jemalloc.reason}`);

    // The view, the CLI's text and the events say which worker ran which block.
    for (const w of result.round.workers) for (const b of w.blocks) assert.equal(round.block_workers[b], w.worker);
    assert.deepEqual(result.round.workers.flatMap((w) => w.blocks).sort((x, y) => x - y), blocks);
    const text = tournamentText(board);
    for (const w of result.round.workers) assert.ok(text.includes(`on ${w.worker}: ${w.blocks.join(',')}`), text);
    const res = await fetch(`${sww.service.url}/v1/tournaments/${tournament.id}/events`, { signal: AbortSignal.timeout(20_000) });
    const events = [...(await res.text()).matchAll(/^event: (\S+)\ndata: (.*)$/gm)].map((m) => ({ type: m[1], data: JSON.parse(m[2] ?? '{}') as Record<string, unknown> }));
    const queued = events.filter((e) => e.type === 'final_round_blocks_queued').flatMap((e) => e.data['workers'] as { block: number; worker: string }[]);
    assert.deepEqual(queued.sort((x, y) => x.block - y.block).map((w) => w.worker), round.block_workers);
    assert.deepEqual(events.filter((e) => e.type === 'final_round_blocks_lost').map((e) => e.data), [{ threads: null, worker: 'spread-c', blocks: [2] }]);
  });
});
