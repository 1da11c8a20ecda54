import type { CampaignSpec } from '../core/campaign-spec.js';
import type { CampaignWarning, ResolvedMetrics } from '../core/campaign-record.js';
import type { ConfigValue } from '../core/config.js';
import type { KnobTrap, Parameter, SearchSpace } from '../core/search-space.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { parseCpuList } from '../sys/cpu-list.js';
import { metricUnit } from './metric-catalogue.js';

/** The trap goal a metric measures: memory (bytes, fragmentation), throughput (ops per second), or none. */
export function metricGoal(metric: string): KnobTrap['goal'] | undefined {
  const unit = metricUnit(metric);
  if (unit === 'bytes' || /fragmentation_ratio|frag_ratio/.test(metric)) return 'memory';
  if (unit?.startsWith('ops/') === true) return 'throughput';
  return undefined;
}

/** Which goals the campaign's objective and constraints set: memory (bytes, fragmentation) and throughput (ops per second). */
export function campaignGoals(metrics: ResolvedMetrics): Set<KnobTrap['goal']> {
  const goals = new Set<KnobTrap['goal']>();
  for (const metric of [metrics.objective, ...metrics.constraints]) {
    const goal = metricGoal(metric);
    if (goal !== undefined) goals.add(goal);
  }
  return goals;
}

/** True when the search can propose `value` for `p` (a choice it has, or a number in its range). */
function searchable(p: Parameter, value: ConfigValue): boolean {
  if (p.fixed !== undefined) return p.fixed === value;
  switch (p.kind) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'categorical':
      return p.choices.includes(value as never);
    case 'integer':
    case 'float':
      return typeof value === 'number' && value >= p.min && value <= p.max;
    default:
      return false;
  }
}

/** Traps of the searched knobs whose values the search can reach under one of the campaign's goals. */
export function knobTrapWarnings(space: SearchSpace, metrics: ResolvedMetrics): CampaignWarning[] {
  const goals = campaignGoals(metrics);
  return space.parameters.flatMap((p) =>
    p.traps
      .filter((t) => goals.has(t.goal) && t.values.some((v) => searchable(p, v)))
      .map((t) => ({
        code: 'knob_trap' as const,
        path: 'space',
        message: `${p.name}: ${t.message}. This campaign has a ${t.goal} objective or constraint and may propose ${p.name}=${t.values.map(String).join('/')}; drop the knob (space.drop) if that cost is not acceptable`,
      })),
  );
}

/**
 * Live workers on one host whose CPU sets overlap (target or client CPUs): their trials would
 * disturb each other, so measured differences mix configs with co-tenant load.
 */
export function cpuOverlapWarnings(workers: readonly WorkerInfo[]): CampaignWarning[] {
  const out: CampaignWarning[] = [];
  const cpusOf = (w: WorkerInfo): Set<number> => new Set([...parseCpuList(w.cpus), ...parseCpuList(w.client_cpus)]);
  for (let i = 0; i < workers.length; i++) {
    for (let j = i + 1; j < workers.length; j++) {
      const a = workers[i] as WorkerInfo;
      const b = workers[j] as WorkerInfo;
      if (a.host !== b.host) continue;
      const bCpus = cpusOf(b);
      const shared = [...cpusOf(a)].filter((c) => bCpus.has(c)).sort((x, y) => x - y);
      if (shared.length === 0) continue;
      out.push({
        code: 'cpu_overlap',
        message: `workers ${a.name} and ${b.name} on host ${a.host} share CPU${shared.length === 1 ? '' : 's'} ${shared.join(',')}: trials running at once disturb each other; give them disjoint --cpus and --client-cpus`,
      });
    }
  }
  return out;
}

/** Every creation-time warning of a prepared campaign against the live workers. */
export function campaignWarnings(spec: Pick<CampaignSpec, 'allocator'>, space: SearchSpace, metrics: ResolvedMetrics, workers: readonly WorkerInfo[]): CampaignWarning[] {
  const able = workers.filter((w) => w.allocators.some((a) => a.name === spec.allocator));
  return [...knobTrapWarnings(space, metrics), ...cpuOverlapWarnings(able.length > 0 ? able : workers)];
}
