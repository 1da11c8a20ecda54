import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import type { TrialJobInput } from '../../src/core/trial-job.js';
import { trialsCsv } from '../../src/api/export/trials-csv.js';
import { TrialQueue } from '../../src/queue/trial-queue.js';
import { cutShortFor } from '../../src/service/cut-short-rule.js';
import { newTrialRecord, trialJobFor, trialWithResult } from '../../src/service/trial-factory.js';
import { completeConfig, loadSpace } from '../../src/spaces/index.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { parseCsv } from '../helpers/parse-csv.js';
import { forgeJob } from '../helpers/forge-job.js';
import { startWorker, until, type CliProcess } from '../helpers/child-processes.js';
import { startTempRedis } from '../helpers/temp-redis.js';

// A real worker process, real Redis, the real harness under the real jemalloc: the baseline and its
// placebo are measured first, the service's rule is derived from them, and two exploration trials
// carry it: tcache:false (larson's ops per CPU-second drop ~3.5x with it on this VM) is cut after its
// first repeat, dirty_decay_ms:10000 (jemalloc's default, written out: as good as the baseline by
// construction) runs all 3.

const METRIC = 'harness:larson.ops_per_cpu_s';
const spec = CampaignSpecSchema.parse({
  name: 'cut-short',
  allocator: 'jemalloc',
  workloads: [{ kind: 'harness', workload: 'larson', args: { 'duration-ms': 300 } }],
  objective: { metric: METRIC, direction: 'max' },
  repeats: 3,
  // 4 df from baseline and placebo; a 1% stated rate keeps the limit within reach of a loaded VM's noise.
  cut_short: { enabled: true, false_cut_rate: 0.01, min_noise_df: 4 },
});
const space = loadSpace('jemalloc');
const metrics = { objective: METRIC, constraints: [] };

let temp: Awaited<ReturnType<typeof startTempRedis>>;
let redis: Redis;
let queue: TrialQueue;
let worker: CliProcess;

function record(trialId: string, role: TrialRecord['role'], config: Record<string, string | number | boolean>): TrialRecord {
  const args = { campaignId: 'cut1', trialId, role, space, config: completeConfig(space, config), now: new Date() };
  // The baseline and placebo run the untouched defaults (nothing set), as a campaign's do.
  return newTrialRecord(Object.keys(config).length === 0 ? { ...args, env: {} } : args);
}

async function run(trial: TrialRecord, job: TrialJobInput): Promise<TrialRecord> {
  await queue.enqueueTrial(job);
  const result = await until(`trial ${trial.trial_id}`, () => getTrialResult(redis, 'cut1', trial.trial_id), 90_000, worker.log);
  return trialWithResult(trial, result);
}

describe('a real worker cuts a clearly bad trial short and runs a good one in full', () => {
  before(async () => {
    temp = await startTempRedis('alloctune-cut-');
    redis = new Redis(temp.server.url);
    queue = new TrialQueue(temp.server.url);
    worker = startWorker(temp.server.url, 'w-cut');
    await until('the worker to register', async () => (await listWorkers(redis)).some((w) => w.name === 'w-cut'), 60_000, worker.log);
  });
  after(async () => {
    await worker.stop();
    await queue.close();
    redis.disconnect();
    await temp.stop();
  });

  it('records the cut with its reason and the one repeat it has; the good config gets all 3', async () => {
    const measured: TrialRecord[] = [];
    for (const [id, role] of [['t1', 'baseline'], ['t2', 'placebo']] as const) {
      const t = record(id, role, {});
      measured.push(await run(t, trialJobFor(spec, t)));
    }
    assert.deepEqual(measured.map((t) => t.summary?.[METRIC]?.n), [3, 3]);

    const bad = record('t3', 'explore', { tcache: false });
    const good = record('t4', 'explore', { dirty_decay_ms: 10000 });
    const rule = cutShortFor({ spec, metrics }, measured, bad);
    assert.ok(rule, 'baseline and placebo give the rule its 4 df');
    const limit = rule.limits[0];
    assert.ok(limit && 'below' in limit);
    const baselineWorst = Math.min(...measured.flatMap((t) => t.summary?.[METRIC]?.values ?? []));
    assert.ok(limit.below < baselineWorst, `the limit ${limit.below} sits below the baseline's worst repeat ${baselineWorst}`);

    const badDone = await run(bad, trialJobFor(spec, bad, undefined, rule));
    const goodDone = await run(good, trialJobFor(spec, good, undefined, cutShortFor({ spec, metrics }, measured, good)));

    assert.equal(badDone.state, 'completed');
    const seen = JSON.stringify({ limit, baseline: measured.map((t) => t.summary?.[METRIC]?.values), bad: badDone.summary?.[METRIC]?.values, good: goodDone.summary?.[METRIC]?.values });
    assert.ok(badDone.cut_short, `not cut: ${seen}`);
    assert.equal(badDone.cut_short.after_repeats, 1);
    assert.equal(badDone.cut_short.of_repeats, 3);
    assert.equal(badDone.cut_short.metric, METRIC);
    assert.ok(badDone.cut_short.value < limit.below);
    assert.equal(badDone.summary?.[METRIC]?.n, 1, 'its summary holds the one repeat it ran');
    const stored = await getTrialResult(redis, 'cut1', 't3');
    assert.equal(stored?.repeats.length, 1);

    assert.equal(goodDone.state, 'completed');
    assert.equal(goodDone.cut_short, undefined, `cut: ${seen}`);
    assert.equal(goodDone.summary?.[METRIC]?.n, 3);

    // The trials CSV says so in its own column.
    const rows = parseCsv(trialsCsv([...measured, badDone, goodDone].map((t) => ({ ...t, score: { feasible: true } }))));
    const header = rows[0] as string[];
    const col = header.indexOf('cut_short');
    const byId = new Map(rows.slice(1).map((r) => [r[0], r]));
    assert.match(byId.get('t3')?.[col] ?? '', /^cut after 1 of 3 repeats: harness:larson\.ops_per_cpu_s .* < cut limit /);
    assert.equal(byId.get('t4')?.[col], '');
  });

  it('refuses a job whose cut threshold is not a number, records why and runs nothing', async () => {
    const job = trialJobFor(spec, record('t9', 'explore', {}));
    await forgeJob(temp.server.url, { ...job, cut_short: { after_repeats: 1, limits: [{ metric: METRIC, below: '1e9; touch /tmp/x', log_sd: 0.1 }] } });
    const result = await until('the refused trial', () => getTrialResult(redis, 'cut1', 't9'), 30_000, worker.log);
    assert.equal(result.status, 'failed');
    assert.equal(result.error?.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
    assert.match(result.error?.message ?? '', /cut_short\.limits\.0/);
    assert.deepEqual(result.repeats, []);
  });
});
