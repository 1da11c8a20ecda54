import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type { TrialJob } from '../../src/core/trial-job.js';
import { buildExportEvidence } from '../../src/service/export-evidence-builder.js';
import { buildLeaderboard } from '../../src/service/leaderboard.js';
import { redisWithFakeWorker, type FakeMetrics } from '../helpers/fake-trial-queue.js';
import { runScriptedCampaign } from '../helpers/scripted-campaign.js';

const OPS = 'harness:fragmentation.ops_per_cpu_s';

/**
 * Two confirmed references: `fast` (dirty_decay_ms:10) saves 40 % RSS and costs 10 % ops per
 * CPU-second (beyond the 3 % guard margin); `clean` (dirty_decay_ms:1000) saves `cleanSaving` and
 * costs nothing. Noise-free, so each gain's interval is its point.
 */
function metrics(cleanSaving: number): FakeMetrics {
  return (job: TrialJob) => {
    const set = job.env['MALLOC_CONF'] !== undefined;
    const decay = set ? job.config['dirty_decay_ms'] : undefined;
    const rss = 40e6 * (decay === 10 ? 0.6 : decay === 1000 ? 1 - cleanSaving : 1);
    return { rss_bytes: rss, fragmentation_ratio: 2, extra: { [OPS]: decay === 10 ? 0.9e6 : 1e6 } };
  };
}

const references = [
  { name: 'fast', malloc_conf: 'dirty_decay_ms:10' },
  { name: 'clean', malloc_conf: 'dirty_decay_ms:1000' },
];

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  ({ redis, stop: stopRedis } = await redisWithFakeWorker('alloctune-choice-'));
});
after(() => stopRedis());

async function exported(name: string, cleanSaving: number, distill = false) {
  const { controller, id } = await runScriptedCampaign(redis, name, metrics(cleanSaving), { references, distill: { enabled: distill, pairs: 3 } }, 200);
  const record = await controller.record(id);
  const trials = await controller.trials(id);
  const board = buildLeaderboard(record, trials);
  return { board, record, evidence: await buildExportEvidence(redis, record, board, trials) };
}

describe('guard-aware export choice (fake queue and worker, temporary Redis)', () => {
  it('a guard-regressing top config loses to a confirmed clean one whose gain is not clearly smaller', async () => {
    // 40 % vs 39.5 %: half a point apart, under the 1 % practical threshold for memory.
    const { board, evidence } = await exported('equal gains', 0.395);
    const confirmed = board.rows.filter((r) => r.beats_baseline).map((r) => r.arm);
    assert.deepEqual(confirmed, ['fast', 'clean'], 'both confirmed, the costly one ranked first');
    assert.equal(evidence.chosen.label, 'clean');
    assert.equal(evidence.chosen.config['dirty_decay_ms'], 1000);
    assert.equal(evidence.recommendation?.kind, 'improvement');
    const ops = evidence.guards.find((g) => g.metric === OPS);
    assert.equal(ops?.status, 'ok', ops?.summary);
    assert.ok((ops?.pairs ?? 0) >= 6, 'the clean one\'s guard judged on enough pairs');
    const why = /clean chosen over the top-ranked fast: their gains are not clearly apart \(\+39\.5% vs \+40\.0%.*fast regresses: harness:fragmentation\.ops_per_cpu_s -10\.0%/;
    assert.match(evidence.verdict, why);
    assert.ok(evidence.notes.some((n) => why.test(n)), 'the reason is a note of the export too');
  });

  it('the distillation round starts from the same choice', async () => {
    const { record, evidence } = await exported('equal gains, distilled', 0.395, true);
    assert.equal(record.distillation?.winner_arm, 'clean');
    assert.equal(evidence.chosen.config['dirty_decay_ms'], 1000);
  });

  it('a config with a clearly larger gain still wins, with its cost stated and the clean alternative named', async () => {
    const { evidence } = await exported('larger gain', 0.2);
    assert.equal(evidence.chosen.label, 'fast');
    assert.equal(evidence.recommendation?.kind, 'trade_off');
    assert.match(evidence.verdict, /trade-off: -40\.0% rss_bytes_at_300ms, costs 10\.0% harness:fragmentation\.ops_per_cpu_s/);
    assert.match(evidence.verdict, /fast chosen despite its guard cost .*: its gain \+40\.0% .* is clearly larger than that of clean, the best confirmed config with a lower guard cost \(\+20\.0%/);
  });
});
