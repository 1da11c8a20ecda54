import { isInFlight, type DuelSlot, type TrialRecord } from '../core/campaign-record.js';
import { INPUT_ERROR_CODES } from '../core/error-catalogue.js';
import { extensionSlots } from './confirmation-progress.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { DEFAULT_STOPPING_RULE, shouldStop } from '../optimizer/stopping.js';
import type { PosteriorSummary } from '../optimizer/sampler.js';
import { brokenDuelPairs, type BrokenPair } from './duel-replan.js';
import { planConfirmationRound, type ConfirmationRound } from './duel-round.js';
import type { Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { activeReference, openStep } from './distill-round.js';
import { guardsNeedPairs } from './recommendation-evidence.js';

/** Everything the next step of a running campaign depends on; plain data, read once per step. */
export interface CampaignView {
  record: ResolvedCampaignRecord;
  trials: readonly TrialRecord[];
  /** The leaderboard of `record` and `trials`. */
  board: Leaderboard;
  /** Expected improvement of each exploration proposal, oldest first. */
  eiHistory: readonly (number | null)[];
  /** The sampler's posterior summary behind each proposal, aligned with `eiHistory` (the stopping rule reads it). */
  posteriorHistory: readonly (PosteriorSummary | null)[];
  /** Search-space dimension (the stopping rule's minimum of trials grows with it). */
  dimension: number;
  /** Live workers (every label set). */
  workers: readonly WorkerInfo[];
  /** Campaigns sharing the workers this pass (this one included). */
  runningCampaigns: number;
  nowMs: number;
}

/**
 * One step of a campaign. `seed`, `enqueue`, `note_stop` and the distillation decisions leave the
 * pass going (the controller asks again); every other action ends the campaign's pass.
 */
export type CampaignAction =
  /** Stop the campaign for good. */
  | { kind: 'finish'; reason: string }
  /** Stop the campaign as failed: its input cannot work (the baseline failed with an input error). */
  | { kind: 'fail'; reason: string }
  /** Hand trials recorded before a restart (state `proposed`) to the queue (job ids make this idempotent). */
  | { kind: 'enqueue'; trial_ids: string[] }
  /** Record and queue the baseline, its placebo copy and each reference. */
  | { kind: 'seed' }
  /** Ask the sampler for `count` configs and queue them. */
  | { kind: 'explore'; count: number }
  /** Exploration is over: remember why (the campaign's eventual stop reason). */
  | { kind: 'note_stop'; reason: string }
  /** Withdraw the broken duel pairs and re-run them whole on `worker`. */
  | { kind: 'replan_duels'; broken: BrokenPair[]; worker: string }
  /** Record and queue the confirmation round on `worker`. */
  | { kind: 'plan_duels'; round: ConfirmationRound; worker: string }
  /** The sequential rule left duels undecided: record and queue one more pair of each on `worker`. */
  | { kind: 'extend_duels'; slots: { source: TrialRecord; slot: DuelSlot }[]; worker: string }
  /** Confirmation is measured: start the distillation round (or record why it is skipped). */
  | { kind: 'start_distill' }
  /** Record and queue the next revert step of the distillation round on `worker`, or end the stepping. */
  | { kind: 'plan_distill_step'; worker: string }
  /** The open revert step is measured: decide it. */
  | { kind: 'decide_distill_step' }
  /** The minimal config's duel against the baseline is measured: decide it. */
  | { kind: 'decide_distill_confirm' }
  /** Nothing to do until trials finish or a worker appears. */
  | { kind: 'wait'; reason: string };

const CONTINUING = new Set<CampaignAction['kind']>(['seed', 'enqueue', 'note_stop', 'start_distill', 'decide_distill_step', 'decide_distill_confirm']);

/** Actions after which the controller asks for the next step within the same pass. */
export function continuesPass(action: CampaignAction): boolean {
  return CONTINUING.has(action.kind);
}

function matchingWorkers(view: CampaignView): WorkerInfo[] {
  const labels = view.record.spec.worker_labels;
  return view.workers.filter((w) => Object.entries(labels).every(([k, v]) => w.labels[k] === v));
}

/** How many trials this campaign may have in flight: an equal share of the matching workers' slots. */
function share(view: CampaignView): number {
  const slots = matchingWorkers(view).reduce((s, w) => s + w.concurrency, 0);
  return Math.max(1, Math.floor(slots / Math.max(1, view.runningCampaigns)));
}

/** The matching live worker with the fewest trials running, if any. */
export function leastBusyWorker(view: CampaignView): WorkerInfo | undefined {
  return matchingWorkers(view).sort((a, b) => a.active_trials.length - b.active_trials.length)[0];
}

/**
 * The next step of a running campaign (pure: the controller applies it). In order: the wall-time
 * budget; trials recorded but not queued; the baseline, placebo and references; exploration while
 * the stopping rule allows (an equal share of the workers); then, once exploration has drained, the
 * confirmation round on the least busy worker (duel pairs of a lost worker re-planned), then the
 * distillation round (see {@link distillNext}), and finish once it is over. New phases go here, in
 * order, as further actions.
 */
export function decideNext(view: CampaignView): CampaignAction {
  const { record, trials } = view;
  const { spec } = record;
  const rejected = baselineInputFailure(trials);
  if (rejected !== undefined) return { kind: 'fail', reason: rejected };
  const overBudget = wallTimeUsed(record, view.nowMs);
  if (overBudget !== undefined) return { kind: 'finish', reason: overBudget };
  const elapsedMs = view.nowMs - Date.parse(record.created_at);
  const proposed = trials.filter((t) => t.state === 'proposed');
  if (proposed.length > 0) return { kind: 'enqueue', trial_ids: proposed.map((t) => t.trial_id) };
  if (!trials.some((t) => t.role === 'baseline')) return { kind: 'seed' };

  const explored = trials.filter((t) => t.role === 'explore').length;
  const dueling = trials.some((t) => t.role === 'duel' || t.role === 'distill');
  const pending = trials.filter(isInFlight).length;
  // Exploration ends on the budget, or once a feasible config is known and the expected
  // improvement has stayed negligible; the duels then decide whether anything is confirmed.
  const incumbent = view.board.rows.find((r) => r.feasible && r.objective)?.objective?.mean;
  const progress = { trials: explored, elapsed_ms: elapsedMs, expected_improvements: view.eiHistory, posteriors: view.posteriorHistory, dimension: view.dimension };
  const decision = shouldStop(
    incumbent === undefined
      ? { ...progress, confirmed_feasible: false }
      : { ...progress, confirmed_feasible: true, incumbent: spec.objective.direction === 'min' ? incumbent : -incumbent },
    { ...DEFAULT_STOPPING_RULE, max_trials: spec.budget.trials, max_wall_ms: spec.budget.minutes * 60_000 },
  );
  if (!dueling && !decision.stop) {
    const room = Math.min(share(view) - pending, spec.budget.trials - explored);
    return room > 0 ? { kind: 'explore', count: room } : { kind: 'wait', reason: 'every worker slot of this campaign is busy' };
  }
  if (record.stop_reason === undefined && decision.stop) return { kind: 'note_stop', reason: `${decision.reason}: ${decision.detail}` };
  const stopReason = record.stop_reason ?? 'trial_budget';

  if (dueling) {
    const broken = brokenDuelPairs(trials, new Set(view.workers.map((w) => w.name)));
    const worker = broken.length > 0 ? leastBusyWorker(view) : undefined;
    if (worker) return { kind: 'replan_duels', broken, worker: worker.name };
    if (pending > 0) return { kind: 'wait', reason: 'duel pairs running' };
    const extend = extendConfirmation(view);
    return extend ?? distillNext(view, stopReason);
  }
  if (pending > 0) return { kind: 'wait', reason: 'exploration and the baseline finish first' };
  if (!spec.duel.enabled) return { kind: 'finish', reason: stopReason };
  const round = planConfirmationRound(record, view.board, trials);
  if (!round) return { kind: 'finish', reason: `${stopReason}; no feasible config to confirm` };
  const worker = leastBusyWorker(view);
  if (!worker) return { kind: 'wait', reason: 'no live worker for the confirmation round' };
  return { kind: 'plan_duels', round, worker: worker.name };
}

/** The stop reason once the campaign's wall-time budget is spent (counted from creation, waiting included), else undefined. */
export function wallTimeUsed(record: Pick<ResolvedCampaignRecord, 'created_at' | 'spec'>, nowMs: number): string | undefined {
  const elapsedMs = nowMs - Date.parse(record.created_at);
  const budgetMs = record.spec.budget.minutes * 60_000;
  return elapsedMs >= budgetMs ? `wall_time: ${Math.round(elapsedMs / 1000)} s of ${budgetMs / 1000} s used` : undefined;
}

/**
 * Why the campaign cannot work, when its baseline failed with an error that blames the input (the
 * allocator rejected the config, a bad workload argument; see INPUT_ERROR_CODES): every other
 * trial would fail the same way, so the campaign fails at once with that reason.
 */
export function baselineInputFailure(trials: readonly TrialRecord[]): string | undefined {
  const failed = trials.find((t) => t.role === 'baseline' && t.state === 'failed' && t.error !== undefined && (INPUT_ERROR_CODES as readonly string[]).includes(t.error.code));
  return failed?.error === undefined ? undefined : `baseline trial ${failed.trial_id} failed: ${failed.error.code}: ${failed.error.message}`;
}

/**
 * Under the sequential rule, before distillation starts: one more pair of each confirmation duel
 * the rule leaves undecided, on the worker that ran the round if it is still live.
 */
function extendConfirmation(view: CampaignView): CampaignAction | undefined {
  const { record, trials } = view;
  if (record.spec.duel.confirm.rule !== 'sequential' || record.distillation) return undefined;
  const slots = extensionSlots(record, trials, view.board.duels, (arm) => guardsNeedPairs(record, trials, arm));
  if (slots.length === 0) return undefined;
  const ran = trials.find((t) => t.role === 'duel' && t.worker !== undefined)?.worker;
  const worker = view.workers.find((w) => w.name === ran) ?? leastBusyWorker(view);
  return worker ? { kind: 'extend_duels', slots, worker: worker.name } : { kind: 'wait', reason: 'no live worker to extend the confirmation duels' };
}

/**
 * The distillation round, once every paired trial so far is measured: start it (or skip it), then
 * one revert step at a time on the least busy worker, each decided once its pairs are in; then the
 * minimal config's duel against the baseline, decided likewise; then each other confirmed
 * reference's revert steps (no final duel); then finish.
 */
function distillNext(view: CampaignView, stopReason: string): CampaignAction {
  const { spec, distillation: d } = view.record;
  if (!spec.distill.enabled) return { kind: 'finish', reason: stopReason };
  if (!d) return { kind: 'start_distill' };
  if (d.status === 'confirming') return { kind: 'decide_distill_confirm' };
  const ref = activeReference(d);
  const subject = ref === undefined ? d : d.references?.[ref];
  if ((d.status === 'skipped' || d.status === 'done') && ref === undefined) {
    const refs = (d.references ?? []).map((r) => `; reference ${r.reason ?? r.arm}`).join('');
    return { kind: 'finish', reason: `${stopReason}; distillation ${d.status}: ${d.reason ?? ''}${refs}` };
  }
  if (subject && openStep(subject)) return { kind: 'decide_distill_step' };
  const worker = leastBusyWorker(view);
  return worker ? { kind: 'plan_distill_step', worker: worker.name } : { kind: 'wait', reason: 'no live worker for the distillation round' };
}
