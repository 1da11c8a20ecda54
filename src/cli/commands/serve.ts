import { parseArgs } from 'node:util';
import { startService } from '../../api/start-service.js';
import { serviceToken } from '../../api/service-token.js';
import { checkRedisConnection, redactRedisUrl, redisConnectionFrom, REDIS_FLAG_OPTIONS, REDIS_FLAGS_USAGE } from '../../redis/redis-connection.js';
import { resolveRedisTarget } from '../../redis/redis-target.js';
import { DEFAULT_WORKER_TIMEOUT_MS } from '../../store/worker-registry.js';
import { onShutdown } from '../shutdown-hooks.js';
import { UsageError } from '../usage-error.js';
import { SPACES_OPTION, SPACES_USAGE, applySpacesOption } from '../spaces-option.js';

const USAGE = `usage: alloctune serve [--redis URL] [--host 127.0.0.1] [--port 7070] [--worker-timeout-ms 15000] [--spaces DIR]
  ${SPACES_USAGE}
  Token: ALLOCTUNE_TOKEN, else generated once and kept under the state directory.
  --worker-timeout-ms: a worker silent for this long is gone (its duel pairs are re-run elsewhere).
${REDIS_FLAGS_USAGE}`;

/** `alloctune serve`: the REST API, SSE and the campaign controller. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...REDIS_FLAG_OPTIONS,
      ...SPACES_OPTION,
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '7070' },
      'worker-timeout-ms': { type: 'string', default: String(DEFAULT_WORKER_TIMEOUT_MS) },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  applySpacesOption(values.spaces);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('serve', '--port', `'${values.port}' is not 0-65535`);
  const workerTimeoutMs = Number(values['worker-timeout-ms']);
  if (!Number.isInteger(workerTimeoutMs) || workerTimeoutMs < 1000) {
    throw new UsageError('serve', '--worker-timeout-ms', `'${values['worker-timeout-ms']}' is not an integer >= 1000`);
  }
  const connection = redisConnectionFrom(values);
  if (connection) await checkRedisConnection(connection);
  const target = await resolveRedisTarget(connection);
  const token = serviceToken();
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const service = await startService({ redisUrl: target.endpoint, token: token.token, host: values.host, port, workerTimeoutMs, log });
  if (token.created) log(`generated bearer token (kept in ${token.file}): ${token.token}`);
  log(`alloctune serving on ${service.url} (redis ${redactRedisUrl(target.url)}${target.embedded ? ', embedded' : ''}); API docs at ${service.url}/docs`);
  onShutdown(async () => {
    await service.close();
    await target.close();
  });
  await new Promise<never>(() => undefined);
  return 0;
}
