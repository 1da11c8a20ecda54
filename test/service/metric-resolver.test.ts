import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAlloctuneError } from '../../src/core/alloctune-error.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { resolveCampaignMetrics, withResolvedMetrics } from '../../src/service/metric-resolver.js';
import { evaluateSummary } from '../../src/service/trial-evaluation.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const both = [
  { kind: 'harness', workload: 'fragmentation' },
  { kind: 'redis', options: {} },
] as const;

describe('metrics resolved once from the spec', () => {
  it('prefixes a bare name with the one workload that reports it and keeps a qualified one', () => {
    const spec = CampaignSpecSchema.parse(smallCampaign({ workloads: [...both], objective: { metric: 'p99_us', direction: 'min' }, constraints: [{ metric: 'harness:fragmentation.rss_bytes_at_300ms', max: 1e9 }] }));
    assert.deepEqual(resolveCampaignMetrics(spec), { objective: 'redis.p99_us', constraints: ['harness:fragmentation.rss_bytes_at_300ms'] });
  });

  it('names the field of a metric that resolves to no workload or to several', () => {
    const ambiguous = CampaignSpecSchema.parse(smallCampaign({ workloads: [...both], objective: { metric: 'rss_bytes_at_300ms', direction: 'min' }, constraints: [] }));
    // rss_bytes_at_300ms: the harness reports it, and so does redis (a snapshot offset).
    assert.throws(() => resolveCampaignMetrics(ambiguous), (err) => isAlloctuneError(err) && err.params['field'] === 'objective.metric' && /write it as <label>/.test(err.message));
    const missing = CampaignSpecSchema.parse(smallCampaign({ constraints: [{ metric: 'p99_us', max: 1 }] }));
    assert.throws(() => resolveCampaignMetrics(missing), (err) => isAlloctuneError(err) && err.params['field'] === 'constraints.0.metric');
  });

  it('resolves an older record that lacks them on load, and keeps stored ones as they are', () => {
    const spec = CampaignSpecSchema.parse(smallCampaign());
    const base = { id: 'c1', spec, state: 'running' as const, created_at: '', updated_at: '', baseline_config: {}, reference_configs: [] };
    assert.equal(withResolvedMetrics(base).metrics.objective, 'harness:fragmentation.rss_bytes_at_300ms');
    const stored = { ...base, metrics: { objective: 'x.y', constraints: ['x.z'] } };
    assert.equal(withResolvedMetrics(stored).metrics.objective, 'x.y');
  });
});

describe('evaluateSummary', () => {
  const spec = CampaignSpecSchema.parse(smallCampaign({ constraints: [{ metric: 'fragmentation_ratio_at_300ms', max: 5 }, { metric: 'ops_per_s', min: 100 }] }));
  const metrics = { objective: 'h.rss', constraints: ['h.frag', 'h.ops'] };
  const m = (mean: number, n = 1) => ({ mean, sd: 0, n, min: mean, max: mean });

  it('is feasible only with the objective measured and every constraint met', () => {
    const ok = evaluateSummary(spec, metrics, { 'h.rss': m(10), 'h.frag': m(5), 'h.ops': m(100) });
    assert.equal(ok.feasible, true);
    assert.equal(ok.objective?.mean, 10);
    assert.deepEqual(ok.constraints.map((c) => [c.metric, c.key, c.bound, c.met]), [['fragmentation_ratio_at_300ms', 'h.frag', 'max', true], ['ops_per_s', 'h.ops', 'min', true]]);
    assert.equal(evaluateSummary(spec, metrics, { 'h.rss': m(10), 'h.frag': m(5.1), 'h.ops': m(100) }).feasible, false, 'max broken');
    assert.equal(evaluateSummary(spec, metrics, { 'h.rss': m(10), 'h.frag': m(5), 'h.ops': m(99) }).feasible, false, 'min broken');
  });

  it('counts a missing, empty or non-finite value as not measured', () => {
    const missing = evaluateSummary(spec, metrics, { 'h.frag': m(1), 'h.ops': m(1000) });
    assert.equal(missing.objective, undefined);
    assert.equal(missing.feasible, false);
    assert.equal(evaluateSummary(spec, metrics, { 'h.rss': m(Number.NaN), 'h.frag': m(1), 'h.ops': m(1000) }).objective, undefined);
    assert.equal(evaluateSummary(spec, metrics, { 'h.rss': m(10, 0), 'h.frag': m(1), 'h.ops': m(1000) }).objective, undefined);
    const noConstraint = evaluateSummary(spec, metrics, { 'h.rss': m(10), 'h.ops': m(1000) });
    assert.equal(noConstraint.constraints[0]?.met, false);
    assert.equal(evaluateSummary(spec, metrics, undefined).feasible, false);
  });
});
