import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startService, type RunningService } from '../../api/start-service.js';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { serviceToken } from '../../api/service-token.js';
import { guardedSpawn, type GuardedProcess } from '../../proc/guarded-spawn.js';
import { REPO_ROOT } from '../../proc/repo-paths.js';
import { openRedis, redactRedisUrl } from '../../redis/redis-connection.js';
import { resolveRedisTarget } from '../../redis/redis-target.js';
import { listWorkers } from '../../store/worker-registry.js';
import { ServiceClient } from '../client/service-client.js';
import { watchCampaign } from '../client/watch-campaign.js';
import { readJsonFile } from '../read-json-file.js';
import { onShutdown } from '../shutdown-hooks.js';
import { UsageError } from '../usage-error.js';

const DEFAULT_CAMPAIGN = join(REPO_ROOT, 'experiments', 'demo', 'campaign.json');

const USAGE = `usage: alloctune demo [--campaign FILE.json] [--port 7070] [--keep]
  Starts an embedded Redis (or uses REDIS_URL), the service and one worker on this machine, runs the
  campaign (default experiments/demo/campaign.json, about 7 minutes) with a live progress bar and
  leaderboard, and prints the exported config with its evidence and the dashboard URL.
  --port   the service's port; a free one when it is taken
  --keep   leave everything running afterwards (Ctrl-C stops it)
`;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Start the service on `port`, or on a free port when it is taken. */
async function startOnPort(options: Parameters<typeof startService>[0]): Promise<RunningService> {
  try {
    return await startService(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    return startService({ ...options, port: 0 });
  }
}

/** A worker as a child process of this one, pinned: targets on the last CPU, clients on the first. */
function startWorker(redisUrl: string): { proc: GuardedProcess; cpus: string; clientCpus: string } {
  const n = availableParallelism();
  const cpus = String(n - 1);
  const clientCpus = n > 1 ? '0' : String(n - 1);
  const proc = guardedSpawn(
    process.execPath,
    [...process.execArgv, process.argv[1] ?? join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'worker', '--redis', redisUrl, '--name', 'demo-worker', '--cpus', cpus, '--client-cpus', clientCpus],
    { env: process.env, cwd: REPO_ROOT, deathSignal: 'TERM' },
  );
  return { proc, cpus, clientCpus };
}

/**
 * `alloctune demo`: with nothing but this machine, start the embedded Redis, the service and one
 * worker, run a short real jemalloc campaign (fragmentation harness workload plus a small Redis
 * workload), show progress and the leaderboard live, and print the exported MALLOC_CONF with its
 * evidence and the dashboard URL.
 */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      campaign: { type: 'string', default: DEFAULT_CAMPAIGN },
      port: { type: 'string', default: '7070' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('demo', '--port', `'${values.port}' is not 0-65535`);
  const spec = readJsonFile(values.campaign, '--campaign');
  const target = await resolveRedisTarget();
  say(`redis:     ${redactRedisUrl(target.url)} (${target.embedded ? `embedded redis-server, pid ${target.embedded.pid}, data in ${target.embedded.dataDir}` : 'REDIS_URL'})`);
  const token = serviceToken();
  const service = await startOnPort({ redisUrl: target.endpoint, token: token.token, port, controllerTickMs: 300 });
  say(`service:   ${service.url} (API docs ${service.url}/docs, dashboard ${service.url}/)`);
  say(`token:     ${token.created ? `${token.token} (generated, kept in ${token.file})` : token.file ? `kept in ${token.file}` : 'from ALLOCTUNE_TOKEN'}`);
  const worker = startWorker(target.url);
  const stop = onShutdown(async () => {
    worker.proc.kill('SIGTERM');
    const timer = setTimeout(() => worker.proc.kill('SIGKILL'), 15_000);
    await worker.proc.done;
    clearTimeout(timer);
    await service.close();
    await target.close();
  });
  try {
    const redis = openRedis(target.endpoint);
    const deadline = Date.now() + 30_000;
    while (!(await listWorkers(redis)).some((w) => w.name === 'demo-worker')) {
      if (Date.now() > deadline) {
        worker.proc.kill();
        throw new AlloctuneError('ALLOCTUNE_ERR_SETUP', { reason: `the worker did not register within 30 s: ${(await worker.proc.done).stderr.slice(-2000)}` });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    redis.disconnect();
    say(`worker:    demo-worker, targets on CPU ${worker.cpus}, load generators on CPU ${worker.clientCpus}`);
    const client = new ServiceClient(service.url, token.token);
    const { campaign } = await client.json<{ campaign: { id: string } }>('POST', '/v1/campaigns', spec);
    say(`campaign:  ${campaign.id} (${values.campaign})\n`);
    const status = await watchCampaign(client, campaign.id);
    say(`\n=== exported MALLOC_CONF (line 1) with its evidence ===`);
    process.stdout.write(await client.text(`/v1/campaigns/${campaign.id}/export?format=malloc_conf&with_evidence=true`));
    say(`\nother formats: alloctune campaign export ${campaign.id} --format systemd|env|docker|k8s|malloc.conf|json`);
    say(`dashboard:  ${service.url}/#/campaign/${campaign.id}${values.keep ? ' (kept running; Ctrl-C stops everything)' : ''}`);
    if (values.keep) await new Promise<never>(() => undefined);
    return status.campaign.state === 'finished' ? 0 : 1;
  } finally {
    await stop();
  }
}
