import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { listResultTrialIds } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';
import { checkRealExports } from '../helpers/real-exports.js';

const TOKEN = 'e2e-token';

interface SseEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Read server-sent events from a real HTTP connection until `stop` says so. */
async function collectEvents(url: string, stop: (e: SseEvent) => boolean, timeoutMs: number): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(': '))
            .map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]),
        );
        if (fields['id'] === undefined) continue;
        const event = { id: fields['id'], type: fields['event'] ?? 'message', data: JSON.parse(fields['data'] ?? '{}') as Record<string, unknown> };
        events.push(event);
        if (stop(event)) return events;
      }
    }
    return events;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

describe('a small real campaign over a real port with a real worker', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let service: RunningService;
  let worker: CliProcess;
  let redis: Redis;

  before(async () => {
    redisServer = await startTempRedis();
    redis = new Redis(redisServer.server.url);
    service = await startService({ redisUrl: redisServer.server.url, token: TOKEN, controllerTickMs: 200 });
    worker = startWorker(redisServer.server.url, 'e2e-w1');
    await until('worker registration', async () => (await listWorkers(redis)).length === 1, 30_000, worker.log);
  });
  after(async () => {
    await worker.stop();
    await service.close();
    redis.disconnect();
    await redisServer.stop();
  });

  it('runs to completion, streams its events in order and exports the result with evidence', async () => {
    const created = await fetch(`${service.url}/v1/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(smallCampaign({ references: [{ name: 'seed', malloc_conf: 'dirty_decay_ms:1000' }] })),
    });
    assert.equal(created.status, 201);
    const id = ((await created.json()) as { campaign: { id: string } }).campaign.id;
    const events = await collectEvents(`${service.url}/v1/campaigns/${id}/events`, (e) => e.type === 'campaign_finished', 240_000);

    // Order: stream ids strictly increase; each trial is queued before it completes.
    const ids = events.map((e) => e.id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [ids[i - 1] as [number, number], ids[i] as [number, number]];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), 'event ids increase');
    }
    const types = new Set(events.map((e) => e.type));
    for (const t of ['campaign_created', 'trial_queued', 'trial_started', 'trial_completed', 'duels_planned', 'campaign_finished']) {
      assert.ok(types.has(t), `event ${t} delivered`);
    }
    // One event per fact: a trial is queued once and finishes once; no derived events on top.
    for (const type of ['trial_queued', 'trial_completed']) {
      const trialIds = events.filter((e) => e.type === type).map((e) => e.data['trial_id']);
      assert.equal(new Set(trialIds).size, trialIds.length, `one ${type} per trial`);
    }
    assert.ok(!types.has('leaderboard_changed') && !types.has('trial_result'), 'no event repeats another fact');
    const position = (type: string, trial: unknown) => events.findIndex((e) => e.type === type && e.data['trial_id'] === trial);
    for (const done of events.filter((e) => e.type === 'trial_completed')) {
      assert.ok(position('trial_queued', done.data['trial_id']) < position('trial_completed', done.data['trial_id']));
    }

    const status = (await (await fetch(`${service.url}/v1/campaigns/${id}`)).json()) as { campaign: { state: string; stop_reason: string }; progress: Record<string, number> };
    assert.equal(status.campaign.state, 'finished');
    assert.match(status.campaign.stop_reason, /trial_budget|converged/);
    assert.equal(status.progress['explored'], 4);

    // Every trial counted once: one stored result per trial record, none without a record.
    const trials = ((await (await fetch(`${service.url}/v1/campaigns/${id}/trials`)).json()) as { trials: { trial_id: string; state: string; score: { objective?: number; feasible: boolean } }[] }).trials;
    // Each trial comes with the service's own judgement of it (objective, feasibility).
    for (const t of trials.filter((x) => x.state === 'completed')) assert.equal(typeof t.score.objective, 'number', `${t.trial_id} scored`);
    assert.ok(trials.some((t) => t.score.feasible), 'some trial meets the loose constraint');
    const results = await listResultTrialIds(redis, id);
    assert.equal(new Set(results).size, results.length);
    assert.deepEqual([...results].sort(), trials.filter((t) => t.state === 'completed' || t.state === 'failed').map((t) => t.trial_id).sort());

    const board = (await (await fetch(`${service.url}/v1/campaigns/${id}/leaderboard`)).json()) as {
      rows: { arm: string; completed: number }[];
      duels: { a: string; b: string; pairs_done: number }[];
    };
    assert.ok(board.rows.some((r) => r.arm === 'baseline' && r.completed > 0));
    // Sequential confirmation (the default): every duel runs from the first look (3 pairs) to at most max_pairs (12).
    const sequential = (d: { pairs_done: number }): boolean => d.pairs_done >= 3 && d.pairs_done <= 12;
    assert.ok(board.duels.some((d) => d.a === 'placebo' && d.b === 'baseline' && sequential(d)), 'placebo dueled the baseline');
    assert.ok(board.duels.some((d) => d.a === 'seed' && d.b === 'baseline' && sequential(d)), 'the reference dueled the baseline');
    const leaderVsSeed = board.duels.find((d) => d.b === 'seed');
    assert.ok(leaderVsSeed && sequential(leaderVsSeed) && !['baseline', 'placebo', 'seed'].includes(leaderVsSeed.a), 'the leader met the reference head on');
    assert.ok(board.rows.some((r) => r.arm === 'seed' && r.completed >= 7), 'the reference measured like the baseline, then in its duel');

    const exported = await fetch(`${service.url}/v1/campaigns/${id}/export?format=systemd&with_evidence=true`);
    assert.equal(exported.status, 200);
    const text = await exported.text();
    assert.match(text, /^\[Service\]$/m);
    assert.match(text, /^# verdict: /m);
    assert.match(text, new RegExp(`campaign ${id}`));
    const json = (await (await fetch(`${service.url}/v1/campaigns/${id}/export?format=json`)).json()) as { baseline: { effective_options: Record<string, unknown> }; preload?: string };
    assert.equal(json.baseline.effective_options['dirty_decay_ms'], 10000, 'jemalloc options read back for the evidence');
    await checkRealExports(service.url, id, json.preload);

    const pareto = (await (await fetch(`${service.url}/v1/campaigns/${id}/pareto`)).json()) as { points: unknown[] };
    assert.ok(Array.isArray(pareto.points));
  });
});
