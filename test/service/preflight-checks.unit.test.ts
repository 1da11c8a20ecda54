import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CampaignSpecSchema } from '../../src/core/campaign-spec.js';
import { closestName } from '../../src/core/closest-name.js';
import type { HarnessList } from '../../src/core/harness-list.js';
import { WorkloadSpecSchema } from '../../src/core/trial-job.js';
import type { WorkerInfo } from '../../src/core/worker-info.js';
import { harnessArgProblems, harnessSnapshotOffsets } from '../../src/service/harness-args-check.js';
import { metricAvailabilityProblems } from '../../src/service/metric-availability.js';
import { commandProblems, traceProblems, unmetNeeds } from '../../src/service/worker-needs.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const param = (name: string, min: number, max: number, list = false, def: string | null = null) => ({ name, default: def, min, max, list, help: `${name} help` });

/** A harness description in the shape of `allocbench --list`, small enough to read. */
const LIST: HarnessList = {
  schema: 'alloctune.harness-list/1',
  generic_params: [param('threads', 1, 256), param('duration-ms', 0, 3_600_000, false, '1000')],
  workloads: [
    { name: 'larson', summary: '', default_threads: 2, default_sample_every: 128, max_threads: 256, params: [param('slots', 1, 1000)] },
    { name: 'fragmentation', summary: '', default_threads: 1, default_sample_every: 4, max_threads: 1, params: [param('target-mb', 1, 65536, false, '64'), param('snapshot-ms', 0, 600_000, true, '0,1000,3000')] },
  ],
};

const harness = (workload: string, args: Record<string, string | number> = {}) => WorkloadSpecSchema.parse({ kind: 'harness', workload, args });

function worker(name: string, extra: Partial<WorkerInfo> = {}): WorkerInfo {
  return { name, host: 'h', kernel: 'k', cpus: '1', client_cpus: '0', labels: {}, pid: 1, concurrency: 1, queues: [], allocators: [{ name: 'jemalloc', path: '/x.so', version: null }], started_at: '', last_seen_ms: 0, active_trials: [], ...extra };
}

describe('pre-flight checks (pure)', () => {
  it('suggests the nearest name for typos, and nothing for names that are not close', () => {
    assert.equal(closestName('larsen', ['larson', 'threadtest']), 'larson');
    assert.equal(closestName('thread', ['threads', 'slots']), 'threads');
    assert.equal(closestName('frag', ['larson', 'fragmentation']), 'fragmentation', 'a prefix');
    assert.equal(closestName('cfrak', ['crafty']), undefined);
    assert.equal(closestName('x', ['y', 'zz']), undefined);
  });

  it('checks harness arguments against the description: names, integers, ranges, lists, ascending offsets, threads', () => {
    const problems = harnessArgProblems(
      [
        harness('larson', { slots: 1001, threads: '2' }),
        harness('fragmentation', { 'snapshot-ms': '0,3000,1000', threads: 2 }),
        harness('fragmentation', { 'snapshot-ms': '0,x', 'target-mb': '1.5' }),
        harness('fragmentation', { 'snapshot-ms': '0,600001' }),
      ],
      LIST,
    );
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [
        ['workloads.0.args.slots', '1001 is outside [1, 1000] (slots help)'],
        ['workloads.1.args.snapshot-ms', 'offsets must be ascending'],
        ['workloads.1.args.threads', 'fragmentation runs at most 1 thread(s)'],
        ['workloads.2.args.snapshot-ms', "'x' is not an integer (a comma-separated list of integers)"],
        ['workloads.2.args.target-mb', "'1.5' is not an integer"],
        ['workloads.3.args.snapshot-ms', '600001 is outside [0, 600000] (snapshot-ms help)'],
      ],
    );
    assert.deepEqual(harnessArgProblems([harness('larson', { slots: 10, threads: 4, 'duration-ms': 0 })], LIST), [], 'valid arguments pass');
  });

  it('knows which snapshot offsets each harness workload reports', () => {
    assert.deepEqual(harnessSnapshotOffsets(harness('fragmentation') as never, LIST), [0, 1000, 3000], 'the harness default');
    assert.deepEqual(harnessSnapshotOffsets(harness('fragmentation', { 'snapshot-ms': '0,300' }) as never, LIST), [0, 300]);
    assert.deepEqual(harnessSnapshotOffsets(harness('larson') as never, LIST), [], 'no snapshots after a free burst');
    assert.equal(harnessSnapshotOffsets(harness('nope') as never, LIST), undefined);
  });

  it('refuses snapshot metrics of a harness workload that takes none, and of offsets not asked for', () => {
    const spec = CampaignSpecSchema.parse(smallCampaign({ workloads: [harness('larson')], objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' }, constraints: [] }));
    const [problem, ...rest] = metricAvailabilityProblems(spec, LIST);
    assert.deepEqual(rest, []);
    assert.equal(problem?.path, 'objective.metric');
    assert.match(problem?.message ?? '', /needs a snapshot at 1000 ms, but harness:larson takes no snapshots after the free burst; available: harness:larson: .*\bpeak_rss_bytes\b/);
    assert.doesNotMatch((problem?.message ?? '').split('available:')[1] ?? '', /_at_/, 'no snapshot metric offered');
    // Without the harness description the offsets are unknown: nothing refused on that ground.
    assert.deepEqual(metricAvailabilityProblems(spec, undefined), []);
  });

  it('refuses metrics whose catalogue condition the options rule out: a Redis phase off, sampling off, no live bytes at the end', () => {
    const redis = (options: Record<string, unknown>) => WorkloadSpecSchema.parse({ kind: 'redis', options });
    const noThroughput = CampaignSpecSchema.parse(
      smallCampaign({ workloads: [redis({ throughput: { enabled: false } })], objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' }, constraints: [{ metric: 'get_ops_per_s', min_ratio_to_baseline: 0.95 }] }),
    );
    const [problem, ...rest] = metricAvailabilityProblems(noThroughput, LIST);
    assert.deepEqual(rest, []);
    assert.equal(problem?.path, 'constraints.0.metric');
    assert.match(problem?.message ?? '', /^'get_ops_per_s' is not reported when the throughput phase is off \(workloads\.0\.options\.throughput\.enabled\); available: redis: /);
    assert.doesNotMatch((problem?.message ?? '').split('available:')[1] ?? '', /ops_per_s/, 'throughput metrics not offered');
    assert.match((problem?.message ?? '').split('available:')[1] ?? '', /\bp99_us\b/, 'latency metrics are, the latency phase is on');
    const noLatency = CampaignSpecSchema.parse(smallCampaign({ workloads: [redis({ latency: { enabled: false } })], objective: { metric: 'p99_us', direction: 'min' }, constraints: [] }));
    assert.match(metricAvailabilityProblems(noLatency, LIST)[0]?.message ?? '', /the latency phase is off \(workloads\.0\.options\.latency\.enabled\)/);
    const unsampled = CampaignSpecSchema.parse(smallCampaign({ workloads: [harness('larson', { 'sample-every': 0 })], objective: { metric: 'malloc_p99_ns', direction: 'min' }, constraints: [] }));
    assert.match(metricAvailabilityProblems(unsampled, LIST)[0]?.message ?? '', /sample-every is 0 \(latency sampling off\) \(workloads\.0\.args\.sample-every\)/);
    const sweep = CampaignSpecSchema.parse(smallCampaign({ workloads: [harness('size-sweep')], objective: { metric: 'fragmentation_ratio', direction: 'min' }, constraints: [] }));
    assert.match(metricAvailabilityProblems(sweep, undefined)[0]?.message ?? '', /size-sweep holds no live bytes at the end \(workloads\.0\.workload\)/);
    // The same metrics with their condition met pass.
    const met = CampaignSpecSchema.parse(smallCampaign({ workloads: [harness('larson')], objective: { metric: 'fragmentation_ratio', direction: 'min' }, constraints: [{ metric: 'malloc_p99_ns', max_ratio_to_baseline: 1.1 }] }));
    assert.deepEqual(metricAvailabilityProblems(met, LIST), []);
  });

  it('says what a campaign waits for, and takes workers that do not advertise commands at their word', () => {
    const spec = CampaignSpecSchema.parse(smallCampaign({ worker_labels: { zone: 'b' }, workloads: [{ kind: 'command', name: 'build' }], objective: { metric: 'wall_ms', direction: 'min' }, constraints: [] }));
    assert.deepEqual(unmetNeeds(spec, []), { worker_labels: { zone: 'b' }, commands: ['build'], allocator: 'jemalloc', reason: 'no live worker' });
    assert.match(unmetNeeds(spec, [worker('a'), worker('b', { labels: { zone: 'b' }, commands: ['test'] })])?.reason ?? '', /^no live worker fits: a lacks label zone=b; b does not allow command build$/);
    assert.match(unmetNeeds(spec, [worker('c', { labels: { zone: 'b' }, commands: ['build'], allocators: [] })])?.reason ?? '', /c cannot load jemalloc/);
    assert.equal(unmetNeeds(spec, [worker('old', { labels: { zone: 'b' } })]), undefined, 'an older worker without the commands field');
    assert.deepEqual(commandProblems(spec, [worker('old')]), [], 'no worker advertises commands: nothing to refuse');
    assert.deepEqual(commandProblems(spec, [worker('b', { commands: ['built'] })]).map((p) => [p.path, p.message]), [
      ['workloads.0.name', "no live worker allows command 'build'; did you mean 'built'? (commands: built; add it to a worker config's commands)"],
    ]);
  });

  it('refuses a trace no live worker advertises, waits for one that has it, and takes older workers at their word', () => {
    const spec = CampaignSpecSchema.parse(smallCampaign({ workloads: [{ kind: 'trace', trace: 'redis-load' }], objective: { metric: 'peak_rss_bytes', direction: 'min' }, constraints: [] }));
    const has = (...trace: string[]) => ({ traces: { trace, redis_capture: [] } });
    assert.deepEqual(traceProblems(spec, [worker('old')]), [], 'no worker advertises traces: nothing to refuse');
    assert.deepEqual(traceProblems(spec, [worker('a', has('redis-load'))]), []);
    assert.deepEqual(traceProblems(spec, [worker('a', has('redis-loads', 'python'))]).map((p) => [p.path, p.message]), [
      ['workloads.0.trace', "no live worker has trace 'redis-load'; did you mean 'redis-loads'? (traces: python, redis-loads; record one with alloctune trace record into a worker's --traces DIR)"],
    ]);
    assert.deepEqual(unmetNeeds(spec, []), { worker_labels: {}, commands: [], traces: ['redis-load'], allocator: 'jemalloc', reason: 'no live worker' });
    assert.equal(unmetNeeds(spec, [worker('a', has('python'))])?.reason, 'no live worker fits: a has no trace redis-load');
    assert.equal(unmetNeeds(spec, [worker('a', has('python')), worker('b', has('redis-load'))]), undefined);
    assert.equal(unmetNeeds(spec, [worker('old')]), undefined, 'an older worker without the traces field');
  });

  it('checks trace snapshot metrics against the offsets the trace workload takes', () => {
    const spec = CampaignSpecSchema.parse(
      smallCampaign({ workloads: [{ kind: 'trace', trace: 'python', snapshot_offsets_ms: [0, 500] }], objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' }, constraints: [{ metric: 'ops_per_cpu_s', min: 1 }] }),
    );
    const [problem, ...rest] = metricAvailabilityProblems(spec, LIST);
    assert.deepEqual(rest, []);
    assert.equal(problem?.path, 'objective.metric');
    assert.match(problem?.message ?? '', /needs a snapshot at 1000 ms, but trace:python takes snapshots at 0, 500 ms \(workloads\.0\.snapshot_offsets_ms\)/);
    assert.equal(WorkloadSpecSchema.safeParse({ kind: 'trace', trace: '../etc/passwd' }).success, false, 'a path is not a trace name');
    assert.equal(WorkloadSpecSchema.safeParse({ kind: 'trace', trace: 'ok', pace: 'slow' }).success, false);
  });
});
