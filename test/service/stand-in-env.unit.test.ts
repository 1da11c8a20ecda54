import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CampaignSpecSchema, type CampaignSpecInput } from '../../src/core/campaign-spec.js';
import { SpaceFileSchema } from '../../src/core/search-space.js';
import { exploreWithProblems } from '../../src/service/explore-with-check.js';
import { resolveCampaignMetrics } from '../../src/service/metric-resolver.js';
import { standInForcedKnobs, trialJobEnv } from '../../src/service/stand-in-env.js';
import { metricsAtFidelity, scoreTrial } from '../../src/service/trial-evaluation.js';
import { allocatorEnvProblems, loadSpace, withForcedKnobs } from '../../src/spaces/index.js';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { readFileSync } from 'node:fs';
import { smallCampaign } from '../helpers/small-campaign.js';

// A trace standing in for Redis replays with what redis-server forces on jemalloc (background_thread
// on, or what its server_config says), while the trial's config stays the sampler's; exploration may
// be ranked on its own, honest objective (the replay's RSS net of the replayer's own tables).

const redis = (serverConfig: Record<string, string> = {}) => ({ kind: 'redis', options: { load: [{ value_bytes: 64, keys: 3000 }], snapshot_offsets_ms: [1000], server_config: serverConfig } });
const standIn = { kind: 'trace', trace: 'redis-delete', label: 'redis', snapshot_offsets_ms: [1000] };
const spec = (over: Partial<CampaignSpecInput> = {}) =>
  CampaignSpecSchema.parse(smallCampaign({ workloads: [redis()], explore_with: { workloads: [standIn] }, objective: { metric: 'redis.rss_bytes_at_1000ms', direction: 'min' }, constraints: [], ...over } as Partial<CampaignSpecInput>));
const jemalloc = loadSpace('jemalloc');

describe('the forced knobs of a stand-in', () => {
  it('Redis forces background_thread on, or what its server_config sets', () => {
    assert.deepEqual(standInForcedKnobs(jemalloc, spec()), { background_thread: true });
    assert.deepEqual(standInForcedKnobs(jemalloc, spec({ workloads: [redis({ 'jemalloc-bg-thread': 'no' })] } as Partial<CampaignSpecInput>)), { background_thread: false });
  });

  it('a plain trace campaign, a same-kind explore_with and a full trial get none', () => {
    const plain = CampaignSpecSchema.parse(smallCampaign({ workloads: [standIn], objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' }, constraints: [] } as Partial<CampaignSpecInput>));
    assert.deepEqual(standInForcedKnobs(jemalloc, plain), {});
    const smaller = spec({ explore_with: { workloads: [redis()] } } as Partial<CampaignSpecInput>);
    assert.deepEqual(standInForcedKnobs(jemalloc, smaller), {});
    const record = { spec: spec() };
    assert.deepEqual(trialJobEnv(record, { MALLOC_CONF: 'dirty_decay_ms:100' }, 'full'), { MALLOC_CONF: 'dirty_decay_ms:100' });
  });

  it('the job env of a low-fidelity trial carries the forced knob over the chosen config, and passes the worker check', () => {
    const record = { spec: spec() };
    const env = trialJobEnv(record, { MALLOC_CONF: 'background_thread:false,dirty_decay_ms:100' }, 'low');
    assert.deepEqual(env, { MALLOC_CONF: 'dirty_decay_ms:100,background_thread:true' });
    assert.deepEqual(allocatorEnvProblems(jemalloc, env), []);
    assert.deepEqual(trialJobEnv(record, {}, 'low'), { MALLOC_CONF: 'background_thread:true' });
  });

  it('refuses a forced value outside the knob domain, naming it', () => {
    assert.throws(() => withForcedKnobs(jemalloc, {}, { background_thread: 'maybe' }), /background_thread/);
    assert.throws(() => withForcedKnobs(jemalloc, {}, { no_such_knob: 1 }), /no_such_knob/);
    const glibc = loadSpace('glibc');
    assert.deepEqual(withForcedKnobs(glibc, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=1' }, { 'glibc.malloc.arena_max': 4 }), { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1:glibc.malloc.arena_max=4' });
  });

  it('definition files without a value stay valid; a value must be a config value', () => {
    const file = JSON.parse(readFileSync(jemalloc.file, 'utf8')) as { target_overrides: Record<string, unknown>[] };
    const old = { ...file, target_overrides: [{ workload: 'redis', knob: 'background_thread', why: 'x' }] };
    assert.equal(SpaceFileSchema.safeParse(old).success, true);
    const bad = { ...file, target_overrides: [{ workload: 'redis', knob: 'background_thread', why: 'x', value: { on: true } }] };
    assert.equal(SpaceFileSchema.safeParse(bad).success, false);
    assert.deepEqual(standInForcedKnobs({ target_overrides: [{ workload: 'redis', knob: 'background_thread', why: 'x' }] }, spec()), {});
  });
});

describe('explore_with.objective', () => {
  const net = 'redis.rss_minus_replayer_bytes_at_1000ms';

  it('is accepted when the low-fidelity workloads report it, better in the objective\'s direction', () => {
    const s = spec({ explore_with: { workloads: [standIn], objective: net } } as Partial<CampaignSpecInput>);
    assert.deepEqual(exploreWithProblems(s), []);
    const metrics = resolveCampaignMetrics(s);
    assert.equal(metrics.explore_objective, net);
    assert.equal(metricsAtFidelity(metrics, 'low').objective, net);
    assert.equal(metricsAtFidelity(metrics, undefined).objective, 'redis.rss_bytes_at_1000ms');
    const summary = { [net]: { mean: 5e6, sd: 0, n: 1 }, 'redis.rss_bytes_at_1000ms': { mean: 7e7, sd: 0, n: 1 } };
    const trial = { state: 'completed', fidelity: 'low', summary } as unknown as TrialRecord;
    assert.equal(scoreTrial(s, metrics, trial).objective, 5e6);
    assert.equal(scoreTrial(s, metrics, { ...trial, fidelity: undefined } as TrialRecord).objective, 7e7);
  });

  it('refuses one the stand-in does not report, one of the other direction, one at an offset it does not take', () => {
    const problems = (objective: string, low: Record<string, unknown> = standIn) => exploreWithProblems(spec({ explore_with: { workloads: [low], objective } } as Partial<CampaignSpecInput>));
    assert.ok(problems('redis.used_memory_bytes').some((p) => p.path === 'explore_with.objective' && /does not report 'used_memory_bytes'/.test(p.message) && /rss_minus_replayer_bytes_at_<N>ms \(RSS net of exactly the replayer's own tables/.test(p.message)));
    // The metric older campaigns explore on stays accepted.
    assert.deepEqual(problems('redis.rss_above_baseline_bytes_at_1000ms'), []);
    assert.ok(problems('redis.ops_per_cpu_s').some((p) => p.path === 'explore_with.objective' && /better higher, but the objective is to minimize/.test(p.message)));
    assert.ok(problems(net, { ...standIn, snapshot_offsets_ms: [300] }).some((p) => p.path === 'explore_with.workloads.0.snapshot_offsets_ms' && /must include 1000/.test(p.message)));
    // Without its own objective, the stand-in must report the campaign's.
    assert.deepEqual(exploreWithProblems(spec()), []);
  });
});

describe('a trace standing in for an allow-listed command', () => {
  const command = { kind: 'command', name: 'py-churn' };
  const replay = { kind: 'trace', trace: 'py-churn', label: 'command:py-churn', snapshot_offsets_ms: [0] };
  const commandSpec = (objective: string, explore?: string, constraints: unknown[] = []) =>
    CampaignSpecSchema.parse(
      smallCampaign({ workloads: [command], explore_with: { workloads: [replay], ...(explore === undefined ? {} : { objective: explore }) }, objective: { metric: objective, direction: 'min' }, constraints } as Partial<CampaignSpecInput>),
    );

  it('confirms on the command\'s peak RSS after exploring on the replay\'s', () => {
    assert.deepEqual(exploreWithProblems(commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_bytes')), []);
    assert.deepEqual(exploreWithProblems(commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_above_baseline_bytes')), []);
  });

  it('names the replay\'s counterpart of an objective the replay reports under another name', () => {
    const problems = exploreWithProblems(commandSpec('command:py-churn.max_rss_bytes'));
    assert.deepEqual(problems.map((p) => p.path), ['explore_with.workloads.0']);
    assert.match(problems[0]?.message ?? '', /does not report 'max_rss_bytes' \(the objective\).*set explore_with\.objective to 'command:py-churn\.peak_rss_bytes'/);
  });

  it('refuses to rank or limit exploration by a number the program prints itself, even when a trace metric has its name', () => {
    // ops_per_s: the command's own throughput from its output; the replay's ops_per_s counts allocator calls.
    const ranked = exploreWithProblems(commandSpec('command:py-churn.ops_per_s'));
    assert.ok(ranked.some((p) => p.path === 'explore_with.workloads.0' && /'ops_per_s' \(the objective\) is a number command:py-churn prints itself.*explore_with\.objective/.test(p.message)), JSON.stringify(ranked));
    const limited = exploreWithProblems(commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_bytes', [{ metric: 'command:py-churn.ops_per_s', min: 10 }]));
    assert.ok(limited.some((p) => p.path === 'explore_with.workloads.0' && /'ops_per_s' \(constraints\.0\) is a number command:py-churn prints itself/.test(p.message)), JSON.stringify(limited));
    // A measured metric both report under one name is fine as a constraint.
    assert.deepEqual(exploreWithProblems(commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_bytes', [{ metric: 'command:py-churn.minor_faults', max: 1e9 }])), []);
  });

  it('replays with what a definition says commands force, from its data alone', () => {
    const forcing = { target_overrides: [{ workload: 'command' as const, knob: 'narenas', why: 'the site\'s commands set narenas themselves', value: 1 }, { workload: 'redis' as const, knob: 'background_thread', why: 'x', value: true }] };
    assert.deepEqual(standInForcedKnobs(forcing, commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_bytes')), { narenas: 1 });
    // jemalloc's own definition says nothing about commands: the replay runs the config as chosen.
    assert.deepEqual(standInForcedKnobs(jemalloc, commandSpec('command:py-churn.max_rss_bytes', 'command:py-churn.peak_rss_bytes')), {});
  });
});
