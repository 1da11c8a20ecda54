import type { Redis } from 'ioredis';
import { AlloctuneError } from '../core/alloctune-error.js';
import { isInFlight, type CampaignRecord, type DuelSlot, type TrialRecord } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { Config } from '../core/config.js';
import { trialJobId } from '../core/trial-job.js';
import type { TrialResult } from '../core/trial-result.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { DEFAULT_STOPPING_RULE, shouldStop } from '../optimizer/stopping.js';
import { WORKER_LABEL } from '../queue/queue-names.js';
import type { TrialQueue } from '../queue/trial-queue.js';
import { CampaignStore, newCampaignId } from '../store/campaign-store.js';
import { getTrialResult, listResultTrialIds } from '../store/trial-result-store.js';
import { listWorkers } from '../store/worker-registry.js';
import { createEmbedding, loadSpace, validateConfig } from '../spaces/index.js';
import { loadRuntime, snapshotOf, teachesSampler, toObservation, type CampaignRuntime } from './campaign-runtime.js';
import { prepareCampaign } from './campaign-setup.js';
import { brokenDuelPairs, replacementSlots } from './duel-replan.js';
import { planConfirmationRound } from './duel-round.js';
import { buildLeaderboard, type Leaderboard } from './leaderboard.js';
import { newTrialRecord, trialJobFor } from './trial-factory.js';

export interface ControllerOptions {
  redis: Redis;
  queue: TrialQueue;
  /** Pause between controller passes. */
  tickMs?: number;
  /** A worker whose heartbeat is older than this is gone (default DEFAULT_WORKER_TIMEOUT_MS). */
  workerTimeoutMs?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

/** Cache version of a stopped campaign's leaderboard: it never changes again. */
const STOPPED = -1;

function workerMatches(worker: WorkerInfo, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(labels).every(([k, v]) => worker.labels[k] === v);
}

/**
 * Runs campaigns: measures the baseline and its placebo copy, keeps every idle matching worker busy
 * with proposals, then confirms the leaders in paired duels on one worker, and stops with a recorded
 * reason. All state lives in Redis (campaign, trial records, optimizer snapshot), written before
 * anything is enqueued, so a restarted controller picks up where it was with no trial lost or run twice.
 */
export class CampaignController {
  private readonly store: CampaignStore;
  private readonly runtimes = new Map<string, CampaignRuntime>();
  private readonly leaderboards = new Map<string, { version: number; board: Leaderboard }>();
  private readonly stoppedRecords = new Map<string, CampaignRecord>();
  private readonly stoppedTrials = new Map<string, TrialRecord[]>();
  private readonly stoppedCoordinates = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Duration of the last proposal, for /metrics. */
  lastProposalMs = 0;

  constructor(private readonly options: ControllerOptions) {
    this.store = new CampaignStore(options.redis);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** Load every running campaign from Redis and start the control loop. */
  async start(): Promise<void> {
    for (const record of await this.store.list()) {
      if (record.state !== 'running') continue;
      const runtime = await loadRuntime(record, await this.store.trials(record.id), await this.store.loadOptimizerState(record.id));
      this.runtimes.set(record.id, runtime);
      this.log(`campaign ${record.id}: resumed with ${runtime.trials.size} trials`);
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err: unknown) => this.log(`controller pass failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`))
        .finally(() => this.schedule(this.options.tickMs ?? 500));
    }, delayMs);
  }

  /** Stop the loop (campaigns stay running in Redis and resume at the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
  }

  /** Validate, store and start a campaign. */
  async create(spec: CampaignSpec): Promise<CampaignRecord> {
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    const hakmem = workers.some((w) => w.allocators.some((a) => a.name === 'hakmem' && a.path !== null));
    const prepared = prepareCampaign(spec, { hakmemAvailableOnWorkers: hakmem });
    const now = this.now().toISOString();
    const record: CampaignRecord = {
      id: newCampaignId(),
      spec: prepared.spec,
      state: 'running',
      created_at: now,
      updated_at: now,
      baseline_config: prepared.baselineConfig,
      reference_configs: prepared.referenceConfigs,
    };
    const runtime = await loadRuntime(record, [], undefined);
    if (runtime.embedding.dimension === 0) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'space', reason: 'every parameter is frozen or dropped: nothing left to search' });
    }
    await this.store.create(record);
    await this.store.saveOptimizerState(record.id, snapshotOf(runtime));
    this.runtimes.set(record.id, runtime);
    await this.store.appendEvent(record.id, 'campaign_created', { campaign_id: record.id, name: spec.name });
    this.log(`campaign ${record.id} (${spec.name}): created`);
    return record;
  }

  /** Cancel a running campaign: withdraw its waiting trials and record why it stopped. */
  async cancel(id: string): Promise<CampaignRecord> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return this.record(id);
    await this.finish(runtime, 'cancelled', 'cancelled by request');
    return runtime.record;
  }

  /** The live runtime of a running campaign (undefined once it has stopped). */
  runtime(id: string): CampaignRuntime | undefined {
    return this.runtimes.get(id);
  }

  /**
   * The record of a campaign: live while it runs, else from Redis (stopped campaigns never change,
   * so they are cached). Throws NOT_FOUND for an unknown id.
   */
  async record(id: string): Promise<CampaignRecord> {
    const live = this.runtimes.get(id)?.record ?? this.stoppedRecords.get(id);
    if (live) return live;
    const record = await this.store.get(id);
    if (!record) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'campaign', id });
    if (record.state !== 'running') this.stoppedRecords.set(id, record);
    return record;
  }

  /** Leaderboard of a campaign, cached until its trials change (for good once it has stopped). */
  async leaderboard(id: string): Promise<Leaderboard> {
    const runtime = this.runtimes.get(id);
    const cached = this.leaderboards.get(id);
    if (runtime) {
      if (cached && cached.version === runtime.version) return cached.board;
      const board = buildLeaderboard(runtime.record, [...runtime.trials.values()]);
      this.leaderboards.set(id, { version: runtime.version, board });
      return board;
    }
    if (cached && cached.version === STOPPED) return cached.board;
    const record = await this.record(id);
    const board = buildLeaderboard(record, await this.trials(id));
    if (record.state !== 'running') this.leaderboards.set(id, { version: STOPPED, board });
    return board;
  }

  /**
   * Parameter of each coordinate of an explored trial's vector: the live campaign's embedding, or
   * (stopped campaigns) the space loaded once from the spec and kept.
   */
  async searchCoordinates(id: string): Promise<string[]> {
    const live = this.runtimes.get(id)?.embedding.names;
    if (live) return live;
    const cached = this.stoppedCoordinates.get(id);
    if (cached) return cached;
    const record = await this.record(id);
    const names = createEmbedding(loadSpace(record.spec.allocator, record.spec.space)).names;
    if (record.state !== 'running') this.stoppedCoordinates.set(id, names);
    return names;
  }

  /** Trials of a campaign (live or stored). */
  async trials(id: string): Promise<TrialRecord[]> {
    const runtime = this.runtimes.get(id);
    if (runtime) return [...runtime.trials.values()];
    const cached = this.stoppedTrials.get(id);
    if (cached) return cached;
    const record = await this.record(id);
    const trials = await this.store.trials(id);
    if (record.state !== 'running') this.stoppedTrials.set(id, trials);
    return trials;
  }

  /** One pass over every running campaign. Public for tests. */
  async tick(): Promise<void> {
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    const running = [...this.runtimes.values()];
    for (const runtime of running) {
      await this.ingest(runtime);
      if (runtime.record.state !== 'running') continue;
      await this.advance(runtime, workers, running.length);
    }
  }

  /** Bring finished trials in: update records, teach the sampler, announce. */
  private async ingest(runtime: CampaignRuntime): Promise<void> {
    const id = runtime.record.id;
    const finishedIds = new Set(await listResultTrialIds(this.options.redis, id));
    const changed: TrialRecord[] = [];
    for (const trial of runtime.trials.values()) {
      if (!isInFlight(trial) || !finishedIds.has(trial.trial_id)) continue;
      const result = await getTrialResult(this.options.redis, id, trial.trial_id);
      if (!result) continue;
      changed.push(this.applyResult(trial, result));
    }
    if (changed.length === 0) return;
    await this.store.putTrials(id, changed);
    for (const t of changed) runtime.trials.set(t.trial_id, t);
    const teach = changed.filter(teachesSampler);
    if (teach.length > 0) {
      runtime.sampler.observe(teach.map((t) => toObservation(runtime, t)));
      for (const t of teach) runtime.observed.add(t.trial_id);
      await this.store.saveOptimizerState(id, snapshotOf(runtime));
    }
    runtime.version++;
    for (const t of changed) {
      await this.store.appendEvent(id, t.state === 'completed' ? 'trial_completed' : 'trial_failed', {
        trial_id: t.trial_id,
        role: t.role,
        worker: t.worker ?? null,
        config_key: t.config_key,
        error: t.error ?? null,
      });
    }
    await this.store.appendEvent(id, 'leaderboard_changed', { trials_finished: [...runtime.trials.values()].filter((t) => !isInFlight(t)).length });
  }

  private applyResult(trial: TrialRecord, result: TrialResult): TrialRecord {
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
    return updated;
  }

  /** How many trials this campaign may have in flight: an equal share of the matching workers' slots. */
  private share(runtime: CampaignRuntime, workers: readonly WorkerInfo[], runningCampaigns: number): number {
    const slots = workers.filter((w) => workerMatches(w, runtime.record.spec.worker_labels)).reduce((s, w) => s + w.concurrency, 0);
    return Math.max(1, Math.floor(slots / Math.max(1, runningCampaigns)));
  }

  private async advance(runtime: CampaignRuntime, workers: readonly WorkerInfo[], runningCampaigns: number): Promise<void> {
    const { spec } = runtime.record;
    const trials = [...runtime.trials.values()];
    const elapsedMs = this.now().getTime() - Date.parse(runtime.record.created_at);
    if (elapsedMs >= spec.budget.minutes * 60_000) {
      await this.finish(runtime, 'finished', `wall_time: ${Math.round(elapsedMs / 1000)} s of ${spec.budget.minutes * 60} s used`);
      return;
    }
    // Re-enqueue trials recorded but not enqueued before a restart (job ids make this idempotent).
    for (const t of trials.filter((x) => x.state === 'proposed')) await this.enqueue(runtime, t);

    if (!trials.some((t) => t.role === 'baseline')) {
      await this.propose(runtime, 'baseline', [{ config: runtime.record.baseline_config }]);
      await this.propose(runtime, 'placebo', [{ config: runtime.record.baseline_config }]);
      for (const ref of runtime.record.reference_configs) await this.propose(runtime, 'reference', [{ config: ref.config, reference: ref.name }]);
    }

    const explored = trials.filter((t) => t.role === 'explore');
    const dueling = trials.some((t) => t.role === 'duel');
    // Exploration ends on the budget, or once a feasible config is known and the expected
    // improvement has stayed negligible; the duels then decide whether anything is confirmed.
    const board = await this.leaderboard(runtime.record.id);
    const incumbent = board.rows.find((r) => r.feasible && r.objective)?.objective?.mean;
    const progress = { trials: explored.length, elapsed_ms: elapsedMs, expected_improvements: runtime.eiHistory };
    const decision = shouldStop(
      incumbent === undefined
        ? { ...progress, confirmed_feasible: false }
        : { ...progress, confirmed_feasible: true, incumbent: spec.objective.direction === 'min' ? incumbent : -incumbent },
      { ...DEFAULT_STOPPING_RULE, max_trials: spec.budget.trials, max_wall_ms: spec.budget.minutes * 60_000 },
    );
    const exploring = !dueling && !decision.stop;
    if (exploring) {
      const busy = [...runtime.trials.values()].filter(isInFlight).length;
      const room = Math.min(this.share(runtime, workers, runningCampaigns) - busy, spec.budget.trials - explored.length);
      if (room > 0) await this.explore(runtime, room);
      return;
    }
    if (runtime.record.stop_reason === undefined && decision.stop) {
      runtime.record.stop_reason = `${decision.reason}: ${decision.detail}`;
    }
    if (dueling && (await this.replanLostDuels(runtime, workers))) return;
    const pending = [...runtime.trials.values()].filter(isInFlight);
    if (!dueling) {
      if (pending.length > 0) return; // let exploration and the baseline finish first
      if (spec.duel.enabled && (await this.planDuels(runtime, workers))) return;
      await this.finish(runtime, 'finished', runtime.record.stop_reason ?? 'trial_budget');
      return;
    }
    if (pending.length === 0) await this.finish(runtime, 'finished', runtime.record.stop_reason ?? 'trial_budget');
  }

  /** Ask the sampler for `n` configs and queue them. */
  private async explore(runtime: CampaignRuntime, n: number): Promise<void> {
    const pending = [...runtime.trials.values()].filter((t) => isInFlight(t) && t.vector).map((t) => t.vector ?? []);
    const started = performance.now();
    const suggestion = await runtime.sampler.suggest(n, { pending });
    this.lastProposalMs = performance.now() - started;
    runtime.eiHistory.push(...suggestion.vectors.map((_, i) => (i === 0 ? suggestion.expected_improvement : null)));
    await this.store.saveOptimizerState(runtime.record.id, snapshotOf(runtime));
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
      const trialId = await this.store.nextTrialId(runtime.record.id);
      const args = { campaignId: runtime.record.id, trialId, role, space: runtime.space, config: item.config, now: this.now(), ...(untouched ? { env: {} } : {}) };
      const record = newTrialRecord(item.vector ? { ...args, vector: item.vector } : args);
      if (item.reference !== undefined) record.reference = item.reference;
      records.push(record);
    }
    await this.store.putTrials(runtime.record.id, records);
    for (const r of records) runtime.trials.set(r.trial_id, r);
    runtime.version++;
    for (const r of records) await this.enqueue(runtime, r);
  }

  private async enqueue(runtime: CampaignRuntime, trial: TrialRecord): Promise<void> {
    const outcome = await this.options.queue.enqueueTrial(trialJobFor(runtime.record.spec, trial));
    const queued: TrialRecord = { ...trial, state: 'queued', queue: outcome.queue };
    runtime.trials.set(trial.trial_id, queued);
    await this.store.putTrial(queued);
    await this.store.appendEvent(runtime.record.id, 'trial_queued', { trial_id: trial.trial_id, role: trial.role, config_key: trial.config_key });
  }

  /** The matching live worker with the fewest trials running, if any. */
  private leastBusyWorker(runtime: CampaignRuntime, workers: readonly WorkerInfo[]): WorkerInfo | undefined {
    return workers.filter((w) => workerMatches(w, runtime.record.spec.worker_labels)).sort((a, b) => a.active_trials.length - b.active_trials.length)[0];
  }

  /** Record duel trials pinned to `worker` (state `proposed`), in the order given; enqueue them after the caller's events. */
  private async recordDuelTrials(runtime: CampaignRuntime, slots: readonly { source: TrialRecord; slot: DuelSlot }[], worker: string): Promise<TrialRecord[]> {
    const records: TrialRecord[] = [];
    for (const { source, slot } of slots) {
      const trialId = await this.store.nextTrialId(runtime.record.id);
      records.push(newTrialRecord({ campaignId: runtime.record.id, trialId, role: 'duel', space: runtime.space, config: source.config, env: source.env, duel: slot, worker, now: this.now() }));
    }
    return records;
  }

  /**
   * Plan the confirmation round (see planConfirmationRound) on the least busy matching worker.
   * Returns false when there is nothing to confirm; true when planned or waiting for a worker.
   */
  private async planDuels(runtime: CampaignRuntime, workers: readonly WorkerInfo[]): Promise<boolean> {
    const { spec } = runtime.record;
    const trials = [...runtime.trials.values()];
    const round = planConfirmationRound(runtime.record, buildLeaderboard(runtime.record, trials), trials);
    if (!round) {
      runtime.record.stop_reason = `${runtime.record.stop_reason ?? 'trial_budget'}; no feasible config to confirm`;
      return false;
    }
    const worker = this.leastBusyWorker(runtime, workers);
    if (!worker) return true; // wait for a worker to register
    const records = await this.recordDuelTrials(runtime, round.slots, worker.name);
    await this.store.putTrials(runtime.record.id, records);
    for (const r of records) runtime.trials.set(r.trial_id, r);
    runtime.version++;
    await this.store.appendEvent(runtime.record.id, 'duels_planned', {
      worker: worker.name,
      duels: round.plans.map((p, i) => ({ duel_id: `d${i + 1}`, a: p.a, b: p.b, pairs: spec.duel.pairs })),
    });
    this.log(`campaign ${runtime.record.id}: ${round.plans.length} duels x ${spec.duel.pairs} pairs on ${worker.name} (${WORKER_LABEL} queue)`);
    for (const r of records) await this.enqueue(runtime, r);
    return true;
  }

  /**
   * A duel pair still waiting on a worker that stopped heartbeating is withdrawn (its trials fail
   * with WORKER_LOST) and re-run whole, under the next pair index, on the least busy live worker.
   * Returns true when it changed anything. With no live worker the pairs wait for one.
   */
  private async replanLostDuels(runtime: CampaignRuntime, workers: readonly WorkerInfo[]): Promise<boolean> {
    const { spec } = runtime.record;
    const broken = brokenDuelPairs(runtime.trials.values(), new Set(workers.map((w) => w.name)));
    if (broken.length === 0) return false;
    const worker = this.leastBusyWorker(runtime, workers);
    if (!worker) return false;
    const now = this.now();
    const failed: TrialRecord[] = [];
    for (const pair of broken) {
      for (const t of pair.trials.filter(isInFlight)) {
        await this.options.queue.withdraw(trialJobId(t), trialJobFor(spec, t).worker_labels ?? {});
        const reason = `stopped heartbeating before duel ${pair.duel_id} pair ${pair.pair_index} ran; the pair is re-run on ${worker.name}`;
        failed.push({ ...t, state: 'failed', finished_at: now.toISOString(), error: new AlloctuneError('ALLOCTUNE_ERR_WORKER_LOST', { worker: pair.lost_worker, reason }).toJSON() });
      }
    }
    const replacements = await this.recordDuelTrials(runtime, replacementSlots(runtime.trials.values(), broken).flat(), worker.name);
    await this.store.putTrials(runtime.record.id, [...failed, ...replacements]);
    for (const t of [...failed, ...replacements]) runtime.trials.set(t.trial_id, t);
    runtime.version++;
    for (const t of failed) {
      await this.store.appendEvent(runtime.record.id, 'trial_failed', { trial_id: t.trial_id, role: t.role, worker: t.worker ?? null, config_key: t.config_key, error: t.error ?? null });
    }
    const lost = [...new Set(broken.map((b) => b.lost_worker))];
    await this.store.appendEvent(runtime.record.id, 'duels_replanned', { lost_workers: lost, worker: worker.name, pairs: broken.map((b) => ({ duel_id: b.duel_id, pair_index: b.pair_index })) });
    this.log(`campaign ${runtime.record.id}: ${broken.length} duel pairs re-planned on ${worker.name} (lost ${lost.join(', ')})`);
    for (const r of replacements) await this.enqueue(runtime, r);
    return true;
  }

  private async finish(runtime: CampaignRuntime, state: 'finished' | 'cancelled', reason: string): Promise<void> {
    const record = runtime.record;
    for (const t of [...runtime.trials.values()].filter(isInFlight)) {
      const job = trialJobFor(record.spec, t);
      await this.options.queue.withdraw(trialJobId(t), job.worker_labels ?? {});
    }
    const now = this.now().toISOString();
    record.state = state;
    record.stop_reason = reason;
    record.finished_at = now;
    record.updated_at = now;
    await this.store.update(record);
    runtime.version++;
    this.runtimes.delete(record.id);
    this.leaderboards.delete(record.id);
    this.stoppedRecords.set(record.id, record);
    await this.store.appendEvent(record.id, 'campaign_finished', { state, stop_reason: reason });
    this.log(`campaign ${record.id}: ${state} (${reason})`);
  }
}
