import type { CampaignSpec } from '../core/campaign-spec.js';
import { trialIndex, type DuelSlot, type TrialRecord, type TrialRole } from '../core/campaign-record.js';
import type { Config } from '../core/config.js';
import { definitionCopy, type DefinitionSnapshot } from '../core/definition-snapshot.js';
import type { SearchSpace } from '../core/search-space.js';
import type { CutShortJob } from '../core/cut-short.js';
import type { TrialJobInput, WorkloadSpec } from '../core/trial-job.js';
import type { TrialResult } from '../core/trial-result.js';
import { WORKER_LABEL } from '../queue/queue-names.js';
import { encodeEnv } from '../spaces/index.js';

/** Canonical text of a config's environment: equal configs get equal keys. */
export function configKey(env: Readonly<Record<string, string>>): string {
  const entries = Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '(defaults)' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

/** A new trial record in state `proposed` (stored before it is enqueued, so a restart re-enqueues it). */
export function newTrialRecord(args: {
  campaignId: string;
  trialId: string;
  role: TrialRole;
  space: SearchSpace;
  config: Config;
  vector?: number[];
  duel?: DuelSlot;
  worker?: string;
  /** Environment to use instead of encoding `config` (the untouched defaults: nothing set). */
  env?: Record<string, string>;
  now: Date;
}): TrialRecord {
  const env = args.env ?? encodeEnv(args.space, args.config);
  const record: TrialRecord = {
    trial_id: args.trialId,
    campaign_id: args.campaignId,
    role: args.role,
    config_key: configKey(env),
    config: args.config,
    env,
    state: 'proposed',
    proposed_at: args.now.toISOString(),
  };
  if (args.vector) record.vector = args.vector;
  if (args.duel) record.duel = args.duel;
  if (args.worker !== undefined) record.worker = args.worker;
  return record;
}

/**
 * The workloads a trial runs: paired trials (duels, distillation) always the full-fidelity
 * `workloads`; the others the spec's `explore_with` ones when it names a low fidelity.
 */
export function trialWorkloads(spec: CampaignSpec, trial: Pick<TrialRecord, 'role'>): WorkloadSpec[] {
  return trialFidelity(spec, trial) === 'low' && spec.explore_with ? spec.explore_with.workloads : spec.workloads;
}

/** `low` for a trial that runs the spec's `explore_with` workloads (see {@link trialWorkloads}). */
export function trialFidelity(spec: Pick<CampaignSpec, 'explore_with'>, trial: Pick<TrialRecord, 'role'>): 'low' | 'full' {
  const paired = trial.role === 'duel' || trial.role === 'distill';
  return !paired && spec.explore_with ? 'low' : 'full';
}

/**
 * The queued job of a trial, carrying the campaign's definition snapshot (the worker runs from it, see
 * TrialJobSchema) and the cut rule (src/service/cut-short-rule.ts) when one applies. Paired trials (duels, distillation steps) run with one repeat each (the pairs are the repeats) on the
 * worker named in the record, through its implicit `worker` label. `env` is the trial's own unless a
 * stand-in replay must run with its target's forced knobs (src/service/stand-in-env.ts).
 */
export function trialJobFor(spec: CampaignSpec, trial: TrialRecord, definition?: DefinitionSnapshot, cut?: CutShortJob, env: Record<string, string> = trial.env): TrialJobInput {
  const labels: Record<string, string> = { ...spec.worker_labels };
  if (trial.duel && trial.worker !== undefined) labels[WORKER_LABEL] = trial.worker;
  const index = trialIndex(trial.trial_id);
  const job: TrialJobInput = {
    campaign_id: trial.campaign_id,
    trial_id: trial.trial_id,
    allocator: spec.allocator,
    config: trial.config,
    env,
    ...(definition === undefined ? {} : { definition: definitionCopy(definition) }),
    workloads: trialWorkloads(spec, trial),
    repeats: trial.duel ? 1 : spec.repeats,
    seed: (spec.seed + index) % 2 ** 31,
    steal_max_pct: spec.noise.steal_max_pct,
    steal_max_reruns: spec.noise.steal_max_reruns,
    ...(spec.noise.interference_max_slowdown_pct === undefined ? {} : { interference_max_slowdown_pct: spec.noise.interference_max_slowdown_pct }),
    ...(cut && !trial.duel ? { cut_short: cut } : {}),
    worker_labels: labels,
  };
  return job;
}

/** A trial record brought up to date with its stored result: state, worker, summary, worst CPU steal, error. */
export function trialWithResult(trial: TrialRecord, result: TrialResult): TrialRecord {
  const updated: TrialRecord = {
    ...trial,
    state: result.status,
    worker: result.worker.name,
    finished_at: result.finished_at,
    summary: result.summary,
  };
  const steal = result.repeats.flatMap((r) => r.workloads.map((w) => w.steal_pct));
  if (steal.length > 0) updated.steal_pct = Math.max(...steal);
  if (result.error) updated.error = result.error;
  if (result.cut_short) updated.cut_short = result.cut_short;
  const options = result.repeats[0]?.workloads[0]?.allocator.options;
  // What the baseline really runs with: distillation reverts to it and the export drops knobs equal to it.
  if (trial.role === 'baseline' && options && Object.keys(options).length > 0) updated.effective_options = options;
  return updated;
}
