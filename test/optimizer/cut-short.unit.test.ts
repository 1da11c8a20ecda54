import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { cutShortDecision, cutShortNote, type CutShortJob } from '../../src/core/cut-short.js';
import { SeededRng } from '../../src/core/seeded-rng.js';
import { TrialJobSchema } from '../../src/core/trial-job.js';
import { objectiveCutLimit, objectiveCutMultiplier, pooledLogNoise } from '../../src/optimizer/cut-short-limits.js';
import { cutShortFor } from '../../src/service/cut-short-rule.js';
import { exploreWithProblems } from '../../src/service/explore-with-check.js';
import { trialJobFor } from '../../src/service/trial-factory.js';
import { studentTQuantile } from '../../src/stats/student-t.js';
import { executeTrial, type RunnerSet } from '../../workers/trial-executor.js';

const KEY = 'command:x.wall_ms';

describe('cut rule (worker side): cutShortDecision', () => {
  const rule: CutShortJob = { after_repeats: 1, limits: [{ metric: KEY, above: 100, log_sd: 0.05 }] };

  it('cuts after the first repeat when it lies above the limit, and says why', () => {
    const cut = cutShortDecision(rule, { [KEY]: [130] }, 1, 3);
    assert.ok(cut);
    assert.equal(cut.after_repeats, 1);
    assert.equal(cut.of_repeats, 3);
    assert.equal(cut.value, 130);
    assert.equal(cut.limit, 100);
    assert.match(cut.reason, /command:x\.wall_ms 130\.0 > cut limit 100\.0 \(its first repeat\)/);
    assert.equal(cutShortNote(cut), `cut after 1 of 3 repeats: ${cut.reason}`);
  });

  it('goes on when the repeat is within the limit, when the metric is missing, or at any other repeat count', () => {
    assert.equal(cutShortDecision(rule, { [KEY]: [99] }, 1, 3), undefined);
    assert.equal(cutShortDecision(rule, { other: [1e9] }, 1, 3), undefined);
    assert.equal(cutShortDecision(rule, { [KEY]: [130, 130] }, 2, 3), undefined);
    assert.equal(cutShortDecision(rule, { [KEY]: [130] }, 1, 1), undefined, 'nothing to save on the last repeat');
  });

  it('judges the mean of the first repeats, on the side the limit names', () => {
    const two: CutShortJob = { after_repeats: 2, limits: [{ metric: KEY, below: 50, log_sd: 0.1 }] };
    assert.equal(cutShortDecision(two, { [KEY]: [40, 70] }, 2, 4), undefined, 'mean 55 is not below 50');
    assert.equal(cutShortDecision(two, { [KEY]: [40, 50] }, 2, 4)?.side, 'below');
  });
});

describe('cut rule (service side): limits and their error rate', () => {
  it('pools the within-config log spread and leaves out single repeats and non-positive values', () => {
    const noise = pooledLogNoise([[100, 110], [50], [200, 220, 180], [0, 5]]);
    assert.ok(noise);
    assert.equal(noise.df, 3);
    const logs = [[100, 110], [200, 220, 180]].map((g) => g.map(Math.log));
    const ss = logs.reduce((a, g) => a + g.reduce((b, v) => b + (v - g.reduce((x, y) => x + y, 0) / g.length) ** 2, 0), 0);
    assert.ok(Math.abs(noise.log_sd - Math.sqrt(ss / 3)) < 1e-12);
  });

  it('puts the objective limit k pooled sds past the worst baseline repeat, k = sqrt(1 + 1/r) t(df, 1 - rate)', () => {
    const noise = { log_sd: 0.1, df: 8 };
    const k = objectiveCutMultiplier(0.001, 8, 1);
    assert.ok(Math.abs(k - Math.SQRT2 * studentTQuantile(0.999, 8)) < 1e-12);
    const min = objectiveCutLimit('m', 'min', [90, 100, 95], noise, 0.001, 1);
    assert.ok(min && 'above' in min && Math.abs(min.above - 100 * Math.exp(0.1 * k)) < 1e-9);
    const max = objectiveCutLimit('m', 'max', [90, 100, 95], noise, 0.001, 1);
    assert.ok(max && 'below' in max && Math.abs(max.below - 90 * Math.exp(-0.1 * k)) < 1e-9);
    assert.equal(objectiveCutLimit('m', 'min', [0, 100], noise, 0.001, 1), undefined, 'a non-positive reference gives no limit');
  });

  it('cuts a config exactly as good as the baseline at most at the stated rate (log-normal noise, noise estimated each time)', () => {
    const rng = new SeededRng(19);
    const rate = 0.01;
    const sigma = 0.08;
    let cuts = 0;
    const runs = 20_000;
    for (let i = 0; i < runs; i++) {
      // Baseline and placebo with 2 repeats each and 4 explored configs with 2 repeats: 6 df, as early in a campaign.
      const draw = (): number => Math.exp(Math.log(1000) + rng.normal(0, sigma));
      const baseline = [draw(), draw(), draw(), draw()];
      const groups = [baseline.slice(0, 2), baseline.slice(2), ...Array.from({ length: 4 }, () => [draw(), draw()])];
      const noise = pooledLogNoise(groups);
      assert.ok(noise);
      const limit = objectiveCutLimit('m', 'min', baseline, noise, rate, 1);
      assert.ok(limit && 'above' in limit);
      if (draw() > limit.above) cuts++;
    }
    assert.ok(cuts / runs <= rate, `cut ${cuts} of ${runs}`);
    // And it is not vacuous: a config 60 % worse is cut almost always.
    const noise = { log_sd: sigma, df: 6 };
    const limit = objectiveCutLimit('m', 'min', [1000, 1000], noise, rate, 1);
    assert.ok(limit && 'above' in limit && 1600 > limit.above);
  });
});

function trial(role: TrialRecord['role'], values: number[], extra: Partial<TrialRecord> = {}): TrialRecord {
  const id = `t${Math.floor(Math.random() * 1e6)}`;
  return {
    trial_id: id, campaign_id: 'c1', role, config_key: id, config: {}, env: {}, state: 'completed', proposed_at: '2026-01-01T00:00:00Z',
    summary: { [KEY]: { mean: values.reduce((a, b) => a + b, 0) / values.length, sd: 0, n: values.length, min: Math.min(...values), max: Math.max(...values), values } },
    ...extra,
  };
}

const baseSpec = {
  name: 'cut', allocator: 'glibc', workloads: [{ kind: 'command', name: 'x' }], objective: { metric: KEY, direction: 'min' }, repeats: 3,
  cut_short: { enabled: true },
} as const;

describe('cutShortFor: which trials get a rule', () => {
  const record = { spec: CampaignSpecSchema.parse(baseSpec), metrics: { objective: KEY, constraints: [] } };
  const measured = [trial('baseline', [100, 102, 101]), trial('placebo', [101, 99, 100]), trial('explore', [150, 148, 152])];

  it('gives an exploration trial the objective limit once the baseline and enough noise are measured', () => {
    const rule = cutShortFor(record, measured, { role: 'explore' });
    assert.ok(rule);
    assert.equal(rule.after_repeats, 1);
    const limit = rule.limits[0];
    assert.ok(limit && 'above' in limit && limit.above > 102);
    const job = TrialJobSchema.parse(trialJobFor(record.spec, { ...measured[2], role: 'explore', state: 'proposed' } as TrialRecord, undefined, rule));
    assert.deepEqual(job.cut_short, rule);
  });

  it('gives none to the baseline, duels, before the baseline, with too little noise data, when off, or on tail latency', () => {
    assert.equal(cutShortFor(record, measured, { role: 'baseline' }), undefined);
    assert.equal(cutShortFor(record, measured, { role: 'duel' }), undefined);
    assert.equal(cutShortFor(record, measured.slice(2), { role: 'explore' }), undefined, 'no baseline yet');
    assert.equal(cutShortFor(record, [trial('baseline', [100, 101])], { role: 'explore' }), undefined, '1 df < min_noise_df');
    const off = { ...record, spec: CampaignSpecSchema.parse({ ...baseSpec, cut_short: { enabled: false } }) };
    assert.equal(cutShortFor(off, measured, { role: 'explore' }), undefined);
    const tailKey = 'command:x.p99_us';
    const tail = { spec: CampaignSpecSchema.parse({ ...baseSpec, objective: { metric: tailKey, direction: 'min' } }), metrics: { objective: tailKey, constraints: [] } };
    assert.equal(cutShortFor(tail, measured, { role: 'explore' }), undefined);
    const oneRepeat = { ...record, spec: CampaignSpecSchema.parse({ ...baseSpec, repeats: 1 }) };
    assert.equal(cutShortFor(oneRepeat, measured, { role: 'explore' }), undefined, 'no repeat to save');
  });

  it('does not learn the noise from trials that were themselves cut short', () => {
    const cutRecord = { after_repeats: 1, of_repeats: 3, metric: KEY, value: 500, limit: 200, side: 'above' as const, log_sd: 0.1, log_sds: {}, reason: 'r' };
    const few = [trial('baseline', [100, 101]), trial('explore', [500, 100, 900], { cut_short: cutRecord })];
    assert.equal(cutShortFor(record, few, { role: 'explore' }), undefined);
  });
});

describe('cut rule in jobs and specs: validation', () => {
  const job = { campaign_id: 'c', trial_id: 't1', allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'x' }], repeats: 3 };

  it('refuses hostile thresholds, naming each bad field', () => {
    const bad = TrialJobSchema.safeParse({
      ...job,
      cut_short: { after_repeats: 3, limits: [{ metric: KEY, above: 'rm -rf /', log_sd: 0.1 }, { metric: 'redis.rss', below: 1, log_sd: -1 }, { metric: `${KEY}; $(id)`, above: 1, log_sd: 0 }] },
    });
    assert.equal(bad.success, false);
    const paths = bad.error.issues.map((i) => i.path.join('.'));
    for (const p of ['cut_short.limits.0', 'cut_short.limits.1', 'cut_short.limits.2']) assert.ok(paths.some((x) => x.startsWith(p)), `${p} in ${paths.join(' | ')}`);
    const late = TrialJobSchema.safeParse({ ...job, cut_short: { after_repeats: 3, limits: [{ metric: KEY, above: 1, log_sd: 0 }] } });
    assert.deepEqual(late.error?.issues.map((i) => i.path.join('.')), ['cut_short.after_repeats']);
    const foreign = TrialJobSchema.safeParse({ ...job, cut_short: { after_repeats: 1, limits: [{ metric: 'redis.rss_bytes', above: 1, log_sd: 0 }] } });
    assert.deepEqual(foreign.error?.issues.map((i) => i.path.join('.')), ['cut_short.limits.0.metric']);
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, '1e3', null]) {
      assert.equal(TrialJobSchema.safeParse({ ...job, cut_short: { after_repeats: 1, limits: [{ metric: KEY, above: v, log_sd: 0 }] } }).success, false, String(v));
    }
    assert.equal(TrialJobSchema.safeParse({ ...job, cut_short: { after_repeats: 1, limits: [{ metric: KEY, above: 5, log_sd: 0 }], shell: 'x' } }).success, false, 'strict');
  });

  it('checks explore_with against the workloads and refuses relative constraints with it', () => {
    const ok = CampaignSpecSchema.parse({ ...baseSpec, explore_with: { workloads: [{ kind: 'command', name: 'x' }], note: 'shorter' } });
    assert.deepEqual(exploreWithProblems(ok), []);
    const bad = CampaignSpecSchema.parse({
      ...baseSpec,
      repeats: 1,
      constraints: [{ metric: KEY, max_ratio_to_baseline: 1.1 }],
      explore_with: { workloads: [{ kind: 'command', name: 'y' }] },
    });
    assert.deepEqual(exploreWithProblems(bad).map((p) => p.path).sort(), ['constraints.0', 'cut_short.after_repeats', 'explore_with.workloads.0']);
    const short = CampaignSpecSchema.parse({ ...baseSpec, workloads: [{ kind: 'command', name: 'x' }, { kind: 'command', name: 'y' }], explore_with: { workloads: [{ kind: 'command', name: 'x' }] } });
    assert.deepEqual(exploreWithProblems(short).map((p) => p.path), ['explore_with.workloads']);
  });

  it('runs paired trials at full fidelity and the others on explore_with', () => {
    const spec = CampaignSpecSchema.parse({ ...baseSpec, workloads: [{ kind: 'harness', workload: 'larson', args: { ops: 1000000 } }], objective: { metric: 'harness:larson.ops_per_s', direction: 'max' }, explore_with: { workloads: [{ kind: 'harness', workload: 'larson', args: { ops: 100000 } }] } });
    const t = trial('explore', [1], { state: 'proposed' });
    assert.deepEqual(TrialJobSchema.parse(trialJobFor(spec, t)).workloads[0], { kind: 'harness', workload: 'larson', args: { ops: 100000 } });
    const duel = { ...t, role: 'duel' as const, duel: { duel_id: 'd1', pair_index: 0, side: 'a' as const, arm: 't1' }, worker: 'w' };
    assert.deepEqual(TrialJobSchema.parse(trialJobFor(spec, duel)).workloads[0], { kind: 'harness', workload: 'larson', args: { ops: 1000000 } });
  });
});

describe('executeTrial with a cut rule (scripted runner)', () => {
  const identity = { name: 'w', host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {} };
  function runner(values: number[]): { runners: RunnerSet; calls: () => number } {
    let i = 0;
    return {
      calls: () => i,
      runners: {
        command: {
          kind: 'command',
          run: async () => ({ label: 'x', kind: 'command', metrics: { wall_ms: values[i++] ?? 0 }, steal_pct: 0, cpu_busy_pct: {}, allocator: { name: 'glibc', version: '2.36', options: {}, path: null }, duration_ms: 1 }),
        },
      },
    };
  }
  const job = (cut?: CutShortJob) => TrialJobSchema.parse({ campaign_id: 'c', trial_id: 't', allocator: 'glibc', config: {}, env: {}, workloads: [{ kind: 'command', name: 'x' }], repeats: 3, ...(cut ? { cut_short: cut } : {}) });
  const rule: CutShortJob = { after_repeats: 1, limits: [{ metric: KEY, above: 100, log_sd: 0.05 }] };

  it('stops a trial beyond the limit after its first repeat and records the cut', async () => {
    const { runners, calls } = runner([300, 300, 300]);
    const result = await executeTrial(job(rule), { runners, identity });
    assert.equal(calls(), 1);
    assert.equal(result.status, 'completed');
    assert.equal(result.repeats.length, 1);
    assert.equal(result.summary[KEY]?.n, 1);
    assert.equal(result.cut_short?.of_repeats, 3);
    assert.equal(result.cut_short?.log_sds[KEY], 0.05);
  });

  it('runs every repeat of a trial within the limit', async () => {
    const { runners, calls } = runner([90, 300, 300]);
    const result = await executeTrial(job(rule), { runners, identity });
    assert.equal(calls(), 3);
    assert.equal(result.cut_short, undefined);
    assert.equal(result.summary[KEY]?.n, 3);
  });
});

describe('the sampler sees a cut trial honestly', () => {
  it('gets its one repeat with the pooled per-repeat noise (variance / n grows as the repeats shrink), never a noise-free point', async () => {
    const { toObservation } = await import('../../src/service/campaign-runtime.js');
    const { completeConfig, createEmbedding, loadSpace } = await import('../../src/spaces/index.js');
    const config = completeConfig(loadSpace('glibc'), {});
    const spec = CampaignSpecSchema.parse(baseSpec);
    const runtime = { record: { spec, metrics: { objective: KEY, constraints: [] } } as never, embedding: createEmbedding(loadSpace('glibc')) };
    const cut = { after_repeats: 1, of_repeats: 3, metric: KEY, value: 400, limit: 200, side: 'above' as const, log_sd: 0.1, log_sds: { [KEY]: 0.1 }, reason: 'r' };
    const short = toObservation(runtime, trial('explore', [400], { cut_short: cut, config }));
    assert.equal(short.objective?.n, 1);
    assert.ok(Math.abs((short.objective?.variance ?? 0) - (400 * 0.1) ** 2) < 1e-9);
    const fullTrial = toObservation(runtime, trial('explore', [400, 401, 399], { config }));
    assert.equal(fullTrial.objective?.n, 3);
    assert.ok((short.objective?.variance ?? 0) / 1 > (fullTrial.objective?.variance ?? 0) / 3);
  });
});
