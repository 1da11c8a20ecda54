/**
 * The trace experiment of issue #20: record redis-server (its own jemalloc) while it takes the
 * Redis workload's load and scattered delete, then run one campaign that explores on replays of
 * that recording (the trace stands in for the Redis workload under its label) and confirms and
 * distils on real redis-server. Dumps everything under raw/ and regenerates report.md.
 *
 *   node --import tsx experiments/redis-trace/run.ts [--out DIR] [--cpus 1] [--client-cpus 0]
 *
 * Writes: DIR/recording/ (trace sidecar and `trace info` statistics), DIR/campaign/ (the report-kit
 * dump: campaign, trials, results, leaderboard, exports, importance), DIR/meta.json.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { startLocalStack } from '../report-kit/local-stack.js';
import { recordRedis } from './record-redis.js';

const HERE = join(REPO_ROOT, 'experiments', 'redis-trace');
const TRACE = 'redis-delete';
const write = (file: string, value: unknown): void => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** The campaign as posted, with the recording's load (the same as the Redis workload's). */
const campaign = JSON.parse(readFileSync(join(HERE, 'campaign.json'), 'utf8')) as { workloads: { options: { load: { value_bytes: number; keys: number }[]; delete_fraction: number } }[] };

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(HERE, 'raw') }, cpus: { type: 'string', default: '1' }, 'client-cpus': { type: 'string', default: '0' } }, strict: true });
  const out = values.out;
  // Only what this script writes: raw/ranking/ is ranking.ts's.
  for (const part of ['recording', 'campaign', 'meta.json']) rmSync(join(out, part), { recursive: true, force: true });
  mkdirSync(join(out, 'recording'), { recursive: true });
  const traces = mkdtempSync(join(tmpdir(), 'alloctune-redis-trace-'));
  const started = Date.now();
  const load = campaign.workloads[0]?.options;
  if (!load) throw new Error('campaign.json: no Redis workload');
  await recordRedis(traces, TRACE, load, values['client-cpus']);
  const recordedMs = Date.now() - started;
  copyFileSync(join(traces, `${TRACE}.json`), join(out, 'recording', 'sidecar.json'));
  write(join(out, 'recording', 'info.json'), traceStats(readTrace(join(traces, `${TRACE}.trace`), { columns: true }) as TraceContents & { columns: TraceColumns }));

  const stack = await startLocalStack({ name: 'redis-trace', cpus: values.cpus, clientCpus: values['client-cpus'], workerArgs: ['--traces', traces] });
  try {
    const campaignStarted = Date.now();
    const dump = await runGuarded(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'experiments', 'report-kit', 'run-campaign.ts'), '--service', stack.serviceUrl, '--token', stack.token, '--redis', stack.redisUrl, '--campaign', join(HERE, 'campaign.json'), '--out', join(out, 'campaign')],
      { env: process.env, timeoutMs: 3_600_000, cwd: REPO_ROOT },
    );
    if (dump.exitCode !== 0) throw new Error(`run-campaign failed: ${dump.stderr.slice(-1000)}`);
    write(join(out, 'meta.json'), { recorded_ms: recordedMs, campaign_wall_s: (Date.now() - campaignStarted) / 1000, cpus: values.cpus, client_cpus: values['client-cpus'], host_cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '' });
  } finally {
    await stack.stop();
    rmSync(traces, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = await main();
