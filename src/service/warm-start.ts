import { AlloctuneError } from '../core/alloctune-error.js';
import { trialIndex, type CampaignRecord, type TrialRecord, type WarmStartRecord } from '../core/campaign-record.js';
import type { WarmStartSpec } from '../core/campaign-spec.js';
import { campaignSpace } from './campaign-space.js';
import type { CampaignStore } from '../store/campaign-store.js';
import { spaceDigest } from './campaign-runtime.js';
import type { PreparedCampaign } from './campaign-setup.js';

/** Most campaigns `warm_start: "auto"` takes (the most recent finished matches). */
export const AUTO_WARM_START_SOURCES = 3;

/** A campaign's warm start: the record to store and the source trials that seed its sampler. */
export interface ResolvedWarmStart {
  record: WarmStartRecord;
  priors: TrialRecord[];
}

/**
 * The trials of a source campaign that become prior observations: its completed exploration and
 * reference measurements, in trial order (baseline and placebo are always measured afresh; paired
 * runs are single repeats of known configs).
 */
export function priorTrials(trials: readonly TrialRecord[]): TrialRecord[] {
  return trials.filter((t) => (t.role === 'explore' || t.role === 'reference') && t.state === 'completed').sort((a, b) => trialIndex(a.trial_id) - trialIndex(b.trial_id));
}

/** Why `source` cannot seed `prepared` (undefined when it can): same allocator, workloads, objective and space. */
export function warmStartMismatch(prepared: PreparedCampaign, source: CampaignRecord): string | undefined {
  const { spec } = prepared;
  if (source.spec.allocator !== spec.allocator) return `campaign ${source.id} tunes ${source.spec.allocator}, not ${spec.allocator}`;
  if (JSON.stringify(source.spec.workloads) !== JSON.stringify(spec.workloads)) return `campaign ${source.id} ran different workload options`;
  // Its observations were measured at its exploration fidelity: the same low-fidelity workloads (or none) on both.
  if (JSON.stringify(source.spec.explore_with?.workloads ?? null) !== JSON.stringify(spec.explore_with?.workloads ?? null)) return `campaign ${source.id} explored at a different fidelity (explore_with)`;
  if (source.spec.objective.metric !== spec.objective.metric || source.spec.objective.direction !== spec.objective.direction) {
    return `campaign ${source.id} optimised ${source.spec.objective.direction} ${source.spec.objective.metric}, not ${spec.objective.direction} ${spec.objective.metric}`;
  }
  let digest: string;
  try {
    digest = spaceDigest(campaignSpace(source));
  } catch (err) {
    return `campaign ${source.id}'s search space no longer loads: ${(err as Error).message}`;
  }
  const own = spaceDigest(prepared.space);
  if (digest !== own) return `campaign ${source.id} searched a different space (digest ${digest}, this campaign's ${own})`;
  return undefined;
}

/**
 * Checks the spec's `warm_start` against the stored campaigns (each id exists, has finished running and
 * matches; a 400 names `warm_start.<i>` and why) or, for `auto`, picks the most recent finished matches.
 */
export async function resolveWarmStart(store: CampaignStore, prepared: PreparedCampaign, spec: WarmStartSpec): Promise<ResolvedWarmStart> {
  let sources: CampaignRecord[];
  if (spec === 'auto') {
    const finished = (await store.list()).filter((c) => c.state === 'finished' && warmStartMismatch(prepared, c) === undefined);
    sources = finished.sort((a, b) => (b.finished_at ?? '').localeCompare(a.finished_at ?? '')).slice(0, AUTO_WARM_START_SOURCES);
  } else {
    if (new Set(spec).size !== spec.length) throw invalid('warm_start', 'a campaign is named twice');
    sources = [];
    for (const [i, id] of spec.entries()) {
      const source = await store.get(id);
      if (source === undefined) throw invalid(`warm_start.${i}`, `no campaign ${id}`);
      if (source.state === 'running') throw invalid(`warm_start.${i}`, `campaign ${id} is still running: warm start from a finished, cancelled or failed campaign`);
      const mismatch = warmStartMismatch(prepared, source);
      if (mismatch !== undefined) throw invalid(`warm_start.${i}`, mismatch);
      sources.push(source);
    }
  }
  const priors: TrialRecord[] = [];
  const recorded: WarmStartRecord['sources'] = [];
  for (const source of sources) {
    const trials = priorTrials(await store.trials(source.id));
    priors.push(...trials);
    recorded.push({ campaign_id: source.id, name: source.spec.name, observations: trials.length });
  }
  return { record: { mode: spec === 'auto' ? 'auto' : 'explicit', space_digest: spaceDigest(prepared.space), sources: recorded }, priors };
}

/** The prior trials of a stored campaign's warm start, as at its creation (sources no longer run). */
export async function loadPriorTrials(store: CampaignStore, record: CampaignRecord): Promise<TrialRecord[]> {
  const priors: TrialRecord[] = [];
  for (const source of record.warm_start?.sources ?? []) priors.push(...priorTrials(await store.trials(source.campaign_id)));
  return priors;
}

function invalid(field: string, reason: string): AlloctuneError {
  return new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field, reason });
}
