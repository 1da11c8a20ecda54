/**
 * Per-trial overhead of the queue + worker path beyond the workload's own time.
 *
 * Starts an embedded Redis and one real worker process (`alloctune worker --cpus 1 --client-cpus 0`),
 * then enqueues trials one at a time, alternating two command workloads (A: /bin/true, B: sleep 0.2)
 * so that drift on this shared machine hits both alike. For each trial it records, from the BullMQ
 * job, the result and its `trial_result` report (all on one host clock):
 *   pickup_ms   enqueue -> worker took the job
 *   setup_ms    job taken -> executor started (duplicate-result check)
 *   spawn_ms    runner time - the command's own wall time (spawn-guard, runstat, /proc/stat, parse)
 *   executor_ms executor time - runner time (env, summary, validation)
 *   store_ms    executor finished -> result stored with its event
 *   overhead_ms enqueue -> stored, minus the command's own wall time
 * Raw rows go to results.jsonl; report.ts turns them into report.md.
 *
 * Usage: node --import tsx experiments/worker-overhead/measure-overhead.ts [--trials N]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { guardedSpawn } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { TrialQueue } from '../../src/queue/trial-queue.js';
import { EmbeddedRedis } from '../../src/redis/embedded-redis.js';
import { readTrialReports } from '../../src/store/trial-events.js';
import { getTrialResult } from '../../src/store/trial-result-store.js';
import { listWorkers } from '../../src/store/worker-registry.js';
import { writeReport, type OverheadRow } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { trials: { type: 'string', default: '40' } } });
const perArm = Math.max(2, Math.floor(Number(values.trials) / 2));

const dir = mkdtempSync(join(tmpdir(), 'alloctune-overhead-'));
const configFile = join(dir, 'worker.json');
writeFileSync(configFile, JSON.stringify({ commands: { noop: { argv: ['/bin/true'] }, sleep200: { argv: ['/bin/sleep', '0.2'] } } }));
const server = await EmbeddedRedis.start({ dataDir: join(dir, 'redis') });
const redis = new Redis(server.url);
const queue = new TrialQueue(server.url);
const worker = guardedSpawn(
  process.execPath,
  ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--redis', server.url, '--name', 'overhead', '--cpus', '1', '--client-cpus', '0', '--config', configFile],
  { env: { ...process.env }, cwd: REPO_ROOT, deathSignal: 'KILL' },
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(2);
  }
}

try {
  await waitFor(async () => ((await listWorkers(redis)).some((w) => w.name === 'overhead') ? true : undefined), 30_000);
  const rows: OverheadRow[] = [];
  const arms = ['noop', 'sleep200'] as const;
  // 4 warm-up trials (module loading, first connections) are measured but not kept.
  const total = 4 + 2 * perArm;
  for (let i = 0; i < total; i++) {
    const arm = arms[i % 2] ?? 'noop';
    const trialId = `t${i}`;
    const { jobId } = await queue.enqueueTrial({
      campaign_id: 'overhead', trial_id: trialId, allocator: 'glibc', config: {}, env: {},
      workloads: [{ kind: 'command', name: arm }], steal_max_pct: 100,
    });
    const result = await waitFor(() => getTrialResult(redis, 'overhead', trialId), 30_000);
    const times = await waitFor(async () => {
      const t = await queue.jobTimes(jobId);
      return t?.finished_ms !== undefined ? t : undefined;
    }, 10_000);
    const { reports } = await readTrialReports(redis, '0', 100_000);
    const event = reports.find((r) => r.type === 'trial_result' && r.campaign_id === 'overhead' && r.trial_id === trialId);
    const storedMs = Number(event?.id.split('-')[0]);
    const m = result.repeats[0]?.workloads[0];
    const wallMs = m?.metrics['wall_ms'] ?? 0;
    const started = Date.parse(result.started_at);
    const finished = Date.parse(result.finished_at);
    if (i < 4) continue;
    rows.push({
      arm,
      trial: trialId,
      command_wall_ms: wallMs,
      pickup_ms: (times.picked_ms ?? 0) - times.enqueued_ms,
      setup_ms: started - (times.picked_ms ?? started),
      spawn_ms: (m?.duration_ms ?? 0) - wallMs,
      executor_ms: result.duration_ms - (m?.duration_ms ?? 0),
      store_ms: storedMs - finished,
      overhead_ms: storedMs - times.enqueued_ms - wallMs,
      steal_pct: m?.steal_pct ?? 0,
    });
  }
  writeFileSync(join(here, 'results.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  process.stdout.write(writeReport(rows, join(here, 'report.md')));
} finally {
  worker.kill('SIGTERM');
  await worker.done;
  await queue.close();
  redis.disconnect();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
