import { AlloctuneError } from '../core/alloctune-error.js';
import { isInFlight, type DistillationRecord, type DuelSlot, type TrialRecord } from '../core/campaign-record.js';
import type { Config } from '../core/config.js';
import { trialJobId } from '../core/trial-job.js';
import type { TrialResult } from '../core/trial-result.js';
import { WORKER_LABEL } from '../queue/queue-names.js';
import type { TrialQueue } from '../queue/trial-queue.js';
import type { CampaignStore } from '../store/campaign-store.js';
import { validateConfig } from '../spaces/index.js';
import type { CampaignAction } from './campaign-decision.js';
import { snapshotOf, teachesSampler, toObservation, type CampaignRuntime } from './campaign-runtime.js';
import { replacementSlots, type BrokenPair } from './duel-replan.js';
import { metricImportance } from './campaign-importance.js';
import {
  activeReference,
  decideDistillStep,
  decideMinimalConfirmation,
  finishReference,
  finishSteps,
  MINIMAL_DUEL_ID,
  planDistillStep,
  planMinimalConfirmation,
  planStepExtension,
  referencePrefix,
  settleConfig,
  startDistill,
  stepsTaken,
  withReference,
  type RisksOf,
} from './distill-round.js';
import { distillRisks } from './distill-risks.js';
import { guardDrivers } from './distill-guard-order.js';
import { confirmationPairs, type ConfirmationRound } from './duel-round.js';
import { buildLeaderboard } from './leaderboard.js';
import { trialJobEnv } from './stand-in-env.js';
import { newTrialRecord, trialFidelity, trialJobFor, trialWithResult } from './trial-factory.js';
import { cutShortFor } from './cut-short-rule.js';
import { cutShortNote } from '../core/cut-short.js';
import { resolveBaselineLimits } from './trial-evaluation.js';

/** The part of the trial queue the controller uses (tests pass an in-memory one). */
export type ControllerQueue = Pick<TrialQueue, 'enqueueTrial' | 'withdraw'>;

/** What the steps write to and read the clock from. */
export interface CampaignStepDeps {
  store: CampaignStore;
  queue: ControllerQueue;
  now: () => Date;
  log: (line: string) => void;
}

/**
 * The changes a running campaign goes through, one runtime at a time: results brought in, trials
 * recorded (state `proposed`, before anything is enqueued, so a restart re-enqueues them) and queued,
 * the confirmation round planned and lost duel pairs re-planned. The controller calls these from its
 * per-campaign serial executor only, so no two run at once for one campaign.
 */
export class CampaignSteps {
  /** Duration of the last proposal, for /metrics. */
  lastProposalMs = 0;

  constructor(private readonly deps: CampaignStepDeps) {}

  /** Bring finished trials in: update records, teach the sampler, announce each once. */
  async applyResults(runtime: CampaignRuntime, results: readonly TrialResult[]): Promise<void> {
    const id = runtime.record.id;
    const changed = new Map<string, TrialRecord>();
    for (const result of results) {
      const trial = runtime.trials.get(result.trial_id);
      if (trial && isInFlight(trial) && !changed.has(trial.trial_id)) changed.set(trial.trial_id, trialWithResult(trial, result));
    }
    if (changed.size === 0) return;
    const updated = [...changed.values()];
    await this.deps.store.putTrials(id, updated);
    for (const t of updated) runtime.trials.set(t.trial_id, t);
    const baseline = updated.find((t) => t.role === 'baseline' && t.state === 'completed');
    if (baseline) await this.resolveRelativeLimits(runtime, baseline);
    const teach = updated.filter(teachesSampler);
    if (teach.length > 0) {
      runtime.sampler.observe(teach.map((t) => toObservation(runtime, t)));
      for (const t of teach) runtime.observed.add(t.trial_id);
      await this.deps.store.saveOptimizerState(id, snapshotOf(runtime));
    }
    runtime.version++;
    for (const t of updated) await this.announceFinished(t);
  }

  /**
   * Once the baseline is measured, constraints relative to it get their absolute limits (stored with
   * the resolved metrics), so every judgement from now on (evaluateSummary, the sampler) uses them.
   */
  private async resolveRelativeLimits(runtime: CampaignRuntime, baseline: TrialRecord): Promise<void> {
    const { record } = runtime;
    const limits = resolveBaselineLimits(record.spec, record.metrics, baseline.summary);
    if (!limits) return;
    const updated = { ...record, metrics: { ...record.metrics, limits }, updated_at: this.deps.now().toISOString() };
    await this.deps.store.update(updated);
    // Mutated in place: the sampler's domain reads the limits from this object.
    record.metrics.limits = limits;
    record.updated_at = updated.updated_at;
    this.deps.log(`campaign ${record.id}: limits relative to the baseline resolved: ${limits.map((l) => (l === null ? '-' : String(l))).join(', ')}`);
  }

  private async announceFinished(t: TrialRecord): Promise<void> {
    await this.deps.store.appendEvent(t.campaign_id, t.state === 'completed' ? 'trial_completed' : 'trial_failed', {
      trial_id: t.trial_id,
      role: t.role,
      worker: t.worker ?? null,
      config_key: t.config_key,
      error: t.error ?? null,
      ...(t.cut_short ? { cut_short: { ...t.cut_short, note: cutShortNote(t.cut_short) } } : {}),
    });
  }

  /** Apply one step of a running campaign (all but `finish`, which the controller owns). */
  async apply(runtime: CampaignRuntime, action: Exclude<CampaignAction, { kind: 'finish' }>): Promise<void> {
    const { record } = runtime;
    switch (action.kind) {
      case 'enqueue':
        for (const trialId of action.trial_ids) {
          const trial = runtime.trials.get(trialId);
          if (trial) await this.enqueue(runtime, trial);
        }
        return;
      case 'seed':
        await this.propose(runtime, 'baseline', [{ config: record.baseline_config }]);
        await this.propose(runtime, 'placebo', [{ config: record.baseline_config }]);
        for (const ref of record.reference_configs) await this.propose(runtime, 'reference', [{ config: ref.config, reference: ref.name }]);
        return;
      case 'explore':
        return this.explore(runtime, action.count);
      case 'note_stop':
        record.stop_reason = action.reason;
        return;
      case 'replan_duels':
        return this.replanLostDuels(runtime, action.broken, action.worker);
      case 'plan_duels':
        return this.planDuels(runtime, action.round, action.worker);
      case 'extend_duels':
        return this.extendDuels(runtime, action.slots, action.worker);
      case 'start_distill':
        return this.startDistill(runtime);
      case 'plan_distill_step':
        return this.planDistillStep(runtime, action.worker);
      case 'decide_distill_step':
        return this.decideDistillStep(runtime);
      case 'decide_distill_confirm':
        return this.decideDistillConfirm(runtime);
      case 'wait':
        return;
    }
  }

  /** Ask the sampler for `n` configs and queue them. */
  private async explore(runtime: CampaignRuntime, n: number): Promise<void> {
    const pending = [...runtime.trials.values()].filter((t) => isInFlight(t) && t.vector).map((t) => t.vector ?? []);
    const started = performance.now();
    const suggestion = await runtime.sampler.suggest(n, { pending });
    this.lastProposalMs = performance.now() - started;
    runtime.eiHistory.push(...suggestion.vectors.map((_, i) => (i === 0 ? suggestion.expected_improvement : null)));
    runtime.posteriorHistory.push(...suggestion.vectors.map((_, i) => (i === 0 ? (suggestion.posterior ?? null) : null)));
    await this.deps.store.saveOptimizerState(runtime.record.id, snapshotOf(runtime));
    const items = suggestion.vectors.map((v) => {
      const vector = runtime.embedding.snap(v);
      return { config: validateConfig(runtime.space, runtime.embedding.fromVector(vector)), vector };
    });
    await this.propose(runtime, 'explore', items);
  }

  /** Record trials (state `proposed`) and then enqueue them. */
  private async propose(
    runtime: CampaignRuntime,
    role: 'baseline' | 'placebo' | 'reference' | 'explore',
    items: readonly { config: Config; vector?: number[]; reference?: string }[],
  ): Promise<void> {
    // Without an imported baseline the baseline is the allocator exactly as shipped: nothing set.
    const untouched = (role === 'baseline' || role === 'placebo') && runtime.record.spec.baseline === undefined;
    const records: TrialRecord[] = [];
    for (const item of items) {
      const trialId = await this.deps.store.nextTrialId(runtime.record.id);
      const args = { campaignId: runtime.record.id, trialId, role, space: runtime.space, config: item.config, now: this.deps.now(), ...(untouched ? { env: {} } : {}) };
      const record = newTrialRecord(item.vector ? { ...args, vector: item.vector } : args);
      if (item.reference !== undefined) record.reference = item.reference;
      records.push(record);
    }
    await this.recordTrials(runtime, records);
    for (const r of records) await this.enqueue(runtime, r);
  }

  private async recordTrials(runtime: CampaignRuntime, records: readonly TrialRecord[]): Promise<void> {
    await this.deps.store.putTrials(runtime.record.id, records);
    for (const r of records) runtime.trials.set(r.trial_id, r);
    runtime.version++;
  }

  private async enqueue(runtime: CampaignRuntime, trial: TrialRecord): Promise<void> {
    const { spec } = runtime.record;
    const cut = cutShortFor(runtime.record, runtime.trials.values(), trial);
    const low = trialFidelity(spec, trial) === 'low';
    const env = trialJobEnv(runtime.record, trial.env, low ? 'low' : 'full');
    const outcome = await this.deps.queue.enqueueTrial(trialJobFor(spec, trial, runtime.record.definition, cut, env));
    const queued: TrialRecord = { ...trial, state: 'queued', queue: outcome.queue, ...(low ? { fidelity: 'low' as const } : {}) };
    runtime.trials.set(trial.trial_id, queued);
    await this.deps.store.putTrial(queued);
    await this.deps.store.appendEvent(runtime.record.id, 'trial_queued', {
      trial_id: trial.trial_id,
      role: trial.role,
      config_key: trial.config_key,
      ...(low ? { fidelity: 'low' } : {}),
      ...(cut ? { cut_rule: cut } : {}),
    });
  }

  /** Paired trials pinned to `worker` (state `proposed`), in the order given; `role` duel or distill. */
  private async duelTrials(
    runtime: CampaignRuntime,
    slots: readonly { source: Pick<TrialRecord, 'config'> & { env?: Record<string, string> }; slot: DuelSlot }[],
    worker: string,
    role: 'duel' | 'distill' = 'duel',
  ): Promise<TrialRecord[]> {
    const records: TrialRecord[] = [];
    for (const { source, slot } of slots) {
      const trialId = await this.deps.store.nextTrialId(runtime.record.id);
      const args = { campaignId: runtime.record.id, trialId, role, space: runtime.space, config: source.config, duel: slot, worker, now: this.deps.now() };
      records.push(newTrialRecord(source.env ? { ...args, env: source.env } : args));
    }
    return records;
  }

  /** Store the record's distillation state (before anything it plans is enqueued). */
  private async saveDistillation(runtime: CampaignRuntime, distillation: DistillationRecord): Promise<void> {
    const { record } = runtime;
    const updated = { ...record, distillation, updated_at: this.deps.now().toISOString() };
    await this.deps.store.update(updated);
    // The live record object is shared with API readers; it changes only once the store has it.
    Object.assign(record, updated);
    runtime.version++;
  }

  /**
   * Start the distillation round from the confirmed winner (and queue the other confirmed
   * references): knobs behind a regressed guard first, then knobs with a cost the objective does not show
   * (a trap value, see distill-risks.ts), then by their importance on the objective.
   */
  private async startDistill(runtime: CampaignRuntime): Promise<void> {
    const { record } = runtime;
    const trials = [...runtime.trials.values()];
    const estimate = metricImportance(trials, runtime.embedding, record.metrics.objective, record.spec.seed);
    const importance = new Map(estimate.knobs.map((k) => [k.name, k.total]));
    const driversOf = (arm: string, changed: readonly string[]) => guardDrivers(record, trials, runtime.embedding, arm, changed);
    const risksOf: RisksOf = (arm, config, changed, drivers) => distillRisks(record, trials, runtime.space, arm, config, changed, drivers);
    const d = startDistill(record, buildLeaderboard(record, trials), trials, runtime.space, importance, driversOf, risksOf);
    await this.saveDistillation(runtime, d);
    await this.deps.store.appendEvent(record.id, 'distill_started', {
      status: d.status,
      reason: d.reason ?? null,
      winner_arm: d.winner_arm ?? null,
      knobs: d.remaining,
      order_reasons: d.order_reasons ?? {},
      references: (d.references ?? []).map((r) => ({ arm: r.arm, status: r.status, knobs: r.remaining })),
    });
    this.deps.log(`campaign ${record.id}: distillation ${d.status === 'skipped' ? `skipped (${d.reason ?? ''})` : `of ${d.remaining.length} knobs started`}`);
  }

  /** Record and queue the next revert step on `worker`; when none is left (or the budget is spent), plan the minimal config's confirmation. */
  private async planDistillStep(runtime: CampaignRuntime, worker: string): Promise<void> {
    const { record } = runtime;
    const d = record.distillation;
    if (!d) return;
    const { distill, duel } = record.spec;
    const ref = activeReference(d);
    if (ref !== undefined) return this.planReferenceStep(runtime, d, ref, worker);
    const planned = stepsTaken(d) < distill.max_steps ? planDistillStep(d, runtime.space, distill.pairs, record.baseline_config) : undefined;
    if (planned) {
      const records = await this.duelTrials(runtime, planned.slots.map((s) => ({ source: s, slot: s.slot })), worker, 'distill');
      await this.saveDistillation(runtime, { ...d, worker, steps: [...d.steps, planned.step] });
      await this.recordTrials(runtime, records);
      const { step } = planned;
      await this.deps.store.appendEvent(record.id, 'distill_step_planned', { worker, subject: d.winner_arm ?? null, duel_id: step.duel_id, knob: step.knob, knobs: step.knobs ?? [step.knob], from: step.from, to: step.to ?? null, pairs: distill.pairs, order_reason: step.order_reason ?? null });
      for (const r of records) await this.enqueue(runtime, r);
      return;
    }
    const { next, confirm } = finishSteps(d, distill, (c) => settleConfig(runtime.space, c, record.baseline_config));
    const baseline = [...runtime.trials.values()].find((t) => t.role === 'baseline');
    if (!confirm || !baseline) {
      await this.saveDistillation(runtime, next);
      await this.deps.store.appendEvent(record.id, 'distill_finished', { status: next.status, minimal: next.minimal ?? null, confirmed: null, reason: next.reason ?? null, reverted_untested: (next.reverted_untested ?? []).map((r) => r.knob) });
      return;
    }
    const slots = planMinimalConfirmation(next, baseline, duel.pairs);
    const records = await this.duelTrials(runtime, slots.map((s) => ({ source: s, slot: s.slot })), worker, 'distill');
    await this.saveDistillation(runtime, { ...next, worker });
    await this.recordTrials(runtime, records);
    await this.deps.store.appendEvent(record.id, 'distill_confirm_planned', { worker, duel_id: MINIMAL_DUEL_ID, minimal: next.minimal ?? {}, pairs: duel.pairs, reverted_untested: (next.reverted_untested ?? []).map((r) => r.knob) });
    for (const r of records) await this.enqueue(runtime, r);
  }

  /**
   * The next revert step of confirmed reference `i` on `worker` (the round's budget counts every
   * subject's steps), or, when none is left or the budget is spent, its end: which knobs carry its gain.
   */
  private async planReferenceStep(runtime: CampaignRuntime, d: DistillationRecord, i: number, worker: string): Promise<void> {
    const { record } = runtime;
    const { distill } = record.spec;
    const ref = d.references?.[i];
    if (!ref) return;
    const planned = stepsTaken(d) < distill.max_steps ? planDistillStep(ref, runtime.space, distill.pairs, record.baseline_config, referencePrefix(i)) : undefined;
    if (!planned) {
      const done = finishReference(ref, distill.max_steps);
      await this.saveDistillation(runtime, withReference(d, i, done));
      await this.deps.store.appendEvent(record.id, 'distill_reference_finished', { arm: done.arm, carries: done.carries, contributes_nothing: done.contributes_nothing, inconclusive: done.inconclusive, minimal: done.minimal ?? null, reason: done.reason ?? null });
      return;
    }
    const records = await this.duelTrials(runtime, planned.slots.map((s) => ({ source: s, slot: s.slot })), worker, 'distill');
    await this.saveDistillation(runtime, { ...withReference(d, i, { ...ref, steps: [...ref.steps, planned.step] }), worker });
    await this.recordTrials(runtime, records);
    const { step } = planned;
    await this.deps.store.appendEvent(record.id, 'distill_step_planned', { worker, subject: ref.arm, duel_id: step.duel_id, knob: step.knob, knobs: step.knobs ?? [step.knob], from: step.from, to: step.to ?? null, pairs: distill.pairs, order_reason: step.order_reason ?? null });
    for (const r of records) await this.enqueue(runtime, r);
  }

  /**
   * Decide the open step of the subject being distilled (the winner, else the active reference),
   * or, while it cannot tell and more pairs still can, queue more pairs on the step's worker.
   */
  private async decideDistillStep(runtime: CampaignRuntime): Promise<void> {
    const d = runtime.record.distillation;
    if (!d) return;
    const trials = [...runtime.trials.values()];
    const i = activeReference(d);
    const ref = i === undefined ? undefined : d.references?.[i];
    const judged = i !== undefined && ref ? decideDistillStep(runtime.record, trials, ref) : decideDistillStep(runtime.record, trials, d);
    const next = i !== undefined && ref ? withReference(d, i, judged.next as typeof ref) : (judged.next as DistillationRecord);
    const subject = i !== undefined ? next.references?.[i] : next;
    const step = subject?.steps.at(-1);
    const name = ref?.arm ?? next.winner_arm ?? null;
    if (judged.more_pairs > 0 && subject && step) {
      const worker = d.worker ?? trials.find((t) => t.duel?.duel_id === step.duel_id)?.worker ?? '';
      const slots = planStepExtension(subject, trials, judged.more_pairs);
      const records = await this.duelTrials(runtime, slots.map((s) => ({ source: s, slot: s.slot })), worker, 'distill');
      await this.saveDistillation(runtime, next);
      await this.recordTrials(runtime, records);
      await this.deps.store.appendEvent(runtime.record.id, 'distill_step_extended', { worker, subject: name, duel_id: step.duel_id, knob: step.knob, pairs: judged.more_pairs, pairs_planned: step.pairs_planned ?? null, reason: step.reason ?? null });
      for (const r of records) await this.enqueue(runtime, r);
      return;
    }
    await this.saveDistillation(runtime, next);
    if (step) await this.deps.store.appendEvent(runtime.record.id, 'distill_step_decided', { subject: name, duel_id: step.duel_id, knob: step.knob, knobs: step.knobs ?? [step.knob], outcome: step.outcome ?? null, kept: step.kept ?? null, reason: step.reason ?? null });
  }

  private async decideDistillConfirm(runtime: CampaignRuntime): Promise<void> {
    const d = runtime.record.distillation;
    if (!d) return;
    const next = decideMinimalConfirmation(runtime.record, [...runtime.trials.values()], d);
    await this.saveDistillation(runtime, next);
    await this.deps.store.appendEvent(runtime.record.id, 'distill_finished', { status: next.status, minimal: next.minimal ?? null, confirmed: next.confirmation?.confirmed ?? null, reason: next.reason ?? null, reverted_untested: (next.reverted_untested ?? []).map((r) => r.knob) });
    this.deps.log(`campaign ${runtime.record.id}: distillation done (${next.reason ?? ''})`);
  }

  /** Record the confirmation round (see planConfirmationRound) on `worker`, announce it, then enqueue it. */
  private async planDuels(runtime: CampaignRuntime, round: ConfirmationRound, worker: string): Promise<void> {
    const { spec } = runtime.record;
    const records = await this.duelTrials(runtime, round.slots, worker);
    await this.recordTrials(runtime, records);
    await this.deps.store.appendEvent(runtime.record.id, 'duels_planned', {
      worker,
      duels: round.plans.map((p, i) => ({ duel_id: `d${i + 1}`, a: p.a, b: p.b, pairs: confirmationPairs(spec) })),
      rule: spec.duel.confirm.rule,
    });
    this.deps.log(`campaign ${runtime.record.id}: ${round.plans.length} duels x ${confirmationPairs(spec)} pairs on ${worker} (${WORKER_LABEL} queue)`);
    for (const r of records) await this.enqueue(runtime, r);
  }

  /** One more pair of each duel the sequential rule left undecided, on `worker`. */
  private async extendDuels(runtime: CampaignRuntime, slots: readonly { source: TrialRecord; slot: DuelSlot }[], worker: string): Promise<void> {
    const records = await this.duelTrials(runtime, slots, worker);
    await this.recordTrials(runtime, records);
    const pairs = [...new Map(slots.map((s) => [s.slot.duel_id, { duel_id: s.slot.duel_id, pair_index: s.slot.pair_index }])).values()];
    await this.deps.store.appendEvent(runtime.record.id, 'duels_extended', { worker, pairs });
    this.deps.log(`campaign ${runtime.record.id}: sequential confirmation: ${pairs.length} undecided duels get one more pair on ${worker}`);
    for (const r of records) await this.enqueue(runtime, r);
  }

  /**
   * Duel pairs still waiting on a worker that stopped heartbeating are withdrawn (their trials fail
   * with WORKER_LOST) and re-run whole, under the next pair index, on `worker`.
   */
  private async replanLostDuels(runtime: CampaignRuntime, broken: readonly BrokenPair[], worker: string): Promise<void> {
    const { spec } = runtime.record;
    const now = this.deps.now();
    const failed: TrialRecord[] = [];
    for (const pair of broken) {
      for (const t of pair.trials.filter(isInFlight)) {
        await this.deps.queue.withdraw(trialJobId(t), trialJobFor(spec, t).worker_labels ?? {});
        const reason = `stopped heartbeating before duel ${pair.duel_id} pair ${pair.pair_index} ran; the pair is re-run on ${worker}`;
        failed.push({ ...t, state: 'failed', finished_at: now.toISOString(), error: new AlloctuneError('ALLOCTUNE_ERR_WORKER_LOST', { worker: pair.lost_worker, reason }).toJSON() });
      }
    }
    const replacements: TrialRecord[] = [];
    for (const slots of replacementSlots(runtime.trials.values(), broken)) {
      const role = slots[0]?.source.role === 'distill' ? 'distill' : 'duel';
      replacements.push(...(await this.duelTrials(runtime, slots, worker, role)));
    }
    await this.recordTrials(runtime, [...failed, ...replacements]);
    for (const t of failed) await this.announceFinished(t);
    const lost = [...new Set(broken.map((b) => b.lost_worker))];
    await this.deps.store.appendEvent(runtime.record.id, 'duels_replanned', { lost_workers: lost, worker, pairs: broken.map((b) => ({ duel_id: b.duel_id, pair_index: b.pair_index })) });
    this.deps.log(`campaign ${runtime.record.id}: ${broken.length} duel pairs re-planned on ${worker} (lost ${lost.join(', ')})`);
    for (const r of replacements) await this.enqueue(runtime, r);
  }
}
