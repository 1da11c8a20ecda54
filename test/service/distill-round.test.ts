import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfig, loadSpace } from '../../src/spaces/index.js';
import { deployableChanges, planDistillStep, settleConfig } from '../../src/service/distill-round.js';

const space = loadSpace('jemalloc');
const baseline = defaultConfig(space);

describe('distillation steps on the jemalloc space', () => {
  it('a revert that re-activates a child knob gives it the baseline value; one that deactivates it drops it', () => {
    const noTcache: Record<string, string | number | boolean> = { ...baseline, tcache: false };
    delete noTcache['tcache_max'];
    assert.equal(settleConfig(space, { ...noTcache, tcache: true }, baseline)['tcache_max'], baseline['tcache_max']);
    const off = settleConfig(space, { ...baseline, tcache_max: 1024, tcache: false }, baseline);
    assert.equal(off['tcache_max'], undefined);
  });

  it('plans the revert of the first remaining knob as interleaved candidate/current pairs', () => {
    const winner: Record<string, string | number | boolean> = { ...baseline, tcache: false, dirty_decay_ms: 0 };
    delete winner['tcache_max'];
    const d = { status: 'stepping' as const, remaining: ['tcache', 'dirty_decay_ms'], importance: {}, steps: [], current: winner, baseline_effective: { tcache: true, dirty_decay_ms: 10_000 } };
    const planned = planDistillStep(d, space, 2, baseline);
    assert.ok(planned);
    assert.equal(planned.step.knob, 'tcache');
    assert.equal(planned.step.candidate['tcache'], true);
    assert.equal(planned.step.candidate['tcache_max'], baseline['tcache_max'], 'the re-activated child takes the baseline value');
    assert.deepEqual(planned.slots.map((s) => `${s.slot.pair_index}${s.slot.side}`), ['0a', '0b', '1b', '1a']);
    assert.deepEqual(deployableChanges(planned.step.candidate, baseline), { dirty_decay_ms: 0 });
  });
});
