import type { Redis } from 'ioredis';
import { AlloctuneError } from '../core/alloctune-error.js';
import { isFinalState, isInFlight, type CampaignRecord, type FinalCampaignState, type TrialRecord } from '../core/campaign-record.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { trialJobId } from '../core/trial-job.js';
import type { TrialResult } from '../core/trial-result.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { CampaignStore, newCampaignId } from '../store/campaign-store.js';
import { ControllerLease } from '../store/controller-lease.js';
import type { TrialReport } from '../store/trial-events.js';
import { getTrialResult } from '../store/trial-result-store.js';
import { listWorkers } from '../store/worker-registry.js';
import { loadPriorTrials, resolveWarmStart } from './warm-start.js';
import { createEmbedding } from '../spaces/index.js';
import { campaignBaseAllocator, campaignSpace } from './campaign-space.js';
import { readHarnessList } from '../harness/read-harness-list.js';
import { continuesPass, decideNext, wallTimeUsed } from './campaign-decision.js';
import { campaignImportance, type CampaignImportance } from './campaign-importance.js';
import { loadRuntime, snapshotOf, type CampaignRuntime } from './campaign-runtime.js';
import { CampaignSteps, type ControllerQueue } from './campaign-steps.js';
import { campaignWarnings } from './campaign-warnings.js';
import { prepareCampaign } from './campaign-setup.js';
import { KeyedSerialExecutor } from './keyed-serial-executor.js';
import { buildLeaderboard, type Leaderboard } from './leaderboard.js';
import { withResolvedMetrics, type ResolvedCampaignRecord } from './metric-resolver.js';
import { ReportFeed } from './report-feed.js';
import { trialJobFor } from './trial-factory.js';
import { unmetNeeds } from './worker-needs.js';

export interface ControllerOptions {
  redis: Redis;
  queue: ControllerQueue;
  /** Pause between controller passes. */
  tickMs?: number;
  /** A worker whose heartbeat is older than this is gone (default DEFAULT_WORKER_TIMEOUT_MS). */
  workerTimeoutMs?: number;
  log?: (line: string) => void;
  now?: () => Date;
  /** How long the controller lease outlives its holder's last renewal (default 10 s). */
  leaseTtlMs?: number;
  /**
   * How long a cancel waits before taking back a trial that no live worker reports running (a
   * worker publishes its running trials with each heartbeat; default 6 s, just over one).
   */
  cancelGraceMs?: number;
}

/** Cache version of a stopped campaign's leaderboard: it never changes again. */
const STOPPED = -1;
/** Steps one campaign may take in one pass (each ending action stops earlier; this bounds a bug). */
const MAX_STEPS_PER_PASS = 8;

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * For reading a stopped record whose metrics never resolved (it failed on load for that reason):
 * the spec's names, which match no summary key, so nothing counts as measured.
 */
function readable(record: CampaignRecord): ResolvedCampaignRecord {
  try {
    return withResolvedMetrics(record);
  } catch {
    return { ...record, metrics: { objective: record.spec.objective.metric, constraints: record.spec.constraints.map((c) => c.metric) } };
  }
}

/** How long stopping waits for the lease release before leaving the lease to lapse. */
const LEASE_RELEASE_WAIT_MS = 1000;

/**
 * Runs campaigns: measures the baseline and its placebo copy, keeps every idle matching worker busy
 * with proposals, then confirms the leaders in paired duels on one worker, and stops with a recorded
 * reason. What to do next is decided by {@link decideNext} (pure); this class applies it.
 *
 * Every mutation of one campaign (create, resume, applying reports, advancing, cancel, failing it)
 * runs through one per-campaign serial executor, so a cancel waits for an advance in progress and a
 * later advance finds the campaign stopped and enqueues nothing. An in-process chain suffices
 * because only one service process runs the controller for a Redis: `start` takes a lease in Redis
 * (src/store/controller-lease.ts) and refuses to run while another live process holds it.
 *
 * Results arrive once, from the workers' report stream (src/store/trial-events.ts), read from a
 * cursor kept in Redis and saved only after the reports before it are applied; applying is
 * idempotent (a trial no longer in flight is skipped), so a restart re-reads at most one batch.
 * All state lives in Redis (campaign, trial records, optimizer snapshot), written before anything
 * is enqueued, so a restarted controller picks up where it was with no trial lost or run twice. An
 * error in one campaign fails that campaign (state `failed`, the reason, `campaign_finished`) and
 * the pass goes on with the others.
 */
export class CampaignController {
  private readonly store: CampaignStore;
  private readonly steps: CampaignSteps;
  private readonly serial = new KeyedSerialExecutor();
  private readonly runtimes = new Map<string, CampaignRuntime>();
  private readonly leaderboards = new Map<string, { version: number; board: Leaderboard }>();
  private readonly stoppedRecords = new Map<string, ResolvedCampaignRecord>();
  private readonly stoppedTrials = new Map<string, TrialRecord[]>();
  private readonly stoppedCoordinates = new Map<string, string[]>();
  private readonly importances = new Map<string, { version: number; value: CampaignImportance }>();
  private readonly reports: ReportFeed;
  private timer: NodeJS.Timeout | undefined;
  private lease: ControllerLease | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: ControllerOptions) {
    this.store = new CampaignStore(options.redis);
    this.reports = new ReportFeed(options.redis);
    this.steps = new CampaignSteps({ store: this.store, queue: options.queue, now: () => this.now(), log: (line) => this.log(line) });
  }

  /** Duration of the last proposal, for /metrics. */
  get lastProposalMs(): number {
    return this.steps.lastProposalMs;
  }

  /**
   * True while this process runs the campaigns (not stopped, the controller lease re-taken): what
   * is built on them (tournaments) acts only then.
   */
  async holdsControl(): Promise<boolean> {
    return !this.stopped && (await this.holdsLease());
  }

  /** Report stream entries this controller has read (tests check that a restart resumes at its cursor). */
  get reportsRead(): number {
    return this.reports.entriesRead;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /**
   * Take the controller lease, load every running campaign from Redis and start the control loop.
   * Rejects with CONFLICT while another live service holds the lease (one killed without releasing
   * it frees it within the lease TTL, which this waits out).
   */
  async start(): Promise<void> {
    await this.takeLease();
    await this.resumeAll();
    this.schedule(0);
  }

  private async takeLease(): Promise<void> {
    const lease = new ControllerLease(this.options.redis, this.options.leaseTtlMs ?? 10_000);
    const deadline = Date.now() + lease.ttlMs + 1000;
    for (let attempt = 0; !(await lease.takeOrRenew()); attempt++) {
      if (attempt === 0) this.log(`controller lease held by ${(await lease.currentHolder()) ?? 'another process'}: waiting up to ${lease.ttlMs} ms for it to expire`);
      if (Date.now() > deadline) {
        const holder = (await lease.currentHolder()) ?? 'unknown';
        throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `another alloctune service (${holder}) runs the campaign controller on this Redis; stop it first` });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    this.lease = lease;
    this.leaseTimer = setInterval(() => void this.renewLease(lease), lease.ttlMs / 4);
    this.leaseTimer.unref();
  }

  private async renewLease(lease: ControllerLease): Promise<void> {
    try {
      if (await lease.takeOrRenew()) return;
      await this.leaseLost(lease);
    } catch (err) {
      this.log(`controller lease not renewed: ${describeError(err)}`);
    }
  }

  /** Another process took over (this one was paused or cut off past the TTL): it runs the campaigns now. */
  private async leaseLost(lease: ControllerLease): Promise<void> {
    if (this.stopped) return;
    this.log(`controller lease taken by ${(await lease.currentHolder()) ?? 'another process'}: stopping the control loop`);
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
  }

  /**
   * True while this process may write campaign state. The renewal timer runs on the event loop, so
   * a pass that blocked it past the TTL could find the lease taken by a waiting service: each
   * campaign step re-takes the lease first (one round trip) and a lost lease stops the loop before
   * anything is written. Without a lease (tests drive `tick` directly) there is nothing to fence.
   */
  private async holdsLease(): Promise<boolean> {
    const lease = this.lease;
    if (lease === undefined) return true;
    if (await lease.takeOrRenew()) return true;
    await this.leaseLost(lease);
    return false;
  }

  /** Load every running campaign (no loop); `start` does this first. Public for tests. */
  async resumeAll(): Promise<void> {
    for (const record of await this.store.list()) {
      if (isFinalState(record.state)) continue;
      await this.serial.run(record.id, () => this.guarded(record.id, () => this.resume(record)));
    }
    if (await this.reports.mayHaveMissed()) {
      // Look each in-flight trial's result up once instead.
      for (const id of [...this.runtimes.keys()]) await this.serial.run(id, () => this.guarded(id, () => this.applyStoredResults(id)));
    }
  }

  private async resume(stored: CampaignRecord): Promise<void> {
    const record = withResolvedMetrics(stored);
    // Records stored before metrics were resolved at creation get them now, once.
    if (!stored.metrics) await this.store.update(record);
    const persisted = await this.store.loadOptimizerState(record.id);
    const runtime = await loadRuntime(record, await this.store.trials(record.id), persisted, await loadPriorTrials(this.store, record));
    this.runtimes.set(record.id, runtime);
    this.log(`campaign ${record.id}: resumed with ${runtime.trials.size} trials`);
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
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    await this.ticking;
    await this.serial.drain();
    // Best effort, bounded: with Redis unreachable the command would wait for it forever, and the
    // lease lapses by itself within its TTL anyway.
    const lease = this.lease;
    this.lease = undefined;
    if (lease) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.log(`controller lease not released within ${LEASE_RELEASE_WAIT_MS} ms (Redis unreachable?); it lapses in ${lease.ttlMs} ms`);
          resolve();
        }, LEASE_RELEASE_WAIT_MS);
      });
      await Promise.race([lease.release().catch((err: unknown) => this.log(`controller lease not released: ${describeError(err)}`)), gaveUp]);
      clearTimeout(timer);
    }
  }

  /**
   * Pre-flight, store and start a campaign: every problem of the spec (against its space, the
   * harness's description and the live workers) is one 400 and nothing is stored. Without a live
   * worker that fits, it starts in `waiting_for_workers`. `id` is for a campaign whose id its owner
   * recorded before creating it (a tournament's child): CONFLICT if a campaign of that id exists.
   */
  async create(spec: CampaignSpec, options: { id?: string } = {}): Promise<CampaignRecord> {
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    const harness = spec.workloads.some((w) => w.kind === 'harness') ? await readHarnessList() : undefined;
    if (harness && !harness.ok) this.log(`harness arguments not checked before the run: ${harness.reason}`);
    const prepared = prepareCampaign(spec, { workers, ...(harness?.ok ? { harness: harness.list } : {}) });
    const now = this.now().toISOString();
    const waiting = unmetNeeds({ ...prepared.spec, allocator: prepared.definition.base }, workers);
    // The posted definition is kept once, snapshotted with its hash; the spec keeps the rest.
    const { definition: _posted, ...storedSpec } = prepared.spec;
    const record: ResolvedCampaignRecord = {
      id: options.id ?? newCampaignId(),
      spec: storedSpec,
      definition: prepared.definition,
      state: waiting ? 'waiting_for_workers' : 'running',
      created_at: now,
      updated_at: now,
      baseline_config: prepared.baselineConfig,
      reference_configs: prepared.referenceConfigs,
      metrics: prepared.metrics,
    };
    if (waiting) record.waiting_for = waiting;
    if (prepared.notes.length > 0) record.notes = prepared.notes;
    const warnings = campaignWarnings(prepared.spec, prepared.space, prepared.metrics, workers);
    if (warnings.length > 0) record.warnings = warnings;
    const warm = prepared.spec.warm_start === undefined ? undefined : await resolveWarmStart(this.store, prepared, prepared.spec.warm_start);
    if (warm) record.warm_start = warm.record;
    const runtime = await loadRuntime(record, [], undefined, warm?.priors);
    if (runtime.embedding.dimension === 0) {
      throw new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'space', reason: 'every parameter is frozen or dropped: nothing left to search' });
    }
    return this.serial.run(record.id, async () => {
      if (!(await this.store.create(record, snapshotOf(runtime)))) throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `campaign ${record.id} exists` });
      this.runtimes.set(record.id, runtime);
      await this.store.appendEvent(record.id, 'campaign_created', { campaign_id: record.id, name: spec.name });
      this.log(`campaign ${record.id} (${spec.name}): created`);
      return record;
    });
  }

  /**
   * Cancel a live campaign once any step in progress is done: trials no worker has taken are
   * withdrawn (state `withdrawn`); while trials already running finish, the campaign is
   * `cancelling`, then `cancelled`. A campaign already stopped or cancelling is a CONFLICT (409).
   */
  async cancel(id: string): Promise<CampaignRecord> {
    return this.serial.run(id, async () => {
      const runtime = this.runtimes.get(id);
      if (!runtime) {
        const record = await this.record(id);
        throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `campaign ${id} is already ${record.state}${record.stop_reason ? ` (${record.stop_reason})` : ''}: nothing to cancel` });
      }
      const { record } = runtime;
      if (record.state === 'cancelling') {
        const running = [...runtime.trials.values()].filter(isInFlight).length;
        throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `campaign ${id} is already cancelling: ${running} running trial(s) finish first` });
      }
      const now = this.now().toISOString();
      const running = await this.withdrawInFlight(runtime.record, [...runtime.trials.values()], false);
      if (running === 0) {
        await this.finish(record, [], 'cancelled', 'cancelled by request', now);
        return record;
      }
      const { waiting_for: _waiting, ...rest } = record;
      const cancelling: CampaignRecord = { ...rest, state: 'cancelling', cancel_requested_at: now, updated_at: now };
      await this.store.update(cancelling);
      delete record.waiting_for;
      Object.assign(record, cancelling);
      runtime.version++;
      await this.store.appendEvent(id, 'campaign_state', { state: 'cancelling', running_trials: running });
      this.log(`campaign ${id}: cancelling (${running} running trial(s) finish first)`);
      return record;
    });
  }

  /**
   * Withdraw every in-flight trial of a campaign: those no worker has taken (and, with `all`, every
   * one) are recorded as `withdrawn`; returns how many are left running on a worker.
   */
  private async withdrawInFlight(record: CampaignRecord, trials: readonly TrialRecord[], all: boolean): Promise<number> {
    const withdrawn: TrialRecord[] = [];
    let running = 0;
    const now = this.now().toISOString();
    for (const t of trials.filter(isInFlight)) {
      const removed = t.state === 'proposed' || (await this.options.queue.withdraw(trialJobId(t), trialJobFor(record.spec, t).worker_labels ?? {}));
      if (removed || all) withdrawn.push({ ...t, state: 'withdrawn', finished_at: now });
      else running++;
    }
    if (withdrawn.length > 0) {
      await this.store.putTrials(record.id, withdrawn);
      const runtime = this.runtimes.get(record.id);
      for (const t of withdrawn) runtime?.trials.set(t.trial_id, t);
    }
    return running;
  }

  /**
   * A cancelling campaign's pass: cancelled once no trial is in flight. A trial that no live worker
   * reports running (its worker died, or it finished and the report is late) is withdrawn once the
   * grace period after the cancel has passed, so a cancel always ends.
   */
  private async advanceCancel(id: string, workers: readonly WorkerInfo[]): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    const { record } = runtime;
    const inFlight = [...runtime.trials.values()].filter(isInFlight);
    const sinceMs = this.now().getTime() - Date.parse(record.cancel_requested_at ?? record.updated_at);
    if (inFlight.length > 0 && sinceMs < (this.options.cancelGraceMs ?? 6000)) return;
    const active = new Set(workers.flatMap((w) => w.active_trials));
    const orphans = inFlight.filter((t) => !active.has(trialJobId(t)));
    if (orphans.length > 0) await this.withdrawInFlight(record, orphans, true);
    if (inFlight.length === orphans.length) await this.finish(record, [], 'cancelled', 'cancelled by request');
  }

  /**
   * Keep the waiting state true: `waiting_for_workers` with what it waits for while no live worker
   * fits the campaign, back to `running` once one does. Returns true while it waits.
   */
  private async updateWaiting(runtime: CampaignRuntime, workers: readonly WorkerInfo[]): Promise<boolean> {
    const { record } = runtime;
    const waiting = unmetNeeds({ ...record.spec, allocator: campaignBaseAllocator(record) }, workers);
    const now = this.now().toISOString();
    if (waiting && (record.state !== 'waiting_for_workers' || record.waiting_for?.reason !== waiting.reason)) {
      const updated: CampaignRecord = { ...record, state: 'waiting_for_workers', waiting_for: waiting, updated_at: now };
      await this.store.update(updated);
      Object.assign(record, updated);
      runtime.version++;
      await this.store.appendEvent(record.id, 'campaign_state', { state: 'waiting_for_workers', waiting_for: waiting });
      this.log(`campaign ${record.id}: waiting for workers (${waiting.reason})`);
    } else if (!waiting && record.state === 'waiting_for_workers') {
      const { waiting_for: _waiting, ...rest } = record;
      const updated: CampaignRecord = { ...rest, state: 'running', updated_at: now };
      await this.store.update(updated);
      delete record.waiting_for;
      Object.assign(record, updated);
      runtime.version++;
      await this.store.appendEvent(record.id, 'campaign_state', { state: 'running' });
      this.log(`campaign ${record.id}: a matching worker is live: running`);
    }
    return waiting !== undefined;
  }

  /** The live runtime of a running campaign (undefined once it has stopped). */
  runtime(id: string): CampaignRuntime | undefined {
    return this.runtimes.get(id);
  }

  /**
   * The record of a campaign: live while it runs, else from Redis (stopped campaigns never change,
   * so they are cached). Throws NOT_FOUND for an unknown id.
   */
  async record(id: string): Promise<ResolvedCampaignRecord> {
    const live = this.runtimes.get(id)?.record ?? this.stoppedRecords.get(id);
    if (live) return live;
    const stored = await this.store.get(id);
    if (!stored) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'campaign', id });
    const record = readable(stored);
    if (isFinalState(record.state)) this.stoppedRecords.set(id, record);
    return record;
  }

  /** True if a campaign of this id is stored (running or stopped). */
  async exists(id: string): Promise<boolean> {
    return this.runtimes.has(id) || this.stoppedRecords.has(id) || (await this.store.exists(id));
  }

  /** Leaderboard of a campaign, cached until its trials change (for good once it has stopped). */
  async leaderboard(id: string): Promise<Leaderboard> {
    const runtime = this.runtimes.get(id);
    if (runtime) return this.liveLeaderboard(runtime);
    const cached = this.leaderboards.get(id);
    if (cached && cached.version === STOPPED) return cached.board;
    const record = await this.record(id);
    const board = buildLeaderboard(record, await this.trials(id));
    if (isFinalState(record.state)) this.leaderboards.set(id, { version: STOPPED, board });
    return board;
  }

  private liveLeaderboard(runtime: CampaignRuntime): Leaderboard {
    const cached = this.leaderboards.get(runtime.record.id);
    if (cached && cached.version === runtime.version) return cached.board;
    const board = buildLeaderboard(runtime.record, [...runtime.trials.values()]);
    this.leaderboards.set(runtime.record.id, { version: runtime.version, board });
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
    const names = createEmbedding(campaignSpace(record)).names;
    if (isFinalState(record.state)) this.stoppedCoordinates.set(id, names);
    return names;
  }

  /**
   * Knob importance of a campaign per judged metric (see campaignImportance), computed once per
   * version of its trial set and cached (for good once it has stopped). `version` is the trial-set
   * version it was computed at (-1: final).
   */
  async importance(id: string): Promise<{ version: number; importance: CampaignImportance }> {
    const runtime = this.runtimes.get(id);
    const cached = this.importances.get(id);
    if (cached && cached.version === (runtime ? runtime.version : STOPPED)) return { version: cached.version, importance: cached.value };
    const record = await this.record(id);
    const trials = await this.trials(id);
    const live = this.runtimes.get(id);
    const version = live ? live.version : isFinalState(record.state) ? STOPPED : Number.NaN;
    const embedding = live?.embedding ?? createEmbedding(campaignSpace(record));
    const value = campaignImportance(record, trials, embedding, this.now());
    if (!Number.isNaN(version)) this.importances.set(id, { version, value });
    return { version: Number.isNaN(version) ? 0 : version, importance: value };
  }

  /** Trials of a campaign (live or stored). */
  async trials(id: string): Promise<TrialRecord[]> {
    const runtime = this.runtimes.get(id);
    if (runtime) return [...runtime.trials.values()];
    const cached = this.stoppedTrials.get(id);
    if (cached) return cached;
    const record = await this.record(id);
    const trials = await this.store.trials(id);
    if (isFinalState(record.state)) this.stoppedTrials.set(id, trials);
    return trials;
  }

  /** One pass: apply new reports, then advance every running campaign. Public for tests. */
  async tick(): Promise<void> {
    if (!(await this.holdsLease())) return;
    await this.ingestReports();
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    const running = [...this.runtimes.keys()];
    for (const id of running) {
      if (!(await this.holdsLease())) return;
      await this.serial.run(id, () => this.guarded(id, () => this.advance(id, workers, running.length)));
    }
  }

  /**
   * Run one campaign's step; an error fails that campaign (recorded) instead of the pass. Resolves
   * false only when even recording the failure failed (Redis trouble): the step is retried later.
   */
  private async guarded(id: string, step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      return true;
    } catch (err) {
      this.log(`campaign ${id}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      try {
        await this.fail(id, `error: ${describeError(err)}`);
        return true;
      } catch (again) {
        this.log(`campaign ${id}: could not record its failure: ${describeError(again)}`);
        return false;
      }
    }
  }

  private async fail(id: string, reason: string): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (runtime) {
      await this.finish(runtime.record, [...runtime.trials.values()], 'failed', reason);
      return;
    }
    const stored = await this.store.get(id);
    // Not loaded (it failed on load): stored as it was, without metrics that never resolved.
    if (stored && !isFinalState(stored.state)) await this.finish(stored, await this.store.trials(id), 'failed', reason);
  }

  /** Apply new reports campaign by campaign (reports of stopped campaigns are late and not used). */
  private async ingestReports(): Promise<void> {
    await this.reports.drain((id, list) =>
      this.runtimes.has(id) ? this.serial.run(id, () => this.guarded(id, () => this.applyReports(id, list))) : Promise.resolve(true),
    );
  }

  private async applyReports(id: string, reports: readonly TrialReport[]): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    const results: TrialResult[] = [];
    for (const report of reports) {
      const trial = runtime.trials.get(report.trial_id);
      if (!trial || !isInFlight(trial)) continue;
      if (report.type === 'trial_started') {
        await this.store.appendEvent(id, 'trial_started', { trial_id: trial.trial_id, worker: report.worker });
        continue;
      }
      const result = await getTrialResult(this.options.redis, id, trial.trial_id);
      if (result) results.push(result);
    }
    await this.steps.applyResults(runtime, results);
  }

  /** Apply the stored result of every trial in flight (start without a usable cursor). */
  private async applyStoredResults(id: string): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    const results: TrialResult[] = [];
    for (const trial of [...runtime.trials.values()].filter(isInFlight)) {
      const result = await getTrialResult(this.options.redis, id, trial.trial_id);
      if (result) results.push(result);
    }
    await this.steps.applyResults(runtime, results);
  }

  /** Decide and apply steps until one ends the pass (see {@link continuesPass}). */
  private async advance(id: string, workers: readonly WorkerInfo[], runningCampaigns: number): Promise<void> {
    const live = this.runtimes.get(id);
    if (!live) return;
    if (live.record.state === 'cancelling') return this.advanceCancel(id, workers);
    if (await this.updateWaiting(live, workers)) {
      // Nothing is queued while no worker could take it; the wall-time budget still runs.
      const overBudget = wallTimeUsed(live.record, this.now().getTime());
      if (overBudget !== undefined) await this.finish(live.record, [...live.trials.values()], 'finished', `${overBudget} waiting for workers (${live.record.waiting_for?.reason ?? ''})`);
      return;
    }
    for (let step = 0; step < MAX_STEPS_PER_PASS; step++) {
      const runtime = this.runtimes.get(id);
      if (!runtime) return; // stopped by an earlier step or task
      const action = decideNext({
        record: runtime.record,
        trials: [...runtime.trials.values()],
        board: this.liveLeaderboard(runtime),
        eiHistory: runtime.eiHistory,
        posteriorHistory: runtime.posteriorHistory,
        dimension: runtime.embedding.dimension,
        workers,
        runningCampaigns,
        nowMs: this.now().getTime(),
      });
      if (action.kind === 'finish' || action.kind === 'fail') {
        await this.finish(runtime.record, [...runtime.trials.values()], action.kind === 'fail' ? 'failed' : 'finished', action.reason);
        return;
      }
      await this.steps.apply(runtime, action);
      if (!continuesPass(action)) return;
    }
  }

  /**
   * Stop a campaign for good: withdraw every trial still in flight (recorded as `withdrawn`: a
   * running one finishes on its worker and its result is not used), record the state and reason, announce it.
   */
  private async finish(record: CampaignRecord, trials: readonly TrialRecord[], state: FinalCampaignState, reason: string, at?: string): Promise<void> {
    await this.withdrawInFlight(record, trials, true);
    const now = at ?? this.now().toISOString();
    const { waiting_for: _waiting, ...rest } = record;
    const stopped: CampaignRecord = { ...rest, state, stop_reason: reason, finished_at: now, updated_at: now };
    await this.store.update(stopped);
    // The live record object is shared with API readers; it changes only once the store has it.
    delete record.waiting_for;
    Object.assign(record, stopped);
    const runtime = this.runtimes.get(record.id);
    if (runtime) runtime.version++;
    this.runtimes.delete(record.id);
    this.leaderboards.delete(record.id);
    this.importances.delete(record.id);
    this.stoppedRecords.set(record.id, readable(record));
    await this.store.appendEvent(record.id, 'campaign_finished', { state, stop_reason: reason });
    this.log(`campaign ${record.id}: ${state} (${reason})`);
  }
}
