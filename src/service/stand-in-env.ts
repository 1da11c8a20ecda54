import type { CampaignRecord } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { Config } from '../core/config.js';
import type { SearchSpace } from '../core/search-space.js';
import type { WorkloadSpec } from '../core/trial-job.js';
import { loadSpace, snapshotSpace, withForcedKnobs } from '../spaces/index.js';

/**
 * The knob values a target forces on its allocator, for a low-fidelity trial whose every workload
 * is a trace standing in for a workload of one kind K (explore_with, see explore-with-check.ts): the
 * definition's `target_overrides` for K that say a value, the value the full workload's own setting
 * chooses (`set_by`, e.g. Redis's `jemalloc-bg-thread no` in `server_config`) winning over the
 * default one. Empty otherwise: a plain trace campaign replays the config exactly as chosen.
 */
export function standInForcedKnobs(space: Pick<SearchSpace, 'target_overrides'>, spec: Pick<CampaignSpec, 'workloads' | 'explore_with'>): Config {
  const low = spec.explore_with?.workloads;
  if (!low || low.length === 0 || low.length !== spec.workloads.length) return {};
  const fulls = low.map((w, i) => (w.kind === 'trace' ? spec.workloads[i] : undefined));
  const kind = fulls[0]?.kind;
  if (kind === undefined || kind === 'trace' || !fulls.every((f) => f?.kind === kind)) return {};
  const forced: Config = {};
  for (const o of space.target_overrides) {
    if (o.workload !== kind) continue;
    const chosen = fulls.map((f) => chosenBy(o.set_by, f)).find((v) => v !== undefined);
    const value = chosen ?? o.value;
    if (value !== undefined) forced[o.knob] = value;
  }
  return forced;
}

function chosenBy(setBy: SearchSpace['target_overrides'][number]['set_by'], full: WorkloadSpec | undefined): Config[string] | undefined {
  if (setBy === undefined || full?.kind !== 'redis') return undefined;
  const setting = full.options.server_config[setBy.server_config];
  return setting === undefined ? undefined : setBy.values[setting];
}

/**
 * The environment a trial's job carries: the trial's own (its config as the sampler chose it, which
 * the record keeps) with the stand-in's forced knobs written over it for a low-fidelity trial. The
 * knobs are encoded by the campaign's definition without the spec's overrides, which drop them from
 * the search (campaign-setup.ts), so the worker checks the result as any env of that definition.
 */
export function trialJobEnv(record: Pick<CampaignRecord, 'spec' | 'definition'>, env: Readonly<Record<string, string>>, fidelity: 'low' | 'full'): Record<string, string> {
  if (fidelity !== 'low') return { ...env };
  const space = record.definition ? snapshotSpace(record.definition) : loadSpace(record.spec.allocator);
  return withForcedKnobs(space, env, standInForcedKnobs(space, record.spec));
}
