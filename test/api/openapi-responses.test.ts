import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startService, type RunningService } from '../../src/api/start-service.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { OpenApiValidator, type OpenApiDocument } from '../helpers/openapi-validator.js';
import { parseCsv } from '../helpers/parse-csv.js';
import { smallCampaign } from '../helpers/small-campaign.js';
import { startTempRedis } from '../helpers/temp-redis.js';

const TOKEN = 'openapi-token';
const WORKER = 'oa-w1';
const OBJECTIVE_KEY = 'harness:fragmentation.rss_bytes_at_300ms';

interface SseEvent {
  id: string;
  type: string;
}

/** Read a whole SSE stream; `ended` is false when it was still open at the timeout. */
async function readStream(url: string, timeoutMs: number): Promise<{ events: SseEvent[]; ended: boolean }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  let text = '';
  try {
    const res = await fetch(url, { signal: controller.signal });
    assert.equal(res.status, 200);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString('utf8');
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    return { events: parseEvents(text), ended: false };
  } finally {
    clearTimeout(timer);
  }
  return { events: parseEvents(text), ended: true };

  function parseEvents(all: string): SseEvent[] {
    for (const block of all.split('\n\n')) {
      const fields = new Map(block.split('\n').filter((l) => /^(id|event): /.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(': ') + 2)]));
      const id = fields.get('id');
      if (id !== undefined) events.push({ id, type: fields.get('event') ?? 'message' });
    }
    return events;
  }
}

describe('API conventions against a real service, worker and campaign', () => {
  let redisServer: Awaited<ReturnType<typeof startTempRedis>>;
  let redis: Redis;
  let service: RunningService;
  let worker: CliProcess;
  let validator: OpenApiValidator;
  let doc: OpenApiDocument;
  let id: string;
  let stream: { events: SseEvent[]; ended: boolean };

  /** Fetch `url` from the real port and check the answer against the OpenAPI document. */
  async function call(url: string, init: RequestInit = {}): Promise<{ status: number; contentType: string; text: string; body: unknown }> {
    const res = await fetch(`${service.url}${url}`, init);
    const contentType = res.headers.get('content-type') ?? '';
    const text = await res.text();
    const body = res.status === 204 ? undefined : validator.check(init.method ?? 'GET', url, res.status, contentType, text);
    return { status: res.status, contentType, text, body };
  }

  before(async () => {
    redisServer = await startTempRedis();
    redis = new Redis(redisServer.server.url);
    service = await startService({ redisUrl: redisServer.server.url, token: TOKEN, controllerTickMs: 200 });
    doc = (await (await fetch(`${service.url}/docs/json`)).json()) as OpenApiDocument;
    validator = new OpenApiValidator(doc);
    worker = startWorker(redisServer.server.url, WORKER);
    await until('worker registration', async () => (await listWorkers(redis)).length === 1, 30_000, worker.log);
    const spec = smallCampaign({ budget: { trials: 3, minutes: 10 }, repeats: 2, distill: { enabled: false } });
    const created = await call('/v1/campaigns', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(spec) });
    assert.equal(created.status, 201, created.text);
    id = (created.body as { campaign: { id: string } }).campaign.id;
    // Read without any stop condition: the server must end the stream itself.
    stream = await readStream(`${service.url}/v1/campaigns/${id}/events`, 300_000);
  });
  after(async () => {
    await worker.stop();
    await service.close();
    redis.disconnect();
    await redisServer.stop();
  });

  it('the SSE stream ends after campaign_finished, also when resumed after it', async () => {
    assert.ok(stream.ended, `the stream was still open at the timeout; last events: ${stream.events.slice(-3).map((e) => e.type).join(', ')}`);
    assert.equal(stream.events.at(-1)?.type, 'campaign_finished');
    const last = stream.events.at(-1)?.id ?? '';
    const started = Date.now();
    const resumed = await readStream(`${service.url}/v1/campaigns/${id}/events?after=${last}`, 30_000);
    assert.ok(resumed.ended, 'a stream resumed after the last event ends');
    assert.deepEqual(resumed.events, []);
    assert.ok(Date.now() - started < 20_000);
    const replay = await readStream(`${service.url}/v1/campaigns/${id}/events`, 30_000);
    assert.ok(replay.ended);
    assert.deepEqual(replay.events.map((e) => e.id), stream.events.map((e) => e.id));
  });

  it('every documented route has a response schema for its success answer', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const success = Object.entries(op.responses ?? {}).filter(([code]) => code.startsWith('2'));
        assert.ok(success.length > 0, `${method} ${path} documents no success answer`);
        for (const [code, r] of success) {
          if (code === '204') continue;
          assert.ok(Object.values(r.content ?? {}).some((c) => c.schema !== undefined), `${method} ${path} ${code} has no schema`);
        }
        assert.ok(op.responses?.['4XX'] && op.responses['5XX'], `${method} ${path} documents its error answers`);
      }
    }
  });

  it('real answers of every route fit the OpenAPI document', async () => {
    const trials = (await call(`/v1/campaigns/${id}/trials`)).body as { trials: { trial_id: string; state: string }[] };
    const completed = trials.trials.find((t) => t.state === 'completed');
    assert.ok(completed);
    const urls = [
      '/healthz',
      '/v1/spaces',
      '/v1/spaces/jemalloc',
      '/v1/workers',
      '/metrics',
      '/v1/campaigns',
      `/v1/campaigns/${id}`,
      `/v1/campaigns/${id}/trials?limit=2`,
      `/v1/campaigns/${id}/trials?role=baseline&state=completed`,
      `/v1/campaigns/${id}/trials?format=csv`,
      `/v1/campaigns/${id}/trials.csv`,
      `/v1/campaigns/${id}/trials/${completed.trial_id}`,
      `/v1/campaigns/${id}/leaderboard`,
      `/v1/campaigns/${id}/pareto`,
      `/v1/campaigns/${id}/importance`,
      `/v1/campaigns/${id}/export`,
      `/v1/campaigns/${id}/export?parts=true&format=malloc_conf`,
      `/v1/campaigns/${id}/export?format=malloc_conf`,
      `/v1/campaigns/${id}/export?format=k8s`,
      // Error answers are documented too.
      '/v1/campaigns/cnosuch',
      `/v1/campaigns/${id}/trials/t99999`,
      `/v1/campaigns/${id}/trials?cursor=bm90LWEtY3Vyc29y`,
      `/v1/campaigns/${id}/trials?state=done`,
    ];
    // The check itself can fail: a wrong state or an undocumented field is caught.
    const detail = (await call(`/v1/campaigns/${id}`)).body as { campaign: Record<string, unknown> };
    const tampered = (campaign: Record<string, unknown>): string => JSON.stringify({ ...detail, campaign });
    assert.throws(() => validator.check('GET', `/v1/campaigns/${id}`, 200, 'application/json', tampered({ ...detail.campaign, state: 'paused' })), /does not fit/);
    assert.throws(() => validator.check('GET', `/v1/campaigns/${id}`, 200, 'application/json', tampered({ ...detail.campaign, surprise: 1 })), /does not fit/);
    const statuses: Record<string, number> = {};
    for (const url of urls) statuses[url] = (await call(url)).status;
    assert.equal(statuses['/v1/campaigns/cnosuch'], 404);
    assert.equal(statuses[`/v1/campaigns/${id}/trials/t99999`], 404);
    assert.equal(statuses[`/v1/campaigns/${id}/trials?cursor=bm90LWEtY3Vyc29y`], 400);
    assert.equal(statuses[`/v1/campaigns/${id}/trials?state=done`], 400);
    for (const url of urls.slice(0, 19)) assert.equal(statuses[url], 200, url);
    // A cancel of a finished campaign answers in a documented shape, whatever its status.
    const cancel = await call(`/v1/campaigns/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(cancel.status < 500, cancel.text);
    const check = await call('/v1/auth/check', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(check.status, 204);
  });

  it('pages of trials with limit and cursor cover every trial once, in id order; filters apply', async () => {
    const all = ((await call(`/v1/campaigns/${id}/trials`)).body as { trials: { trial_id: string }[]; next_cursor: string | null });
    assert.equal(all.next_cursor, null);
    const seen: string[] = [];
    let cursor: string | null = '';
    for (let pages = 0; cursor !== null; pages++) {
      assert.ok(pages < 100);
      const page = (await call(`/v1/campaigns/${id}/trials?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).body as { trials: { trial_id: string }[]; next_cursor: string | null };
      assert.ok(page.trials.length <= 3);
      seen.push(...page.trials.map((t) => t.trial_id));
      cursor = page.next_cursor;
    }
    assert.deepEqual(seen, all.trials.map((t) => t.trial_id));
    assert.ok(seen.length > 3, 'more than one page');
    const byIndex = seen.map((t) => Number(t.slice(1)));
    assert.deepEqual(byIndex, [...byIndex].sort((a, b) => a - b));
    const duels = (await call(`/v1/campaigns/${id}/trials?role=duel&state=completed`)).body as { trials: { role: string; state: string }[] };
    assert.ok(duels.trials.length > 0);
    assert.ok(duels.trials.every((t) => t.role === 'duel' && t.state === 'completed'));
  });

  it('one trial comes with every repeat, the CPU steal, the options read back and the library preloaded', async () => {
    const trials = ((await call(`/v1/campaigns/${id}/trials?role=baseline&state=completed`)).body as { trials: { trial_id: string }[] }).trials;
    const first = trials[0];
    assert.ok(first);
    const detail = (await call(`/v1/campaigns/${id}/trials/${first.trial_id}`)).body as {
      trial: { trial_id: string; summary: Record<string, { n: number }> };
      results: { repeats: { workloads: { steal_pct: number; allocator: { name: string; options: Record<string, unknown> } }[] }[]; preload?: string }[];
    };
    assert.equal(detail.results.length, 1, 'one stored result');
    const result = detail.results[0];
    assert.ok(result);
    assert.equal(detail.trial.trial_id, first.trial_id);
    assert.equal(result.repeats.length, 2);
    assert.equal(detail.trial.summary[OBJECTIVE_KEY]?.n, 2);
    for (const r of result.repeats) {
      const w = r.workloads[0];
      assert.ok(w && w.steal_pct >= 0 && w.steal_pct <= 100);
      assert.equal(w.allocator.name, 'jemalloc');
      assert.ok('dirty_decay_ms' in w.allocator.options, 'jemalloc read its options back');
    }
    assert.match(result.preload ?? '', /libjemalloc/);
  });

  it('the CSV has one row per trial with config and metric columns, and parses', async () => {
    const trials = ((await call(`/v1/campaigns/${id}/trials`)).body as { trials: { trial_id: string; config: Record<string, unknown>; summary?: Record<string, { mean: number }> }[] }).trials;
    const res = await call(`/v1/campaigns/${id}/trials.csv`);
    assert.match(res.contentType, /^text\/csv/);
    const [header, ...rows] = parseCsv(res.text);
    assert.ok(header);
    assert.equal(rows.length, trials.length);
    const col = (name: string): number => header.indexOf(name);
    assert.ok(col(OBJECTIVE_KEY) > 0);
    for (const knob of new Set(trials.flatMap((t) => Object.keys(t.config)))) assert.ok(col(`config.${knob}`) > 0, knob);
    for (const [i, t] of trials.entries()) {
      const row = rows[i] as string[];
      assert.equal(row.length, header.length);
      assert.equal(row[col('trial_id')], t.trial_id);
      const mean = t.summary?.[OBJECTIVE_KEY]?.mean;
      if (mean !== undefined) assert.equal(Number(row[col(OBJECTIVE_KEY)]), mean);
    }
    assert.equal((await call(`/v1/campaigns/${id}/trials?format=csv`)).text, res.text);
  });

  it('intervals name their method and stay positive for memory', async () => {
    const board = (await call(`/v1/campaigns/${id}/leaderboard`)).body as { rows: { arm: string; objective?: { n: number; interval: { method: string; low: number | null; n: number } } }[] };
    const baseline = board.rows.find((r) => r.arm === 'baseline');
    assert.ok(baseline?.objective && baseline.objective.n >= 2);
    assert.equal(baseline.objective.interval.method, 'log-t');
    assert.ok((baseline.objective.interval.low ?? 0) > 0);
  });

  it('/metrics counts waiting and active jobs in every queue, the worker duel queue among them', async () => {
    const text = (await call('/metrics')).text;
    for (const queue of ['alloctune-trials', `alloctune-trials.worker=${WORKER}`]) {
      for (const state of ['waiting', 'active']) assert.match(text, new RegExp(`^alloctune_queue_jobs\\{queue="${queue.replace('.', '\\.')}",state="${state}"\\} \\d+$`, 'm'), `${queue} ${state}`);
    }
    // The duel pairs ran through the worker's own queue: its completed count says so.
    const done = new RegExp(`^alloctune_queue_jobs\\{queue="alloctune-trials\\.worker=${WORKER}",state="completed"\\} (\\d+)$`, 'm').exec(text);
    assert.ok(done && Number(done[1]) > 0, text);
  });
});
