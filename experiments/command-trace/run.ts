/**
 * The allow-listed command case of issue #20: record a python3 program once with `alloctune trace
 * record`, run one campaign that explores on replays of that recording (the trace stands in for the
 * command under its label) and confirms and distils on the program itself, then measure every config
 * the exploration tried both ways (replay and program, interleaved) to see whether the replay ranks
 * them as the program does. Dumps everything under raw/; report.ts writes report.md from it.
 *
 *   node --import tsx experiments/command-trace/run.ts [--out DIR] [--repeats 2] [--cpus 1] [--client-cpus 0]
 *
 * Writes: DIR/COMMIT, DIR/recording/ (sidecar, `trace info` statistics), DIR/campaign/ (the report-kit
 * dump), DIR/ranking.json (every measurement of the configs tried), DIR/meta.json (times, load).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import { WorkloadSpecSchema, type WorkloadSpec } from '../../src/core/trial-job.js';
import { runGuarded } from '../../src/proc/guarded-spawn.js';
import { REPO_ROOT } from '../../src/proc/repo-paths.js';
import { loadSpace } from '../../src/spaces/index.js';
import { readTrace, type TraceColumns, type TraceContents } from '../../src/trace/trace-reader.js';
import { traceStats } from '../../src/trace/trace-stats.js';
import { CommandRunner } from '../../workers/runners/command-runner.js';
import { TraceRunner } from '../../workers/runners/trace-runner.js';
import { TraceDir } from '../../workers/trace-dir.js';
import { CommandSpecSchema } from '../../workers/worker-config.js';
import { startLocalStack } from '../report-kit/local-stack.js';
import { separatedPairAgreement } from '../../src/stats/rank-correlation.js';
import { mean, rankAgreement, runContext, SAFE_PATH, withPreload } from '../report-kit/rank-agreement.js';

const HERE = join(REPO_ROOT, 'experiments', 'command-trace');
const NAME = 'py-phases';
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(HERE, 'py-phases.py');
const write = (file: string, value: unknown): void => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

interface CampaignFile {
  allocator: string;
  workloads: unknown[];
  explore_with: { workloads: unknown[]; objective: string };
  objective: { metric: string };
}

/** One measurement of a config tried by the exploration, by the replay or by the program. */
export interface RankingMeasurement {
  config_key: string;
  trial_id: string;
  repeat: number;
  way: 'replay' | 'program';
  metrics: Record<string, number>;
}

/** Records the program under the campaign's allocator, with an untraced reference run under it, so that the export's peak RSS ratio compares like with like. */
async function record(traces: string, allocator: string): Promise<number> {
  const started = Date.now();
  const out = await runGuarded(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'trace', 'record', NAME, '--traces', traces, '--allocator', allocator, '--reference-allocators', allocator, '--', PYTHON, SCRIPT], {
    env: { PATH: SAFE_PATH },
    cwd: REPO_ROOT,
    timeoutMs: 120_000,
  });
  if (out.exitCode !== 0) throw new Error(`trace record failed: ${out.stderr.slice(-1000)}`);
  return Date.now() - started;
}

/** Every distinct config the exploration measured (low-fidelity trials), measured `repeats` times by the replay and by the program, interleaved. */
async function ranking(campaignDir: string, traces: string, repeats: number, o: { cpus: string; clientCpus: string }): Promise<{ measurements: RankingMeasurement[]; configs: { config_key: string; trial_id: string; env: Record<string, string> }[] }> {
  const campaign = JSON.parse(readFileSync(join(HERE, 'campaign.json'), 'utf8')) as CampaignFile;
  const space = loadSpace(campaign.allocator);
  const trials = readFileSync(join(campaignDir, 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TrialRecord);
  const configs = new Map<string, { config_key: string; trial_id: string; env: Record<string, string> }>();
  for (const t of trials) if (t.fidelity === 'low' && t.state === 'completed' && !configs.has(t.config_key)) configs.set(t.config_key, { config_key: t.config_key, trial_id: t.trial_id, env: { ...t.env } });
  const replaySpec = WorkloadSpecSchema.parse(campaign.explore_with.workloads[0]) as Extract<WorkloadSpec, { kind: 'trace' }>;
  const programSpec = WorkloadSpecSchema.parse(campaign.workloads[0]) as Extract<WorkloadSpec, { kind: 'command' }>;
  const replay = new TraceRunner(new TraceDir(traces));
  const program = new CommandRunner({ [NAME]: CommandSpecSchema.parse({ argv: [PYTHON, SCRIPT], timeout_ms: 120_000 }) });
  const measurements: RankingMeasurement[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const c of configs.values()) {
      const ctx = runContext(space, withPreload(space, c.env), { cpus: o.cpus, clientCpus: o.clientCpus, seed: 30 + repeat });
      const r = await replay.run(replaySpec, ctx);
      measurements.push({ config_key: c.config_key, trial_id: c.trial_id, repeat, way: 'replay', metrics: r.metrics });
      const p = await program.run(programSpec, ctx);
      measurements.push({ config_key: c.config_key, trial_id: c.trial_id, repeat, way: 'program', metrics: p.metrics });
      process.stderr.write(`${c.trial_id} #${repeat}: replay ${((r.metrics['peak_rss_bytes'] ?? 0) / 1e6).toFixed(1)} MB, program ${((p.metrics['max_rss_bytes'] ?? 0) / 1e6).toFixed(1)} MB\n`);
    }
  }
  return { measurements, configs: [...configs.values()] };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(HERE, 'raw') }, repeats: { type: 'string', default: '2' }, cpus: { type: 'string', default: '1' }, 'client-cpus': { type: 'string', default: '0' } }, strict: true });
  const out = values.out;
  const repeats = Number(values.repeats);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'recording'), { recursive: true });
  const commit = await runGuarded('git', ['rev-parse', 'HEAD'], { env: { PATH: SAFE_PATH }, cwd: REPO_ROOT, timeoutMs: 10_000 });
  writeFileSync(join(out, 'COMMIT'), commit.stdout);
  const load1AtStart = loadavg()[0] ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'alloctune-command-trace-'));
  const traces = join(dir, 'traces');
  try {
    const recordedMs = await record(traces, (JSON.parse(readFileSync(join(HERE, 'campaign.json'), 'utf8')) as CampaignFile).allocator);
    copyFileSync(join(traces, `${NAME}.json`), join(out, 'recording', 'sidecar.json'));
    write(join(out, 'recording', 'info.json'), traceStats(readTrace(join(traces, `${NAME}.trace`), { columns: true }) as TraceContents & { columns: TraceColumns }));
    const workerConfig = join(dir, 'worker.json');
    write(workerConfig, { commands: { [NAME]: { argv: [PYTHON, SCRIPT], timeout_ms: 120_000 } } });
    const stack = await startLocalStack({ name: 'command-trace', cpus: values.cpus, clientCpus: values['client-cpus'], workerArgs: ['--traces', traces, '--config', workerConfig] });
    const campaignStarted = Date.now();
    let campaignWallS = 0;
    try {
      const dump = await runGuarded(
        process.execPath,
        ['--import', 'tsx', join(REPO_ROOT, 'experiments', 'report-kit', 'run-campaign.ts'), '--service', stack.serviceUrl, '--token', stack.token, '--redis', stack.redisUrl, '--campaign', join(HERE, 'campaign.json'), '--out', join(out, 'campaign')],
        { env: process.env, timeoutMs: 1_800_000, cwd: REPO_ROOT },
      );
      if (dump.exitCode !== 0) throw new Error(`run-campaign failed: ${dump.stderr.slice(-1000)}`);
      campaignWallS = (Date.now() - campaignStarted) / 1000;
    } finally {
      await stack.stop();
    }
    const rankingStarted = Date.now();
    const measured = await ranking(join(out, 'campaign'), traces, repeats, { cpus: values.cpus, clientCpus: values['client-cpus'] });
    const per = (way: RankingMeasurement['way'], metric: string): number[] =>
      measured.configs.map((c) => mean(measured.measurements.filter((m) => m.config_key === c.config_key && m.way === way).map((m) => m.metrics[metric] ?? Number.NaN)));
    const program = per('program', 'max_rss_bytes');
    const result = {
      repeats,
      configs: measured.configs.map((c, i) => ({
        config_key: c.config_key,
        trial_id: c.trial_id,
        malloc_conf: c.env['MALLOC_CONF'] ?? '',
        replay_peak_rss_bytes: per('replay', 'peak_rss_bytes')[i],
        replay_peak_rss_above_baseline_bytes: per('replay', 'peak_rss_above_baseline_bytes')[i],
        program_max_rss_bytes: program[i],
      })),
      spearman_replay_peak_rss_vs_program_max_rss: rankAgreement(per('replay', 'peak_rss_bytes'), program, 21),
      spearman_replay_above_baseline_vs_program_max_rss: rankAgreement(per('replay', 'peak_rss_above_baseline_bytes'), program, 21),
      // Only the pairs the program's own repeats tell apart, and whether the replay orders them the same way.
      separated_pairs_replay_peak_rss_vs_program_max_rss: separatedPairAgreement(
        measured.configs.map((c) => {
          const of = (way: RankingMeasurement['way'], metric: string): number[] => measured.measurements.filter((m) => m.config_key === c.config_key && m.way === way).map((m) => m.metrics[metric] ?? Number.NaN);
          return { name: c.trial_id, reference: of('program', 'max_rss_bytes'), proxy: of('replay', 'peak_rss_bytes') };
        }),
      ),
      measurements: measured.measurements,
    };
    write(join(out, 'ranking.json'), result);
    write(join(out, 'meta.json'), {
      recorded_ms: recordedMs,
      campaign_wall_s: campaignWallS,
      ranking_wall_s: (Date.now() - rankingStarted) / 1000,
      load1_at_start: load1AtStart,
      load1_at_end: loadavg()[0] ?? 0,
      cpus: values.cpus,
      client_cpus: values['client-cpus'],
      host_cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? '',
      python: PYTHON,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}

process.exitCode = await main();
