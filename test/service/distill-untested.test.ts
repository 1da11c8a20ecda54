import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { readEventsAfter } from '../../src/store/campaign-events.js';
import { buildExportEvidence } from '../../src/service/export-evidence-builder.js';
import { redisWithFakeWorker, type FakeMetrics } from '../helpers/fake-trial-queue.js';
import { runScriptedCampaign } from '../helpers/scripted-campaign.js';

const P99 = 'harness:fragmentation.malloc_p99_ns';

/**
 * A guide that turns the thread cache off (tcache:false, a throughput trap of search-spaces/jemalloc.json)
 * among six other knobs. The harness reports no throughput here, so the campaign never sees that cost.
 */
const TRAP_GUIDE = 'narenas:2,dirty_decay_ms:0,muzzy_decay_ms:1000,metadata_thp:auto,thp:never,lg_extent_max_active_fit:8,tcache:false';

/**
 * RSS falls 40 % when a MALLOC_CONF sets muzzy_decay_ms:1000 together with `carrier` at its guide value
 * (dirty_decay_ms:0 or tcache:false), a pair random exploration does not hit, so the guide is the
 * winner; thp:never doubles malloc p99 (a regressed guard, so thp is its driver and goes first):
 * with max_steps 1 that step is the only one, and the trap knob is left untested.
 */
function metrics(carrier: 'dirty_decay_ms' | 'tcache'): FakeMetrics {
  return (job) => {
    const set = job.env['MALLOC_CONF'] !== undefined && job.config['muzzy_decay_ms'] === 1000;
    const gain = set && (carrier === 'tcache' ? job.config['tcache'] === false : job.config['dirty_decay_ms'] === 0) ? 0.6 : 1;
    return { rss_bytes: 40e6 * gain, fragmentation_ratio: 2, extra: { [P99]: job.env['MALLOC_CONF'] !== undefined && job.config['thp'] === 'never' ? 2000 : 1000 } };
  };
}

let redis: Redis;
let stopRedis: () => Promise<void>;
before(async () => {
  ({ redis, stop: stopRedis } = await redisWithFakeWorker('alloctune-untested-'));
});
after(() => stopRedis());

async function campaign(name: string, carrier: 'dirty_decay_ms' | 'tcache', distill: Record<string, unknown>) {
  const { controller, id } = await runScriptedCampaign(redis, name, metrics(carrier), { references: [{ name: 'guide', malloc_conf: TRAP_GUIDE }], distill: { pairs: 3, ...distill } });
  const record = await controller.record(id);
  const trials = await controller.trials(id);
  const evidence = await buildExportEvidence(redis, record, await controller.leaderboard(id), trials);
  return { id, record, evidence, d: record.distillation };
}

describe('distillation with a trap knob and too few steps (fake queue and worker, temporary Redis)', () => {
  it('tests the trap knob right after the guard driver, before the least important knobs', async () => {
    const { d, evidence } = await campaign('trap tested first', 'dirty_decay_ms', { max_steps: 2 });
    assert.ok(d);
    assert.equal(d.winner_arm, 'guide');
    assert.deepEqual(d.steps.map((s) => s.knob), ['thp', 'tcache'], `order: ${d.steps.map((s) => `${s.knob} (${s.order_reason ?? ''})`).join('; ')}`);
    assert.match(d.steps[1]?.order_reason ?? '', /^early, a cost the objective does not show: tcache=false is a known throughput trap: tcache:false cost 18-29% SET\/GET ops\/s/);
    assert.equal(d.steps[1]?.outcome, 'reverted', 'it carries none of the RSS gain');
    assert.ok(!Object.hasOwn(evidence.chosen.config, 'tcache'), `not shipped: ${JSON.stringify(evidence.chosen.config)}`);
    assert.equal(evidence.distillation?.untested_risks, undefined, 'tested, so nothing untested to report about it');
    assert.equal(d.confirmation?.confirmed, true, d.confirmation?.reason);
  });

  it('reverts the trap knob that max_steps left untested, confirms the config exported, and the export names it with the trap\'s words', async () => {
    const { id, d, evidence } = await campaign('trap reverted untested', 'dirty_decay_ms', { max_steps: 1 });
    assert.ok(d);
    assert.deepEqual(d.steps.map((s) => s.knob), ['thp'], 'the guard driver takes the only step');
    assert.deepEqual(d.reverted_untested?.map((r) => [r.knob, r.from]), [['tcache', false]]);
    assert.equal(d.confirmation?.confirmed, true, d.confirmation?.reason);
    assert.equal(d.current?.['tcache'], true, 'the config the final duel measured has the thread cache on');
    assert.equal(evidence.chosen.label, 'minimal');
    assert.ok(!Object.hasOwn(evidence.chosen.config, 'tcache'), `never shipped untested: ${JSON.stringify(evidence.chosen.config)}`);
    assert.doesNotMatch(evidence.chosen.env['MALLOC_CONF'] ?? '', /tcache/);
    const knob = evidence.distillation?.knobs.find((k) => k.knob === 'tcache');
    assert.equal(knob?.outcome, 'reverted_untested');
    const words = /reverted untested \(the step budget ran out before its step, and no step showed it carries any of the gain\): tcache \(tcache=false is a known throughput trap: tcache:false cost 18-29% SET\/GET ops\/s/;
    assert.match(evidence.distillation?.untested_risks ?? '', words);
    assert.match(evidence.distillation?.untested_risks ?? '', /with no memory gain; this campaign did not measure throughput\)$/, 'and that this campaign could not see the cost');
    assert.ok(evidence.notes.some((n) => words.test(n)), 'a note of the export');
    assert.match(evidence.recommendation?.headline ?? '', words);
    assert.match(evidence.verdict, words);
    const finished = (await readEventsAfter(redis, id, '0', 100_000)).find((e) => e.type === 'distill_confirm_planned');
    assert.deepEqual(finished?.data['reverted_untested'], ['tcache']);
  });

  it('distill.untested keep ships it as found, and the export says it is untested despite the trap', async () => {
    const { d, evidence } = await campaign('trap kept untested', 'dirty_decay_ms', { max_steps: 1, untested: 'keep' });
    assert.ok(d);
    assert.equal(d.reverted_untested, undefined);
    assert.equal(evidence.chosen.config['tcache'], false);
    assert.match(evidence.distillation?.untested_risks ?? '', /kept untested despite a known or unmeasured cost: .*tcache \(tcache=false is a known throughput trap/);
    assert.equal(evidence.knobs.find((k) => k.knob === 'tcache')?.distill_outcome, 'untested');
  });

  it('when the gain was in the trap knob, the minimal config fails its duel and the export keeps the confirmed winner, saying it ships the trap untested', async () => {
    const { d, evidence } = await campaign('trap carries the gain', 'tcache', { max_steps: 1 });
    assert.ok(d);
    assert.equal(d.winner_arm, 'guide');
    assert.deepEqual(d.reverted_untested?.map((r) => r.knob), ['tcache']);
    assert.equal(d.confirmation?.confirmed, false, 'the config without tcache:false does not beat the baseline');
    assert.match(d.reason ?? '', /did not confirm against the baseline .*: the export keeps the confirmed winner, which sets tcache=false without a step showing it carries any of the gain \(tcache=false is a known throughput trap/);
    assert.equal(evidence.chosen.label, 'guide');
    assert.equal(evidence.chosen.config['tcache'], false);
    const words = /shipped untested with the confirmed winner despite a known or unmeasured cost: tcache \(tcache=false is a known throughput trap/;
    assert.ok(evidence.notes.some((n) => words.test(n)), evidence.notes.join('\n'));
    assert.match(evidence.recommendation?.headline ?? '', words);
    const knob = evidence.knobs.find((k) => k.knob === 'tcache');
    assert.equal(knob?.distill_outcome, 'untested');
    assert.match(knob?.distill_summary ?? '', /shipped with the confirmed winner \(the minimal config that reverted it did not confirm\)/);
  });
});
