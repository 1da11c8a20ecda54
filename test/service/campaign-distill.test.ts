import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { readEventsAfter } from '../../src/store/campaign-events.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { CampaignController } from '../../src/service/campaign-controller.js';
import { unregisterWorker } from '../../src/store/worker-registry.js';
import { completeJob, failJob, FakeTrialQueue, registerFakeWorker, type FakeMetrics, redisWithFakeWorker } from '../helpers/fake-trial-queue.js';
import { GUIDE, runScriptedCampaign, scripted, TUNING_GUIDE } from '../helpers/scripted-campaign.js';
import { distillEvidence } from '../../src/service/recommendation-evidence.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { buildExportEvidence } from '../../src/service/export-evidence-builder.js';
import { smallCampaign } from '../helpers/small-campaign.js';

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  ({ redis, stop: stopRedis } = await redisWithFakeWorker('alloctune-distill-'));
});
after(() => stopRedis());

async function distilledCampaign(name: string, metrics: FakeMetrics, overrides: Parameters<typeof runScriptedCampaign>[3] = {}) {
  return runScriptedCampaign(redis, name, metrics, overrides);
}

describe('distillation round (temporary Redis, fake queue and worker)', () => {
  it('keeps exactly the two knobs that matter out of eight, records each decision and announces it', async () => {
    const { controller, id } = await distilledCampaign('distill 2 of 8', scripted());
    const record = await controller.record(id);
    assert.equal(record.state, 'finished');
    const d = record.distillation;
    assert.ok(d, 'the round is on the record');
    assert.equal(d.winner_arm, 'guide', 'the confirmed winner is the reference');
    assert.equal(d.status, 'done', d.reason);
    assert.deepEqual(Object.keys(d.minimal ?? {}).sort(), ['dirty_decay_ms', 'tcache_max']);
    // The importance estimate of this small campaign ranks dirty_decay_ms low, so the joint revert
    // of the least important knobs takes it along, is shown worse, and every knob gets its own step.
    const [group, ...singles] = d.steps;
    assert.ok(group && (group.knobs ?? []).length >= 2, `a group step first: ${group?.knob}`);
    assert.match(group.order_reason ?? '', /least important knobs hold \d+\.\d% of the importance/);
    assert.equal(group.outcome, 'carries_gain', group.reason);
    assert.equal(group.kept, true);
    assert.equal(singles.length, 8, 'the group did not hold: every changed knob was then tried once');
    assert.deepEqual(singles.filter((s) => s.kept).map((s) => s.knob).sort(), ['dirty_decay_ms', 'tcache_max']);
    assert.ok(singles.every((s) => s.outcome === (s.kept ? 'carries_gain' : 'reverted')), 'noise-free pairs: every step decided, none inconclusive');
    for (const s of d.steps) assert.ok(s.reason && s.objective && s.objective.pairs === 3 && s.pairs_planned === 3, `${s.knob}: decided on 3 pairs with a reason`);
    assert.match(d.reason ?? '', /^reverted .*; shown to carry the gain: (dirty_decay_ms, tcache_max|tcache_max, dirty_decay_ms);/);
    assert.equal(d.confirmation?.confirmed, true, d.confirmation?.reason);
    assert.match(record.stop_reason ?? '', /distillation done/);

    const trials = await controller.trials(id);
    const distill = trials.filter((t) => t.role === 'distill');
    assert.equal(distill.length, 9 * 3 * 2 + 6 * 2, '9 steps of 3 pairs, then 6 pairs of the minimal config against the baseline');
    assert.ok(distill.every((t) => t.state === 'completed' && t.worker === 'w1'));
    const step1 = distill.filter((t) => t.duel?.duel_id === 's1').map((t) => t.duel?.arm);
    assert.deepEqual(step1, ['candidate', 'current', 'current', 'candidate', 'candidate', 'current'], 'interleaved A B / B A');

    const types = (await readEventsAfter(redis, id, '0', 100_000)).map((e) => e.type);
    const count = (type: string): number => types.filter((t) => t === type).length;
    assert.equal(count('distill_started'), 1);
    assert.equal(count('distill_step_planned'), 9);
    assert.equal(count('distill_step_decided'), 9);
    assert.equal(count('distill_step_extended'), 0, 'decided on the first pairs');
    assert.equal(count('distill_confirm_planned'), 1);
    assert.equal(count('distill_finished'), 1);
    assert.equal(types.at(-1), 'campaign_finished');
    assert.ok(types.indexOf('distill_started') > types.lastIndexOf('duels_planned'), 'after the confirmation round');
  });

  it('the export of the minimal config shows what the allocator read back under it, not under the winner', async () => {
    const base = scripted();
    // A faithful allocator reads back what it was given (the job's config), so each arm's options tell the arms apart.
    const readsBack: FakeMetrics = (job) => ({ ...base(job), options: { ...job.config } });
    const { controller, id } = await distilledCampaign('distill read-back', readsBack);
    const record = await controller.record(id);
    assert.equal(record.distillation?.confirmation?.confirmed, true, record.distillation?.confirmation?.reason);
    const evidence = await buildExportEvidence(redis, record, await controller.leaderboard(id), await controller.trials(id));
    assert.equal(evidence.chosen.label, 'minimal');
    const current = record.distillation?.current ?? {};
    assert.ok(Object.keys(current).length > 0, 'the distilled config is on the record');
    // The minimal config runs the baseline's values for every reverted knob: its read-back says so.
    assert.deepEqual(evidence.chosen.effective_options, current, 'read back under the minimal config');
    const winner = (await controller.leaderboard(id)).rows.find((r) => r.arm === record.distillation?.winner_arm);
    assert.ok(winner && Object.entries(winner.config).some(([k, v]) => evidence.chosen.effective_options[k] !== v), 'differs from the winner\'s read-back');
  });

  it('is skipped, with the reason recorded, when nothing was confirmed', async () => {
    const flat: FakeMetrics = () => ({ rss_bytes: 40e6, fragmentation_ratio: 2 });
    const { controller, id } = await distilledCampaign('distill nothing confirmed', flat);
    const d = (await controller.record(id)).distillation;
    assert.equal(d?.status, 'skipped');
    assert.match(d?.reason ?? '', /nothing was confirmed/);
    assert.equal((await controller.trials(id)).filter((t) => t.role === 'distill').length, 0);
  });

  it('a step whose trials all fail is unmeasured (inconclusive, with the failure\'s words), never "shown to carry the gain"', async () => {
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const spec = CampaignSpecSchema.parse(smallCampaign({ name: 'distill failing steps', references: [{ name: 'guide', malloc_conf: GUIDE }], distill: { pairs: 2, max_steps: 3 } }));
    const { id } = await controller.create(spec);
    for (let i = 0; i < 120 && (await controller.record(id)).state === 'running'; i++) {
      await controller.tick();
      const role = new Map((await controller.trials(id)).map((t) => [t.trial_id, t.role]));
      for (const job of queue.take(id)) {
        if (role.get(job.trial_id) === 'distill') await failJob(redis, job, 'w1', { code: 'ALLOCTUNE_ERR_NOT_FOUND', message: "allocator definition 'jemalloc' not found" });
        else await completeJob(redis, job, 'w1', scripted());
      }
    }
    const d = (await controller.record(id)).distillation;
    assert.ok(d && d.steps.length > 0, 'the round ran steps');
    for (const s of d.steps) {
      assert.equal(s.outcome, 'inconclusive', `${s.knob}: ${s.reason ?? ''}`);
      assert.match(s.reason ?? '', /not measured: \d+ of its trials failed: ALLOCTUNE_ERR_NOT_FOUND allocator definition 'jemalloc' not found/);
    }
    assert.doesNotMatch(d.reason ?? '', /shown to carry the gain/);
  });

  it('respects max_steps: knobs beyond it stay, untested, with that reason', async () => {
    const { controller, id } = await distilledCampaign('distill capped', scripted(), { distill: { pairs: 2, max_steps: 3 } });
    const d = (await controller.record(id)).distillation;
    assert.equal(d?.steps.length, 3);
    assert.match(d?.reason ?? '', /max_steps \(3\) reached, kept untested/);
  });

  it('re-plans the pairs of a step whose worker is lost on another worker, and still ends with the two knobs', async () => {
    await registerFakeWorker(redis, 'w2', 4);
    const queue = new FakeTrialQueue();
    const controller = new CampaignController({ redis, queue, workerTimeoutMs: 3_600_000 });
    const spec = CampaignSpecSchema.parse(smallCampaign({ name: 'distill worker lost', references: [{ name: 'guide', malloc_conf: GUIDE }], distill: { pairs: 3 } }));
    const { id } = await controller.create(spec);
    const metrics = scripted();
    let lost: string | undefined;
    try {
      for (let i = 0; i < 150 && (await controller.record(id)).state === 'running'; i++) {
        await controller.tick();
        const jobs = queue.take(id);
        const pinned = jobs.find((j) => controller.runtime(id)?.trials.get(j.trial_id)?.role === 'distill');
        if (pinned && lost === undefined) {
          // The first step's worker stops heartbeating before any of its pairs ran.
          lost = pinned.worker_labels['worker'] ?? 'w1';
          await unregisterWorker(redis, lost);
          for (const job of jobs) if (controller.runtime(id)?.trials.get(job.trial_id)?.role !== 'distill') await completeJob(redis, job, 'w1', metrics);
          continue;
        }
        for (const job of jobs) await completeJob(redis, job, job.worker_labels['worker'] ?? 'w1', metrics);
      }
      const record = await controller.record(id);
      assert.equal(record.state, 'finished');
      assert.ok(lost, 'a distillation step was planned');
      assert.deepEqual(Object.keys(record.distillation?.minimal ?? {}).sort(), ['dirty_decay_ms', 'tcache_max']);
      const trials = await controller.trials(id);
      const s1 = trials.filter((t) => t.duel?.duel_id === 's1');
      assert.equal(s1.filter((t) => t.state === 'failed' && t.error?.code === 'ALLOCTUNE_ERR_WORKER_LOST').length, 6, 'the lost pairs are failed as WORKER_LOST');
      assert.ok(s1.filter((t) => t.state === 'completed').every((t) => t.role === 'distill' && t.worker !== lost), 're-run as distillation trials elsewhere');
      const types = (await readEventsAfter(redis, id, '0', 100_000)).map((e) => e.type);
      assert.ok(types.includes('duels_replanned'));
    } finally {
      await registerFakeWorker(redis, 'w1', 4);
      await unregisterWorker(redis, 'w2');
    }
  });

  it('distils a confirmed reference too: of the tuning guide\'s 3 knobs only its decay part carries the gain', async () => {
    const references = [{ name: 'guide', malloc_conf: GUIDE }, { name: 'tuning', malloc_conf: TUNING_GUIDE }];
    const { controller, id } = await distilledCampaign('distill reference', scripted(), { references, duel: { candidates: 2, pairs: 8 }, distill: { pairs: 3, max_steps: 13 } });
    const record = await controller.record(id);
    assert.equal(record.state, 'finished');
    const d = record.distillation;
    assert.ok(d);
    assert.equal(d.winner_arm, 'guide');
    assert.deepEqual(Object.keys(d.minimal ?? {}).sort(), ['dirty_decay_ms', 'tcache_max'], 'the winner\'s part is unchanged');
    const ref = d.references?.find((r) => r.arm === 'tuning');
    assert.ok(ref, `the confirmed reference is distilled: ${JSON.stringify(d.references)}`);
    assert.equal(ref.status, 'done', ref.reason);
    assert.deepEqual(ref.carries, ['dirty_decay_ms']);
    assert.deepEqual([...ref.contributes_nothing].sort(), ['metadata_thp', 'narenas'], ref.steps.map((s) => `${s.knob} ${s.outcome}: ${s.reason} (${s.order_reason})`).join('\n'));
    assert.deepEqual(ref.minimal, { dirty_decay_ms: 1000 });
    assert.match(ref.reason ?? '', /contributes nothing: .*narenas/);
    assert.ok(ref.steps.every((s) => /^r1s\d$/.test(s.duel_id) && s.objective?.pairs === 3), 'its own duel ids, 3 pairs each');
    assert.equal(d.steps.length + ref.steps.length, 13, 'one round: 9 winner steps, then 4 reference steps (its joint step did not hold either)');

    const trials = await controller.trials(id);
    const evidence = distillEvidence(d, trials);
    const exported = evidence.references.find((r) => r.arm === 'tuning');
    assert.deepEqual(exported?.steps.filter((s) => s.knobs.length === 1).map((s) => [s.knob, s.kept]).sort(), [['dirty_decay_ms', true], ['metadata_thp', false], ['narenas', false]]);
    assert.equal(evidence.trials, 13 * 3 * 2 + 8 * 2, '13 steps of 3 pairs, the minimal config\'s 8 pairs');

    const events = await readEventsAfter(redis, id, '0', 100_000);
    const finished = events.find((e) => e.type === 'distill_reference_finished');
    assert.deepEqual(finished?.data['contributes_nothing'], ref.contributes_nothing);
    assert.equal(events.filter((e) => e.type === 'distill_step_planned' && e.data['subject'] === 'tuning').length, 4);
  });

  it('max_steps is the whole round\'s budget: a reference gets only the steps the winner left', async () => {
    const references = [{ name: 'guide', malloc_conf: GUIDE }, { name: 'tuning', malloc_conf: TUNING_GUIDE }];
    const { controller, id } = await distilledCampaign('distill reference capped', scripted(), { references, duel: { candidates: 2, pairs: 8 }, distill: { pairs: 2, max_steps: 10 } });
    const d = (await controller.record(id)).distillation;
    const ref = d?.references?.find((r) => r.arm === 'tuning');
    assert.equal(d?.steps.length, 9, 'the joint step and 8 single steps');
    assert.equal(ref?.steps.length, 1);
    assert.match(ref?.reason ?? '', /max_steps \(10\) reached for the round, untested/);
  });

  it('a guard regression makes the knob that drives it the first revert tried, with that reason', async () => {
    // thp:never doubles malloc p99 (a 10 % margin guard); it does nothing to RSS. Without the
    // guard it would be queued among the least important knobs, after knobs such as narenas.
    const p99 = scripted((job) => ({ 'harness:fragmentation.malloc_p99_ns': job.env['MALLOC_CONF'] !== undefined && job.config['thp'] === 'never' ? 2000 : 1000 }));
    const { controller, id } = await distilledCampaign('distill guard first', p99, { budget: { trials: 16, minutes: 10 } });
    const d = (await controller.record(id)).distillation;
    assert.ok(d);
    assert.equal(d.winner_arm, 'guide');
    const first = d.steps[0];
    assert.equal(first?.knob, 'thp', `order ${d.steps.map((s) => s.knob).join(', ')}`);
    assert.match(first?.order_reason ?? '', /regressed guard harness:fragmentation\.malloc_p99_ns/);
    assert.match(d.steps[1]?.order_reason ?? '', /least important (first|knobs hold)/, 'then the small knobs together, or one at a time');
    assert.equal(first?.kept, false, 'reverting it costs nothing on the objective');
    assert.ok(!Object.hasOwn(d.minimal ?? {}, 'thp'));
  });

  it('under per-pair noise: steps grow by 2 pairs while more can decide, stop early when they cannot, and the round and export say which knobs could not be told', async () => {
    // 4 % noise per trial (~6 % per pair) on every configured run; metadata_thp:auto saves 6 % RSS.
    const rng = new SeededRng(5);
    const base = scripted();
    const noisy: FakeMetrics = (job) => {
      const m = base(job);
      const set = job.env['MALLOC_CONF'] !== undefined;
      const thp = set && job.config['metadata_thp'] === 'auto' ? 0.94 : 1;
      return { ...m, rss_bytes: m.rss_bytes * thp * (set ? Math.exp(rng.normal(0, 0.04)) : 1) };
    };
    const { controller, id } = await distilledCampaign('distill noisy', noisy, { distill: { pairs: 3, max_pairs: 12, max_steps: 10, margin_pct: 2 } });
    const record = await controller.record(id);
    const d = record.distillation;
    assert.ok(d && d.status === 'done', d?.reason);
    const decided = d.steps.filter((s) => s.outcome !== undefined);
    assert.equal(decided.length, d.steps.length);
    const trace = d.steps.map((s) => `${s.knob} ${s.outcome} ${s.pairs_planned}: ${s.reason}`).join('\n');
    for (const s of decided) {
      assert.equal(s.objective?.margin, 0.02, 'distill.margin_pct is the margin');
      assert.ok((s.pairs_planned ?? 0) >= 3 && (s.pairs_planned ?? 0) <= 12, trace);
      assert.equal(s.objective?.pairs, s.pairs_planned, 'every planned pair was measured and used');
      assert.equal(s.kept, s.outcome !== 'reverted');
    }
    const grown = decided.filter((s) => (s.pairs_planned ?? 0) > 3);
    assert.ok(grown.length > 0, `some step needed more pairs:\n${trace}`);
    assert.ok(grown.every((s) => ((s.pairs_planned ?? 0) - 3) % 2 === 0 || s.pairs_planned === 12), 'in batches of 2');
    const unsure = decided.filter((s) => s.outcome === 'inconclusive');
    assert.ok(unsure.length > 0, `some zero-effect knob cannot be told within 2 % at this noise:\n${trace}`);
    for (const s of unsure) assert.match(s.reason ?? '', /^could not tell with \d+ pairs: .*per-pair spread ±\d+\.\d%, margin 2%; (stopped early: even max_pairs \(12\)|max_pairs \(12\) spent)/);
    assert.ok(unsure.some((s) => s.pairs_planned === 3 && /stopped early/.test(s.reason ?? '')), `a hopeless step stops at its first pairs:\n${trace}`);
    const dirty = decided.find((s) => s.knob === 'dirty_decay_ms');
    assert.equal(dirty?.outcome, 'carries_gain', 'a 67 % loss is shown whatever the noise');
    assert.match(d.reason ?? '', /kept, could not tell \(per-pair noise too large for the margin\): /);
    assert.doesNotMatch(d.reason ?? '', /every changed knob carries/);

    const types = (await readEventsAfter(redis, id, '0', 100_000)).filter((e) => e.type === 'distill_step_extended');
    assert.equal(types.length, grown.reduce((n, s) => n + Math.ceil(((s.pairs_planned ?? 3) - 3) / 2), 0), 'one event per batch');
    const trials = await controller.trials(id);
    for (const s of grown) {
      const own = trials.filter((t) => t.duel?.duel_id === s.duel_id).map((t) => t.duel?.pair_index ?? -1);
      assert.deepEqual([...new Set(own)].sort((a, b) => a - b), Array.from({ length: s.pairs_planned ?? 0 }, (_, i) => i), `${s.duel_id}: pairs 0..n-1, each A and B`);
    }

    const evidence = await buildExportEvidence(redis, record, await controller.leaderboard(id), trials);
    // A knob with a risk (this campaign measures no throughput, so the thread-cache knobs are
    // suspects) that its step could not tell is set back rather than shipped; the others stay.
    const revertedUnsure = new Set((d.reverted_untested ?? []).map((r) => r.knob));
    for (const k of revertedUnsure) assert.ok(unsure.some((s) => s.knob === k) || d.remaining.includes(k), `${k} was untried or could not be told`);
    const keptUnsure = unsure.filter((s) => !revertedUnsure.has(s.knob));
    assert.ok(keptUnsure.length > 0, trace);
    const partial = evidence.distillation?.not_fully_distilled ?? '';
    assert.match(partial, new RegExp(`^not fully distilled: ${keptUnsure.length} knobs? kept ${keptUnsure.length} inconclusive`));
    assert.ok(evidence.notes.includes(partial), 'said in the notes');
    assert.ok(evidence.recommendation?.headline.includes(`; ${partial}`), evidence.recommendation?.headline);
    if (revertedUnsure.size > 0) assert.match(evidence.recommendation?.headline ?? '', /; reverted after (its|their) steps? could not tell whether/);
    const perKnob = new Map(evidence.distillation?.knobs.map((k) => [k.knob, k]) ?? []);
    for (const s of keptUnsure) assert.equal(perKnob.get(s.knob)?.outcome, 'inconclusive');
    for (const s of unsure.filter((x) => revertedUnsure.has(x.knob))) assert.equal(perKnob.get(s.knob)?.outcome, 'reverted_untested', s.knob);
    for (const k of evidence.knobs.filter((x) => keptUnsure.some((s) => s.knob === x.knob))) assert.equal(k.distill_outcome, 'inconclusive', k.knob);
    assert.ok(evidence.distillation?.steps.every((s) => s.margin_pct === 2 && typeof s.spread_pct === 'number'));
  });
});
