import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { until } from '../helpers/child-processes.js';
import { startServiceWithWorkers, type ServiceWithWorkers } from '../helpers/service-with-workers.js';
import { smallCampaign } from '../helpers/small-campaign.js';

const execFileAsync = promisify(execFile);

interface ErrorAnswer {
  code: string;
  message: string;
  issues: { path: string; message: string }[];
}

interface CampaignAnswer {
  campaign: { id: string; state: string; stop_reason?: string; waiting_for?: { worker_labels: Record<string, string>; reason: string } };
  progress: { in_flight: number; completed: number; trials: number };
}

const FRAGMENTATION = { kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,300' } } as const;

/** The bad campaigns of issue #17, each with the field paths (under `body.`) its 400 must list, all of them. */
const BAD_CAMPAIGNS: { what: string; spec: unknown; problems: Record<string, RegExp> }[] = [
  {
    what: 'an unknown workload and an unknown argument',
    spec: smallCampaign({
      workloads: [FRAGMENTATION, { kind: 'harness', workload: 'larsen' }, { kind: 'harness', workload: 'larson', label: 'l', args: { thread: 2 } }],
      // Several harness workloads: the metrics name theirs.
      objective: { metric: 'harness:fragmentation.rss_bytes_at_300ms', direction: 'min' },
      constraints: [],
    }),
    problems: {
      'workloads.1.workload': /unknown harness workload 'larsen'; did you mean 'larson'\?/,
      'workloads.2.args.thread': /unknown argument 'thread' .*did you mean 'threads'\? \(arguments: threads, duration-ms, .*cross-free-pct\)/,
    },
  },
  {
    what: 'values beyond the range and not numbers',
    spec: smallCampaign({ workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 1048576, 'snapshot-ms': '0,300', 'free-pct': 'most' } }] }),
    problems: {
      'workloads.0.args.target-mb': /1048576 is outside \[1, 65536\]/,
      'workloads.0.args.free-pct': /'most' is not an integer/,
    },
  },
  {
    what: 'snapshot metrics at offsets the workloads were not asked to take',
    spec: smallCampaign({
      workloads: [FRAGMENTATION, { kind: 'redis', options: { snapshot_offsets_ms: [1000] } }],
      objective: { metric: 'redis.rss_bytes_at_5000ms', direction: 'min' },
      constraints: [{ metric: 'harness:fragmentation.fragmentation_ratio_at_1000ms', max: 5 }],
    }),
    problems: {
      'objective.metric': /needs a snapshot at 5000 ms, but redis takes snapshots at 1000 ms \(workloads\.1\.options\.snapshot_offsets_ms\); available: redis: .*\brss_bytes_at_1000ms\b/,
      'constraints.0.metric': /needs a snapshot at 1000 ms, .*at 0, 300 ms \(workloads\.0\.args\.snapshot-ms\); available: .*fragmentation_ratio_at_300ms/,
    },
  },
  {
    what: 'metrics of Redis data types the mix neither loads nor deletes',
    spec: smallCampaign({
      workloads: [{ kind: 'redis', options: { mix: [{ test: 'hset', keys: 1000 }, { test: 'delete', type: 'hash', fraction: 0.5 }] } }],
      objective: { metric: 'used_memory_delta_bytes_zset', direction: 'min' },
      constraints: [{ metric: 'redis.deleted_keys_string', max: 5 }],
    }),
    problems: {
      'objective.metric': /needs what used_memory_delta_bytes_<type> stands for in workloads\.0\.options\.mix .*reports used_memory_delta_bytes_hash$/,
      'constraints.0.metric': /reports deleted_keys_hash$/,
    },
  },
  {
    what: 'a command no live worker allows',
    spec: smallCampaign({ workloads: [{ kind: 'command', name: 'cfrak' }], objective: { metric: 'wall_ms', direction: 'min' }, constraints: [] }),
    problems: { 'workloads.0.name': /no live worker allows command 'cfrak' \(commands: crafty; add it to a worker config's commands\)/ },
  },
  {
    what: 'a bad narrowing, a bad baseline and a metric nobody reports, under the paths of the request',
    spec: smallCampaign({
      space: { narrow: { dirty_decay_ms: { min: -5, max: 1000 } } },
      baseline: { malloc_conf: 'narenas:0' },
      constraints: [{ metric: 'p99_us', max: 5 }],
    }),
    problems: {
      'space.narrow.dirty_decay_ms': /not inside \[-1, /,
      'baseline.malloc_conf': /narenas/,
      'constraints.0.metric': /no workload of this campaign reports 'p99_us'; available: harness:fragmentation: .*\bpeak_rss_bytes\b.*\brss_bytes_at_300ms\b/,
    },
  },
];

/** A 400 of the schema itself (not the pre-flight): its issues name every bad field of a Redis command mix. */
const BAD_MIX: { spec: unknown; problems: Record<string, RegExp> } = {
  spec: {
    ...smallCampaign({ objective: { metric: 'rss_bytes_at_1000ms', direction: 'min' }, constraints: [] }),
    workloads: [
      {
        kind: 'redis',
        options: {
          mix: [{ test: 'lpush', value_bytes: 200_000, phase: 'later' }, { test: 'zrangebyscore' }, { test: 'delete', type: 'string', fraction: 2, unit: 'elements' }],
          capture: '../../etc/passwd',
        },
      },
    ],
  },
  problems: {
    'workloads.0.options.mix.0.value_bytes': /100000/,
    'workloads.0.options.mix.0.phase': /load|measured/,
    'workloads.0.options.mix.1.test': /lpush/,
    'workloads.0.options.mix.2.fraction': /1/,
    'workloads.0.options.mix.2.unit': /a string has no elements/,
    'workloads.0.options.capture': /a trace name/,
  },
};

describe('pre-flight checks and honest states (real service, Redis, workers)', () => {
  let env: ServiceWithWorkers;

  before(async () => {
    env = await startServiceWithWorkers();
    // Allow-lists `crafty` (never run here): command names are checked against what live workers advertise.
    await env.startWorker('pf-w1', { config: { commands: { crafty: { argv: ['/bin/true'] } } } });
  });
  after(async () => {
    await env.close();
  });

  it('each bad campaign of the issue is one 400 listing all its problems under the request paths, and nothing is stored', async () => {
    for (const bad of BAD_CAMPAIGNS) {
      const res = await env.request('POST', '/v1/campaigns', bad.spec);
      assert.equal(res.statusCode, 400, `${bad.what}: ${res.body}`);
      const body = res.json() as ErrorAnswer;
      assert.equal(body.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
      assert.deepEqual(body.issues.map((i) => i.path).sort(), Object.keys(bad.problems).map((p) => `body.${p}`).sort(), `${bad.what}: ${res.body}`);
      for (const issue of body.issues) assert.match(issue.message, bad.problems[issue.path.replace(/^body\./, '')] ?? /^$/, `${bad.what}: ${issue.path}`);
      const more = Object.keys(bad.problems).length - 1;
      if (more > 0) assert.match(body.message, new RegExp(`and ${more} more problem`), bad.what);
    }
    assert.deepEqual((await env.request('GET', '/v1/campaigns')).json().campaigns, [], 'no campaign stored');
    assert.deepEqual(await env.redis.keys('alloctune:campaign*'), [], 'no campaign key in Redis');
  });

  it('a bad Redis command mix is one 400 naming every bad field, and nothing is stored', async () => {
    const res = await env.request('POST', '/v1/campaigns', BAD_MIX.spec);
    assert.equal(res.statusCode, 400, res.body);
    const body = res.json() as ErrorAnswer;
    assert.equal(body.code, 'ALLOCTUNE_ERR_INVALID_INPUT');
    assert.deepEqual(body.issues.map((i) => i.path).sort(), Object.keys(BAD_MIX.problems).map((p) => `body.${p}`).sort(), res.body);
    for (const issue of body.issues) assert.match(issue.message, BAD_MIX.problems[issue.path.replace(/^body\./, '')] ?? /^$/, issue.path);
    assert.deepEqual((await env.request('GET', '/v1/campaigns')).json().campaigns, [], 'no campaign stored');
  });

  let waitingId = '';

  it('a campaign whose labels no live worker carries waits, says so in the API, /metrics and the CLI, and starts when a matching worker appears', async () => {
    // Trials of 5 s or more (a snapshot 5 s after the free burst), so the cancel below lands while one runs.
    const slow = { ...FRAGMENTATION, args: { ...FRAGMENTATION.args, 'snapshot-ms': '0,300,5000' } };
    const created = await env.request('POST', '/v1/campaigns', smallCampaign({ name: 'waits for zone b', workloads: [slow], worker_labels: { zone: 'b' } }));
    assert.equal(created.statusCode, 201, created.body);
    const { campaign } = created.json() as CampaignAnswer;
    waitingId = campaign.id;
    assert.equal(campaign.state, 'waiting_for_workers');
    assert.deepEqual(campaign.waiting_for?.worker_labels, { zone: 'b' });
    assert.match(campaign.waiting_for?.reason ?? '', /pf-w1 lacks label zone=b/);

    // Several controller passes later it still waits, and nothing is in flight.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const later = (await env.request('GET', `/v1/campaigns/${waitingId}`)).json() as CampaignAnswer;
    assert.equal(later.campaign.state, 'waiting_for_workers');
    assert.equal(later.progress.in_flight, 0);
    assert.equal(later.progress.trials, 0);
    const metrics = (await env.request('GET', '/metrics')).body;
    assert.match(metrics, /^alloctune_campaigns\{state="waiting_for_workers"\} 1$/m);
    // Asynchronously: the service answering the CLI runs in this process.
    const cli = await execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'campaign', 'list', '--url', env.service.url], {
      cwd: REPO_ROOT,
      env: { ...process.env, ALLOCTUNE_TOKEN: env.token },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.match(cli.stdout, new RegExp(`^${waitingId} .*waiting_for_workers: a worker with labels zone=b, allocator jemalloc \\(no live worker fits: pf-w1 lacks label zone=b\\)$`, 'm'));

    await env.startWorker('pf-w2', { labels: { zone: 'b' } });
    await until(
      'the campaign running, its baseline on pf-w2',
      async () => {
        const body = (await env.request('GET', `/v1/campaigns/${waitingId}`)).json() as CampaignAnswer;
        const { workers } = (await env.request('GET', '/v1/workers')).json() as { workers: { name: string; active_trials: string[] }[] };
        const busy = workers.find((w) => w.name === 'pf-w2')?.active_trials.some((j) => j.startsWith(`${waitingId}--`));
        return body.campaign.state === 'running' && body.campaign.waiting_for === undefined && busy;
      },
      120_000,
    );
  });

  it('cancel: nothing left in flight once cancelled, waiting trials withdrawn; a second cancel is a 409', async () => {
    assert.ok(waitingId, 'needs the campaign of the previous test');
    const cancel = await env.request('POST', `/v1/campaigns/${waitingId}/cancel`);
    assert.equal(cancel.statusCode, 200, cancel.body);
    assert.equal((cancel.json() as CampaignAnswer).campaign.state, 'cancelling', 'the baseline is still running on pf-w2');
    const during = (await env.request('GET', `/v1/campaigns/${waitingId}`)).json() as CampaignAnswer;
    assert.equal(during.progress.in_flight, 1, 'only the running baseline is in flight');
    const stopped = await until(
      'the campaign cancelled',
      async () => {
        const body = (await env.request('GET', `/v1/campaigns/${waitingId}`)).json() as CampaignAnswer;
        return body.campaign.state === 'cancelled' ? body : undefined;
      },
      60_000,
    );
    assert.equal(stopped.progress.in_flight, 0);
    const { trials } = (await env.request('GET', `/v1/campaigns/${waitingId}/trials`)).json() as { trials: { role: string; state: string }[] };
    assert.deepEqual(trials.map((t) => [t.role, t.state]), [['baseline', 'completed'], ['placebo', 'withdrawn']], 'the running baseline measured, the waiting placebo withdrawn');
    const again = await env.request('POST', `/v1/campaigns/${waitingId}/cancel`);
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'ALLOCTUNE_ERR_CONFLICT');
    assert.match(again.json().message, /already cancelled/);
  });

  it('a baseline the harness refuses fails the campaign at once with the reason', async () => {
    // Each argument is in range, so pre-flight lets it through; together they are inconsistent.
    const spec = smallCampaign({ name: 'refused baseline', workloads: [{ kind: 'harness', workload: 'fragmentation', args: { 'target-mb': 8, 'snapshot-ms': '0,300', 'min-size': 4096, 'max-size': 64 } }] });
    const created = await env.request('POST', '/v1/campaigns', spec);
    assert.equal(created.statusCode, 201, created.body);
    const id = (created.json() as CampaignAnswer).campaign.id;
    const failed = await until(
      'the campaign failed',
      async () => {
        const body = (await env.request('GET', `/v1/campaigns/${id}`)).json() as CampaignAnswer;
        return body.campaign.state === 'failed' ? body : undefined;
      },
      120_000,
    );
    assert.match(failed.campaign.stop_reason ?? '', /^baseline trial t1 failed: ALLOCTUNE_ERR_INVALID_INPUT: .*inconsistent parameters for workload fragmentation/);
    assert.equal(failed.progress.in_flight, 0);
    const finished = await env.request('POST', `/v1/campaigns/${id}/cancel`);
    assert.equal(finished.statusCode, 409, 'cancelling a stopped campaign');
    assert.match(finished.json().message, /already failed/);
  });
});
