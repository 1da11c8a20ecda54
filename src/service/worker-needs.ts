import type { WorkerNeeds } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { closestName } from '../core/closest-name.js';
import type { InputProblem } from '../core/input-problems-error.js';
import { redisBuildProblem, type RedisServerInfo } from '../core/redis-server-build.js';
import type { SearchSpace } from '../core/search-space.js';
import type { WorkerInfo } from '../core/worker-info.js';

/** What a worker must offer to run a campaign's trials (no reason yet). */
export type CampaignNeeds = Omit<WorkerNeeds, 'reason'>;

/** The labels, commands, traces and allocator a campaign's trials need of a worker. */
export function campaignNeeds(spec: Pick<CampaignSpec, 'worker_labels' | 'workloads' | 'allocator'> & Partial<Pick<CampaignSpec, 'explore_with'>>): CampaignNeeds {
  // Exploration may run other workloads than confirmation (explore_with): a worker needs both.
  const all = [...spec.workloads, ...(spec.explore_with?.workloads ?? [])];
  const commands = [...new Set(all.flatMap((w) => (w.kind === 'command' ? [w.name] : [])))];
  const traces = [...new Set(all.flatMap((w) => (w.kind === 'trace' ? [w.trace] : [])))];
  return { worker_labels: { ...spec.worker_labels }, commands, ...(traces.length > 0 ? { traces } : {}), allocator: spec.allocator };
}

/** Why `worker` cannot run the campaign's trials, or undefined when it can. Workers that do not advertise their commands (or traces) are taken at their word. */
export function workerMisfit(needs: CampaignNeeds, worker: WorkerInfo): string | undefined {
  const labels = Object.entries(needs.worker_labels).filter(([k, v]) => worker.labels[k] !== v);
  if (labels.length > 0) return `lacks label ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}`;
  const commands = worker.commands === undefined ? [] : needs.commands.filter((c) => !worker.commands?.includes(c));
  if (commands.length > 0) return `does not allow command ${commands.join(', ')}`;
  const traces = worker.traces === undefined ? [] : (needs.traces ?? []).filter((t) => !worker.traces?.trace.includes(t));
  if (traces.length > 0) return `has no trace ${traces.join(', ')}`;
  if (!worker.allocators.some((a) => a.name === needs.allocator)) return `cannot load ${needs.allocator}`;
  return undefined;
}

/**
 * What the campaign waits for when no live worker can run its trials (state `waiting_for_workers`),
 * with why each live worker does not fit; undefined when one can.
 */
export function unmetNeeds(spec: Pick<CampaignSpec, 'worker_labels' | 'workloads' | 'allocator'>, workers: readonly WorkerInfo[]): WorkerNeeds | undefined {
  const needs = campaignNeeds(spec);
  const misfits: string[] = [];
  for (const worker of workers) {
    const misfit = workerMisfit(needs, worker);
    if (misfit === undefined) return undefined;
    misfits.push(`${worker.name} ${misfit}`);
  }
  return { ...needs, reason: misfits.length === 0 ? 'no live worker' : `no live worker fits: ${misfits.join('; ')}` };
}

/**
 * Command workloads naming a command no live worker allow-lists (`cfrak`), with the nearest name
 * and the names they offer. Without live workers that advertise commands nothing can be said: the
 * campaign then waits for a worker instead of being refused.
 */
export function commandProblems(spec: Pick<CampaignSpec, 'workloads'>, workers: readonly WorkerInfo[]): InputProblem[] {
  const advertising = workers.filter((w) => w.commands !== undefined);
  if (advertising.length === 0) return [];
  const offered = [...new Set(advertising.flatMap((w) => w.commands ?? []))].sort();
  return spec.workloads.flatMap((w, i): InputProblem[] => {
    if (w.kind !== 'command' || offered.includes(w.name)) return [];
    const near = closestName(w.name, offered);
    const hint = near === undefined ? '' : `; did you mean '${near}'?`;
    const list = offered.length === 0 ? 'none allow-lists any command' : `commands: ${offered.join(', ')}`;
    return [{ path: `workloads.${i}.name`, message: `no live worker allows command '${w.name}'${hint} (${list}; add it to a worker config's commands)` }];
  });
}

/** The allocator problem when live workers exist and none can load the campaign's allocator. */
export function allocatorProblems(spec: Pick<CampaignSpec, 'allocator'>, workers: readonly WorkerInfo[]): InputProblem[] {
  if (workers.length === 0 || workers.some((w) => w.allocators.some((a) => a.name === spec.allocator))) return [];
  const loadable = [...new Set(workers.flatMap((w) => w.allocators.map((a) => a.name)))].sort();
  return [{ path: 'allocator', message: `no live worker can load ${spec.allocator} (they load ${loadable.join(', ') || 'nothing'}); install it or set library_dir in a worker config` }];
}

/** The redis-server a worker advertises for `allocator` (its own entry, the base's, else the default one). */
function advertisedRedisServer(worker: WorkerInfo, allocator: string, base: string): RedisServerInfo | undefined {
  const servers = worker.redis_servers ?? [];
  return servers.find((s) => s.allocator === allocator) ?? servers.find((s) => s.allocator === base) ?? servers.find((s) => s.allocator === undefined);
}

/**
 * The problem of a campaign with a Redis workload when live workers that can load its allocator
 * advertise their redis-servers and none of them has one that can measure it (Debian's is built
 * with jemalloc: another allocator preloaded over it is rightly found not serving). Workers that
 * advertise no redis-servers (older ones) are taken at their word.
 */
export function redisServerProblems(spec: Pick<CampaignSpec, 'workloads'>, definition: Pick<SearchSpace, 'allocator' | 'readback'>, base: string, workers: readonly WorkerInfo[]): InputProblem[] {
  const index = spec.workloads.findIndex((w) => w.kind === 'redis');
  if (index < 0) return [];
  const loading = workers.filter((w) => w.allocators.some((a) => a.name === base));
  if (loading.length === 0 || loading.some((w) => w.redis_servers === undefined)) return [];
  const misfits: string[] = [];
  for (const worker of loading) {
    const server = advertisedRedisServer(worker, definition.allocator, base);
    const problem = server === undefined ? 'has no redis-server' : (server.problem ?? (server.malloc === null ? 'cannot tell how its redis-server is built' : redisBuildProblem(definition, server.malloc)));
    if (problem === undefined) return [];
    misfits.push(`${worker.name}'s ${server?.path ?? 'redis-server'} ${problem}`);
  }
  const name = definition.allocator;
  return [{
    path: `workloads.${index}`,
    message:
      `no live worker has a redis-server that can measure ${name}: ${misfits.join('; ')}. Build Redis with libc malloc ` +
      `(make MALLOC=libc in the Redis source; README, "Redis with other allocators") and give it to the workers: ` +
      `alloctune worker --redis-server ${name}=/path/to/redis-server, or "redis_servers": {"${name}": "/path/to/redis-server"} in the worker config`,
  }];
}

/**
 * Trace workloads naming a trace no live worker's trace directory holds, with the nearest name and
 * the names they offer. As for commands: without live workers that advertise traces nothing can be
 * said, and the campaign waits for a worker instead of being refused.
 */
export function traceProblems(spec: Pick<CampaignSpec, 'workloads' | 'explore_with'>, workers: readonly WorkerInfo[]): InputProblem[] {
  const advertising = workers.filter((w) => w.traces !== undefined);
  if (advertising.length === 0) return [];
  const offered = [...new Set(advertising.flatMap((w) => w.traces?.trace ?? []))].sort();
  const named = [...spec.workloads.map((w, i) => ({ w, path: `workloads.${i}.trace` })), ...(spec.explore_with?.workloads ?? []).map((w, i) => ({ w, path: `explore_with.workloads.${i}.trace` }))];
  return named.flatMap(({ w, path }): InputProblem[] => {
    if (w.kind !== 'trace' || offered.includes(w.trace)) return [];
    const near = closestName(w.trace, offered);
    const hint = near === undefined ? '' : `; did you mean '${near}'?`;
    const list = offered.length === 0 ? 'none has a trace' : `traces: ${offered.join(', ')}`;
    return [{ path, message: `no live worker has trace '${w.trace}'${hint} (${list}; record one with alloctune trace record into a worker's --traces DIR)` }];
  });
}
