import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { LabelKeySchema, LabelValueSchema, MAX_ROUTING_LABELS, RESERVED_LABELS, WORKER_LABEL } from '../../core/worker-labels.js';
import { checkRedisConnection, redisConnectionFrom, REDIS_FLAG_OPTIONS, REDIS_FLAGS_USAGE } from '../../redis/redis-connection.js';
import { parseCpuList } from '../../sys/cpu-list.js';
// The CLI is the composition root: it is the one place under src/ that starts a worker process.
import { loadWorkerConfig, type WorkerConfig } from '../../../workers/worker-config.js';
import { WorkerProcess } from '../../../workers/worker-process.js';
import { onShutdown } from '../shutdown-hooks.js';
import { UsageError } from '../usage-error.js';
import { SPACES_OPTION, SPACES_USAGE, applySpacesOption } from '../spaces-option.js';

const USAGE = `usage: alloctune worker --redis URL [--cpus LIST] [--client-cpus LIST] [--concurrency N]
                        [--name NAME] [--labels k=v[,k=v]] [--config worker.json]
                        [--lock-ms MS] [--stalled-ms MS] [--max-stalled N] [--heartbeat-ms MS] [--spaces DIR]
                        [--traces DIR] [--redis-server ALLOCATOR=PATH]...
  ${SPACES_USAGE}
  --traces DIR      directory of recorded traces and Redis captures that trials name (overrides the config's traces_dir)
  --redis-server ALLOCATOR=PATH  redis-server for that allocator's Redis trials (wins over the config's
                        redis_servers); Debian's is built with jemalloc, others need one built with
                        make MALLOC=libc (README, "Redis with other allocators")
${REDIS_FLAGS_USAGE}`;

/** Parse `k=v,k2=v2` (the option may be repeated) into a label map. */
export function parseLabels(texts: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of texts.flatMap((t) => t.split(',')).filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    if (at <= 0 || !LabelKeySchema.safeParse(key).success || !LabelValueSchema.safeParse(value).success) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'labels', reason: `'${pair}' is not key=value (key [a-z][a-z0-9_-]*, value [A-Za-z0-9_.-]+)` });
    }
    if (RESERVED_LABELS.includes(key)) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'labels', reason: `'${key}' is reserved ('${WORKER_LABEL}' is set implicitly to the worker's name)` });
    }
    labels[key] = value;
  }
  if (Object.keys(labels).length > MAX_ROUTING_LABELS - 1) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'labels', reason: `at most ${MAX_ROUTING_LABELS - 1} labels (one more, '${WORKER_LABEL}', is implicit)` });
  }
  return labels;
}

/** Parse repeated `ALLOCATOR=/abs/path/redis-server` into a map; a bad entry names itself. */
export function parseRedisServers(texts: readonly string[]): Record<string, string> {
  const servers: Record<string, string> = {};
  for (const text of texts) {
    const at = text.indexOf('=');
    const allocator = text.slice(0, at);
    const path = text.slice(at + 1);
    if (at <= 0 || !/^[a-z][a-z0-9-]{0,31}$/.test(allocator) || !path.startsWith('/')) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'redis-server', reason: `'${text.slice(0, 200)}' is not ALLOCATOR=/absolute/path/to/redis-server` });
    }
    servers[allocator] = path;
  }
  return servers;
}

function positiveInt(text: string, field: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason: `'${text}' is not a positive integer` });
  return n;
}

/** The config with `--traces DIR` (made absolute) in place of its `traces_dir`. */
function withTracesDir(config: WorkerConfig, traces: string | undefined): WorkerConfig {
  return traces === undefined ? config : { ...config, traces_dir: resolve(traces) };
}

/** The config with the command line's `--redis-server` entries over its own `redis_servers`. */
function withRedisServers(config: WorkerConfig, fromCli: Record<string, string>): WorkerConfig {
  return { ...config, redis_servers: { ...config.redis_servers, ...fromCli } };
}

/** `alloctune worker`: take trials from the queue until interrupted. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...REDIS_FLAG_OPTIONS,
      ...SPACES_OPTION,
      cpus: { type: 'string', default: '1' },
      'client-cpus': { type: 'string', default: '0' },
      concurrency: { type: 'string', default: '1' },
      name: { type: 'string' },
      labels: { type: 'string', multiple: true, default: [] },
      config: { type: 'string' },
      'lock-ms': { type: 'string', default: '30000' },
      'stalled-ms': { type: 'string', default: '15000' },
      'max-stalled': { type: 'string', default: '2' },
      'heartbeat-ms': { type: 'string', default: '5000' },
      traces: { type: 'string' },
      'redis-server': { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h' },
    },
  });
  applySpacesOption(values.spaces);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const connection = redisConnectionFrom(values);
  if (connection === undefined) throw new UsageError('worker', '--redis', 'missing: --redis URL (or REDIS_URL) is required');
  parseCpuList(values.cpus);
  parseCpuList(values['client-cpus']);
  const name = values.name ?? `${hostname()}-${process.pid}`;
  if (!LabelValueSchema.safeParse(name).success) {
    throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'name', reason: `'${name}' must match [A-Za-z0-9_.-]{1,64} (it is also the worker's routing label)` });
  }
  await checkRedisConnection(connection);
  const worker = await WorkerProcess.start({
    redisUrl: connection,
    name,
    cpus: values.cpus,
    clientCpus: values['client-cpus'],
    concurrency: positiveInt(values.concurrency, 'concurrency'),
    labels: parseLabels(values.labels),
    config: withRedisServers(withTracesDir(loadWorkerConfig(values.config), values.traces), parseRedisServers(values['redis-server'])),
    lockDurationMs: positiveInt(values['lock-ms'], 'lock-ms'),
    stalledIntervalMs: positiveInt(values['stalled-ms'], 'stalled-ms'),
    maxStalledCount: positiveInt(values['max-stalled'], 'max-stalled'),
    heartbeatMs: positiveInt(values['heartbeat-ms'], 'heartbeat-ms'),
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    onNameLost: () => process.exit(1),
  });
  // A running trial may take a while (a default-size Redis trial is ~30 s) before close returns.
  onShutdown(() => worker.close(), 120_000);
  // Signals end the process through onShutdown; until then the BullMQ connections keep it alive.
  await new Promise<never>(() => undefined);
  return 0;
}
