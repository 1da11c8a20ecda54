import { parseArgs } from 'node:util';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { parseCpuList } from '../../sys/cpu-list.js';
import type { Config } from '../../core/config.js';
import { RedisWorkloadOptionsSchema } from '../../core/redis-workload.js';
import { TrialJobSchema, WorkloadSpecSchema, type TrialJob, type WorkloadSpec } from '../../core/trial-job.js';
import type { TrialResult } from '../../core/trial-result.js';
import { allocatorNames, completeConfig, encodeEnv, knownAllocatorSchema, loadSpace, parseConfigText } from '../../spaces/index.js';
import { metricValueText } from '../client/metric-value-text.js';
import { readJsonFile } from '../read-json-file.js';
import { SPACES_OPTION, SPACES_USAGE, applySpacesOption } from '../spaces-option.js';
import { UsageError } from '../usage-error.js';
// The CLI is the composition root: it runs the worker's executor in the foreground.
import { buildRunners } from '../../../workers/build-runners.js';
import { availableAllocators, hostIdentity } from '../../../workers/host-info.js';
import { executeTrial } from '../../../workers/trial-executor.js';
import { loadWorkerConfig, workerLibraries } from '../../../workers/worker-config.js';

const USAGE = `usage: alloctune trial --allocator NAME [--config 'MALLOC_CONF or JSON'] [--raw]
                       --workload harness:NAME|redis|command:NAME|trace:NAME [--workload ...]
                       [--repeats N] [--seed N] [--cpus LIST] [--client-cpus LIST]
                       [--workload-options FILE.json] [--worker-config worker.json]
                       [--timeout-ms MS] [--steal-max-pct P] [--spaces DIR] [--json]
  --config  the allocator's own text (MALLOC_CONF, GLIBC_TUNABLES, NAME=value ...) or a JSON object,
            checked against search-spaces/<allocator>.json
  ${SPACES_USAGE}
  --raw     pass the values to the allocator unchecked (MALLOC_CONF / GLIBC_TUNABLES / NAME=value list),
            to see how the allocator itself reacts to them; names must still be documented knobs
  --workload-options  the redis workload's options as JSON (load, mix, capture, delete_fraction,
            snapshot_offsets_ms, throughput, latency, server_config; see README), e.g.
            {"load":[{"value_bytes":64,"keys":20000}]} or {"mix":[{"test":"hset","keys":20000}]}
`;

/** Trial job fields set from an option, to name the option when its value is refused. */
const JOB_FIELD_OPTIONS: Readonly<Record<string, 'repeats' | 'seed' | 'timeout-ms' | 'steal-max-pct'>> = {
  repeats: 'repeats',
  seed: 'seed',
  phase_timeout_ms: 'timeout-ms',
  steal_max_pct: 'steal-max-pct',
};

/** The redis workload options in `file`, validated; a bad one names the file and the field. */
function readRedisOptions(file: string): unknown {
  const parsed = RedisWorkloadOptionsSchema.safeParse(readJsonFile(file, '--workload-options'));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: '--workload-options', reason: `${file}: ${problems}` });
}

/** Turn `harness:NAME`, `redis`, `command:NAME` or `trace:NAME` (a trace in the worker config's traces_dir) into a workload spec. */
export function parseWorkloadArg(text: string): WorkloadSpec {
  const [kind, name] = text.split(':', 2) as [string, string | undefined];
  const raw =
    kind === 'harness' ? { kind, workload: name } : kind === 'command' ? { kind, name } : kind === 'trace' ? { kind, trace: name } : kind === 'redis' && name === undefined ? { kind } : undefined;
  const parsed = raw === undefined ? undefined : WorkloadSpecSchema.safeParse(raw);
  if (!parsed?.success) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'workload', reason: `'${text}' is not harness:NAME, redis, command:NAME or trace:NAME` });
  return parsed.data;
}

function rawEnv(allocator: TrialJob['allocator'], text: string): Record<string, string> {
  if (text === '') return {};
  const format = loadSpace(allocator).encoding.format;
  if (format === 'malloc-conf') return { MALLOC_CONF: text };
  if (format === 'glibc-tunables') return { GLIBC_TUNABLES: text };
  return Object.fromEntries(
    text.split(/\s+/).filter((s) => s !== '').map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'config', reason: `'${pair}' is not NAME=value` });
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** The config record and encoded environment for `--config` text. */
function configAndEnv(allocator: TrialJob['allocator'], text: string, raw: boolean): { config: Config; env: Record<string, string> } {
  if (raw) return { config: {}, env: rawEnv(allocator, text) };
  const space = loadSpace(allocator);
  const trimmed = text.trim();
  let config: Config;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'config', reason: err instanceof Error ? err.message : String(err) });
    }
    config = completeConfig(space, parsed as Config);
  } else {
    config = completeConfig(space, trimmed === '' ? {} : parseConfigText(space, trimmed));
  }
  return { config, env: encodeEnv(space, config) };
}

function text(result: TrialResult): string {
  const lines = [`trial ${result.trial_id}: ${result.status} in ${result.duration_ms} ms on ${result.worker.host} (cpus ${result.worker.cpus})`];
  if (result.error) lines.push(`  error ${result.error.code}: ${result.error.message}`);
  for (const [key, s] of Object.entries(result.summary)) lines.push(`  ${key}: mean ${metricValueText(s.mean, key)} sd ${metricValueText(s.sd, key)} n ${s.n}`);
  return `${lines.join('\n')}\n`;
}

/** `alloctune trial`: run one trial here and print its TrialResult; exit 0 completed, 1 failed. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...SPACES_OPTION,
      allocator: { type: 'string' },
      config: { type: 'string', default: '' },
      raw: { type: 'boolean', default: false },
      workload: { type: 'string', multiple: true, default: [] },
      repeats: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      cpus: { type: 'string', default: '1' },
      'client-cpus': { type: 'string', default: '0' },
      'worker-config': { type: 'string' },
      'workload-options': { type: 'string' },
      'timeout-ms': { type: 'string', default: '300000' },
      'steal-max-pct': { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  applySpacesOption(values.spaces);
  const allocator = knownAllocatorSchema().safeParse(values.allocator);
  if (!allocator.success) {
    const given = values.allocator === undefined ? 'missing' : `'${values.allocator.slice(0, 64)}' is not an allocator`;
    throw new UsageError('trial', '--allocator', `${given}: one of ${allocatorNames().join(', ')}`);
  }
  if (values.workload.length === 0) throw new UsageError('trial', '--workload', 'missing: harness:NAME, redis, command:NAME or trace:NAME');
  const workloads = values.workload.map(parseWorkloadArg);
  if (values['workload-options'] !== undefined) {
    if (!workloads.some((w) => w.kind === 'redis')) throw new UsageError('trial', '--workload-options', 'applies to a redis workload (--workload redis)');
    const options = readRedisOptions(values['workload-options']);
    for (const w of workloads) if (w.kind === 'redis') Object.assign(w, { options });
  }
  parseCpuList(values.cpus);
  parseCpuList(values['client-cpus']);
  const workerConfig = loadWorkerConfig(values['worker-config']);
  const { config, env } = configAndEnv(allocator.data, values.config, values.raw);
  const parsed = TrialJobSchema.safeParse({
    campaign_id: 'manual',
    trial_id: `t${Date.now()}`,
    allocator: allocator.data,
    config,
    env,
    workloads,
    repeats: Number(values.repeats),
    seed: Number(values.seed),
    phase_timeout_ms: Number(values['timeout-ms']),
    steal_max_pct: Number(values['steal-max-pct']),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = JOB_FIELD_OPTIONS[String(issue?.path[0])];
    const field = option === undefined ? issue?.path.join('.') || 'trial' : `--${option}`;
    const given = option === undefined ? '' : `'${values[option]}': `;
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `${given}${issue?.message ?? 'invalid'}` });
  }
  const job = parsed.data;
  const libraries = workerLibraries(workerConfig);
  const versions = Object.fromEntries((await availableAllocators(libraries)).map((a) => [a.name, a.version ?? 'unknown']));
  const result = await executeTrial(job, {
    runners: buildRunners(workerConfig, versions),
    identity: { name: 'foreground', ...hostIdentity(), cpus: values.cpus, client_cpus: values['client-cpus'], labels: {} },
    libraries,
  });
  process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : text(result));
  return result.status === 'completed' ? 0 : 1;
}
