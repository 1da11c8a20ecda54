import type { Redis } from 'ioredis';
import { AlloctuneError, isAlloctuneError } from '../core/alloctune-error.js';
import { isFinalState, type CampaignRecord } from '../core/campaign-record.js';
import type { FinalArm, FinalRound, FinalTrial, TournamentRecord, TournamentState } from '../core/tournament-record.js';
import type { TournamentSpec } from '../core/tournament-spec.js';
import type { TrialJobInput } from '../core/trial-job.js';
import type { WorkerInfo } from '../core/worker-info.js';
import { readHarnessList } from '../harness/read-harness-list.js';
import { WORKER_LABEL } from '../queue/queue-names.js';
import { centralValue } from '../stats/robust-center.js';
import { trialJobId } from '../core/trial-job.js';
import { getTrialResult } from '../store/trial-result-store.js';
import { defaultConfig, loadSpace } from '../spaces/index.js';
import { appendTournamentEvent, type TournamentEventType } from '../store/tournament-events.js';
import { TournamentStore, newTournamentId } from '../store/tournament-store.js';
import { listWorkers } from '../store/worker-registry.js';
import type { CampaignController } from './campaign-controller.js';
import type { ControllerQueue } from './campaign-steps.js';
import { buildExportEvidence } from './export-evidence-builder.js';
import { BASELINE_ARM, armId, assignBlockWorkers, blockOrder, decideRound, finalRoundDesign, lostBlocks, newlyDecided, nextRoundStep } from './final-round.js';
import { KeyedSerialExecutor } from './keyed-serial-executor.js';
import { childCampaignId, childCampaignSpec, workloadsAt } from './tournament-child-spec.js';
import { planTournament } from './tournament-setup.js';
import { campaignNeeds, workerMisfit } from './worker-needs.js';

export interface TournamentControllerOptions {
  redis: Redis;
  queue: ControllerQueue;
  /** The campaign controller that runs the children. */
  campaigns: CampaignController;
  tickMs?: number;
  workerTimeoutMs?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Runs tournaments: creates the children (ordinary campaigns, run by the campaign controller,
 * which owns their trials), waits for them, then runs one final round per thread count: blocks of
 * the baseline and each undecided arm, back to back, each block on one worker (blocks spread
 * round-robin over the live workers that load every allocator), judged by the sequential rule
 * over all arms as one Holm family (src/service/final-round.ts).
 * The tournament's ranking is derived from its children and its rounds on read
 * (src/service/tournament-view.ts). State lives in Redis; a restarted service resumes.
 */
export class TournamentController {
  private readonly store: TournamentStore;
  private readonly serial = new KeyedSerialExecutor();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** Tournaments whose queued trials this process has queued again since it started (see requeueOnce). */
  private readonly requeued = new Set<string>();

  constructor(private readonly options: TournamentControllerOptions) {
    this.store = new TournamentStore(options.redis);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private event(id: string, type: TournamentEventType, data: Record<string, unknown>): Promise<string> {
    return appendTournamentEvent(this.options.redis, id, type, data);
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((err: unknown) => this.log(`tournament pass failed: ${describeError(err)}`))
        .finally(() => this.schedule(this.options.tickMs ?? 500));
    }, delayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.serial.drain();
  }

  /**
   * Check every child against its space, the harness and the live workers (one 400 naming every
   * bad field, nothing stored), then store the tournament in `creating` with every child's id
   * fixed, and create the children. A service killed at any point leaves nothing (killed before
   * the record is stored) or a record that names every child it may have created: the restarted
   * service adopts those and creates the others (see createChildren). A child refused here (a
   * race: a worker left) fails the tournament, which cancels the children created so far.
   */
  async create(spec: TournamentSpec): Promise<TournamentRecord> {
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    const harness = spec.workloads.some((w) => w.kind === 'harness') ? await readHarnessList() : undefined;
    const planned = planTournament(spec, { workers, ...(harness?.ok ? { harness: harness.list } : {}) });
    const now = this.now().toISOString();
    const threads = spec.threads ?? [null];
    const id = newTournamentId();
    const record: TournamentRecord = {
      id,
      spec,
      state: 'creating',
      created_at: now,
      updated_at: now,
      baseline_allocator: spec.baseline_allocator ?? (spec.allocators[0] as string),
      objective_key: planned[0]?.objective_key ?? spec.objective.metric,
      children: planned.map((p, i) => ({ allocator: p.allocator, threads: p.threads, campaign_id: childCampaignId(id, i), budget_trials: p.spec.budget.trials })),
      rounds: threads.map((t) => ({ threads: t, status: 'waiting', arms: [], notes: [], decided: {}, block_workers: [], trials: [] })),
    };
    return this.serial.run(id, async () => {
      await this.store.create(record);
      await this.event(id, 'tournament_created', { tournament_id: id, name: spec.name, children: record.children });
      try {
        await this.createChildren(record);
      } catch (err) {
        await this.finish(record, 'failed', `a child campaign could not be created: ${describeError(err)}`);
        throw err;
      }
      this.log(record.state === 'running'
        ? `tournament ${id} (${spec.name}): created with ${record.children.length} child campaigns`
        : `tournament ${id} (${spec.name}): stored; the service that runs the campaigns creates its children`);
      return record;
    });
  }

  /**
   * Create every child of a `creating` tournament that does not exist yet (those that do were
   * created before a crash: adopted), then mark it `running`. Each child is created by the process
   * that runs the campaigns (the lease is re-taken before each); any other leaves the rest to it.
   */
  private async createChildren(record: TournamentRecord): Promise<void> {
    for (const child of record.children) {
      if (!(await this.options.campaigns.holdsControl())) return;
      if (await this.options.campaigns.exists(child.campaign_id)) {
        this.log(`tournament ${record.id}: child ${child.campaign_id} (${child.allocator}) already exists: adopted`);
        continue;
      }
      await this.options.campaigns.create(childCampaignSpec(record.spec, child.allocator, child.threads, child.budget_trials), { id: child.campaign_id });
      this.log(`tournament ${record.id}: child ${child.campaign_id} (${child.allocator}) created`);
    }
    record.state = 'running';
    record.updated_at = this.now().toISOString();
    await this.store.update(record);
    await this.event(record.id, 'tournament_state', { state: 'running' });
  }

  /** The stored record of each child; undefined for one not created (only while, or since, the tournament was `creating`). */
  private async childRecords(record: TournamentRecord): Promise<(CampaignRecord | undefined)[]> {
    return Promise.all(record.children.map(async (c) => ((await this.options.campaigns.exists(c.campaign_id)) ? this.options.campaigns.record(c.campaign_id) : undefined)));
  }

  /** A tournament's record; NOT_FOUND for an unknown id. */
  async record(id: string): Promise<TournamentRecord> {
    const record = await this.store.get(id);
    if (!record) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'tournament', id });
    return record;
  }

  list(): Promise<TournamentRecord[]> {
    return this.store.list();
  }

  /**
   * Cancel a live tournament: its live children are cancelled, the final round's queued trials
   * withdrawn; it is `cancelling` until every child has stopped, then `cancelled`. CONFLICT once stopped.
   */
  async cancel(id: string): Promise<TournamentRecord> {
    return this.serial.run(id, async () => {
      const record = await this.record(id);
      if (isFinalState(record.state) || record.state === 'cancelling') {
        throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `tournament ${id} is already ${record.state}: nothing to cancel` });
      }
      // A tournament cancelled while `creating` stays without the children not created yet.
      for (const child of record.children) {
        if (!(await this.options.campaigns.exists(child.campaign_id))) continue;
        try {
          await this.options.campaigns.cancel(child.campaign_id);
        } catch (err) {
          // Already stopped (or already cancelling): nothing to do for that child.
          if (!isAlloctuneError(err) || err.code !== 'ALLOCTUNE_ERR_CONFLICT') throw err;
        }
      }
      for (const round of record.rounds) await this.withdrawRound(record, round);
      const updated: TournamentRecord = { ...record, state: 'cancelling', updated_at: this.now().toISOString() };
      await this.store.update(updated);
      await this.event(id, 'tournament_state', { state: 'cancelling' });
      this.log(`tournament ${id}: cancelling`);
      return updated;
    });
  }

  /** Withdraw the round's queued trials (only those of blocks on `worker` when given). */
  private async withdrawRound(record: TournamentRecord, round: FinalRound, worker?: string): Promise<void> {
    for (const t of round.trials) {
      if (t.state !== 'queued') continue;
      if (worker !== undefined && round.block_workers[t.block] !== worker) continue;
      await this.options.queue.withdraw(trialJobId({ campaign_id: record.id, trial_id: t.trial_id }), this.labels(record, round, t.block));
      t.state = 'withdrawn';
    }
  }

  /** The routing labels of a block's trials: the spec's, and its worker's own queue. */
  private labels(record: TournamentRecord, round: FinalRound, block: number): Record<string, string> {
    const worker = round.block_workers[block];
    return { ...record.spec.worker_labels, ...(worker === undefined ? {} : { [WORKER_LABEL]: worker }) };
  }

  /** One pass over every live tournament. Public for tests. */
  async tick(): Promise<void> {
    // Only the process that runs the campaigns (holds the controller lease) runs their tournaments.
    if (!(await this.options.campaigns.holdsControl())) return;
    const live = (await this.store.list()).filter((r) => !isFinalState(r.state));
    if (live.length === 0) return;
    const workers = await listWorkers(this.options.redis, this.options.workerTimeoutMs);
    for (const r of live) {
      await this.serial.run(r.id, async () => {
        try {
          await this.advance(r.id, workers);
        } catch (err) {
          this.log(`tournament ${r.id}: ${describeError(err)}`);
          await this.finish(await this.record(r.id), 'failed', `error: ${describeError(err)}`);
        }
      });
    }
  }

  private async finish(record: TournamentRecord, state: Extract<TournamentState, 'finished' | 'cancelled' | 'failed'>, reason: string): Promise<void> {
    if (state === 'failed') {
      for (const child of record.children) await this.options.campaigns.cancel(child.campaign_id).catch(() => undefined);
      for (const round of record.rounds) await this.withdrawRound(record, round);
    }
    const now = this.now().toISOString();
    await this.store.update({ ...record, state, stop_reason: reason, finished_at: now, updated_at: now });
    await this.event(record.id, 'tournament_finished', { state, stop_reason: reason });
    this.log(`tournament ${record.id}: ${state} (${reason})`);
  }

  private async advance(id: string, workers: readonly WorkerInfo[]): Promise<void> {
    const record = await this.record(id);
    if (isFinalState(record.state)) return;
    if (record.state === 'creating') {
      // Its creation was cut short (the service was killed): finish it.
      await this.createChildren(record);
      return;
    }
    const before = JSON.stringify(record);
    if (record.state === 'running') await this.requeueOnce(record);
    if (record.state === 'cancelling') {
      const stored = await this.childRecords(record);
      const childrenDone = stored.every((c) => c === undefined || isFinalState(c.state));
      await this.collect(record);
      if (childrenDone && record.rounds.every((r) => !r.trials.some((t) => t.state === 'queued'))) await this.finish(record, 'cancelled', 'cancelled by request');
      else if (JSON.stringify(record) !== before) await this.store.update({ ...record, updated_at: this.now().toISOString() });
      return;
    }
    const children = await Promise.all(record.children.map((c) => this.options.campaigns.record(c.campaign_id)));
    const childrenDone = children.every((c) => isFinalState(c.state));
    for (const round of record.rounds) {
      if (round.status === 'waiting') {
        const mine = record.children.map((c, i) => ({ c, r: children[i] as CampaignRecord })).filter(({ c }) => c.threads === round.threads);
        if (mine.every(({ r }) => isFinalState(r.state))) {
          await this.openRound(record, round, mine, workers);
          if (round.status !== 'waiting') {
            await this.event(record.id, 'final_round_opened', {
              threads: round.threads, status: round.status, notes: round.notes,
              ...(round.status === 'running' ? { workers: this.roundWorkers(record, workers), arms: round.arms.map((a) => a.arm) } : {}),
              ...(round.reason === undefined ? {} : { reason: round.reason }),
            });
          }
        }
      }
      if (round.status === 'running') await this.runRound(record, round, workers);
    }
    const roundsDone = record.rounds.every((r) => r.status !== 'waiting' && r.status !== 'running');
    if (childrenDone && roundsDone) {
      const failed = record.rounds.filter((r) => r.status === 'failed');
      await this.finish(record, 'finished', failed.length > 0 ? `finished; ${failed.length} final round(s) failed: ${failed.map((r) => r.reason).join('; ')}` : 'every child campaign and final round done');
      return;
    }
    // Written only when something changed (results, blocks, a round opened), so updated_at means it.
    if (JSON.stringify(record) === before) return;
    record.updated_at = this.now().toISOString();
    await this.store.update(record);
  }

  /** The arms of a round from its finished children: every allocator's defaults, and its confirmed best when it beat them. */
  private async openRound(record: TournamentRecord, round: FinalRound, mine: { c: TournamentRecord['children'][number]; r: CampaignRecord }[], workers: readonly WorkerInfo[]): Promise<void> {
    const baselineChild = mine.find(({ c }) => c.allocator === record.baseline_allocator);
    if (!baselineChild) {
      round.status = 'failed';
      round.reason = `no child campaign of the baseline allocator ${record.baseline_allocator}`;
      return;
    }
    if (record.spec.allocators.length === 1) {
      round.status = 'skipped';
      round.reason = 'one allocator: its campaign already confirmed its best config against its defaults (see the child)';
      return;
    }
    const capable = this.roundWorkers(record, workers);
    if (capable.length === 0) {
      round.reason = `waiting for a live worker that loads all of ${record.spec.allocators.join(', ')}`;
      return;
    }
    const arms: FinalArm[] = [];
    round.notes = [];
    for (const { c, r } of mine) {
      const today = c.allocator === record.baseline_allocator;
      if (today && r.spec.baseline !== undefined) {
        // Today's setting, exactly as the child ran it; the allocator's defaults are one more arm.
        const trial = (await this.options.campaigns.trials(c.campaign_id)).find((t) => t.role === 'baseline');
        if (!trial) {
          round.status = 'failed';
          round.reason = `the ${c.allocator} campaign ${c.campaign_id} never measured its baseline`;
          return;
        }
        round.baseline = { arm: BASELINE_ARM, allocator: c.allocator, kind: 'defaults', config: trial.config, env: trial.env, campaign_id: c.campaign_id };
        arms.push({ arm: armId(c.allocator, 'defaults'), allocator: c.allocator, kind: 'defaults', config: defaultConfig(loadSpace(c.allocator, r.spec.space)), env: {}, campaign_id: c.campaign_id });
      } else {
        const defaults: FinalArm = { arm: today ? BASELINE_ARM : armId(c.allocator, 'defaults'), allocator: c.allocator, kind: 'defaults', config: r.baseline_config, env: {}, campaign_id: c.campaign_id };
        if (today) round.baseline = defaults;
        else arms.push(defaults);
      }
      if (r.state !== 'finished') {
        round.notes.push(`${c.allocator} campaign ${c.campaign_id} ${r.state} (${r.stop_reason ?? ''}): no tuned arm`);
        continue;
      }
      const full = await this.options.campaigns.record(c.campaign_id);
      const evidence = await buildExportEvidence(this.options.redis, full, await this.options.campaigns.leaderboard(c.campaign_id), await this.options.campaigns.trials(c.campaign_id), { variant: 'minimal' });
      if (!evidence.beats_baseline) {
        round.notes.push(`${c.allocator}: its campaign confirmed no config better than its defaults (${evidence.verdict})`);
        continue;
      }
      arms.push({ arm: armId(c.allocator, 'tuned'), allocator: c.allocator, kind: 'tuned', config: evidence.chosen.config, env: evidence.chosen.env, campaign_id: c.campaign_id });
    }
    round.arms = arms;
    round.status = 'running';
    delete round.reason;
    this.log(`tournament ${record.id}: final round${round.threads === null ? '' : ` at ${round.threads} threads`} on ${capable.join(', ')} with ${arms.map((a) => a.arm).join(', ')}`);
  }

  /** The live workers that carry the labels, load every allocator of the tournament and have what its workloads need. */
  private roundWorkers(record: TournamentRecord, workers: readonly WorkerInfo[]): string[] {
    const { spec } = record;
    return workers
      .filter((w) => spec.allocators.every((a) => workerMisfit(campaignNeeds({ worker_labels: spec.worker_labels, workloads: spec.workloads, allocator: a }), w) === undefined))
      .map((w) => w.name)
      .sort();
  }

  /** Bring in results; once a block set is measured, decide and queue the next blocks or end the round. */
  private async runRound(record: TournamentRecord, round: FinalRound, workers: readonly WorkerInfo[]): Promise<void> {
    await this.collectRound(record, round);
    if (round.trials.some((t) => t.state === 'queued')) {
      for (const { worker, blocks } of lostBlocks(round, new Set(workers.map((w) => w.name)))) {
        // A worker is gone: only its blocks' queued trials are withdrawn (those blocks are lost); the others go on.
        this.log(`tournament ${record.id}: final-round worker ${worker} gone, its block(s) ${blocks.join(', ')} lost`);
        await this.withdrawRound(record, round, worker);
        await this.event(record.id, 'final_round_blocks_lost', { threads: round.threads, worker, blocks });
      }
      return;
    }
    const capable = this.roundWorkers(record, workers);
    if (capable.length === 0) {
      round.reason = `waiting for a live worker that loads all of ${record.spec.allocators.join(', ')}`;
      return;
    }
    delete round.reason;
    const design = finalRoundDesign(record.spec);
    const decisions = decideRound(round, design);
    round.decided = newlyDecided(round.decided, decisions);
    const step = nextRoundStep(round, decisions, design);
    if (step.kind === 'done') {
      round.status = 'done';
      round.reason = step.reason;
      await this.event(record.id, 'final_round_done', { threads: round.threads, reason: step.reason, decided: round.decided });
      return;
    }
    const firstBlock = round.block_workers.length;
    const assigned = assignBlockWorkers(round.block_workers, step.count, capable);
    // Stored before any of their trials is queued: the labels of every queued trial are read from it.
    round.block_workers.push(...assigned);
    for (let b = firstBlock; b < firstBlock + step.count; b++) {
      for (const arm of blockOrder(step.arms, record.spec.seed, b)) await this.enqueue(record, round, arm, b);
    }
    const workersOf = assigned.map((worker, i) => ({ block: firstBlock + i, worker }));
    await this.event(record.id, 'final_round_blocks_queued', { threads: round.threads, blocks: [firstBlock, firstBlock + step.count - 1], arms: step.arms, workers: workersOf });
  }

  /** The queued job of a final-round trial: one repeat of the thread count's workloads, on its block's worker. */
  private jobFor(record: TournamentRecord, round: FinalRound, trial: FinalTrial): TrialJobInput {
    const source = trial.arm === BASELINE_ARM ? round.baseline : round.arms.find((a) => a.arm === trial.arm);
    if (!source) throw new Error(`final round has no arm ${trial.arm}`);
    const { spec } = record;
    return {
      campaign_id: record.id,
      trial_id: trial.trial_id,
      allocator: source.allocator,
      config: source.config,
      env: source.env,
      workloads: workloadsAt(spec.workloads, round.threads),
      // Each block is one pair per arm: one repeat, like a campaign's duel pairs.
      repeats: 1,
      seed: (spec.seed + Number(trial.trial_id.slice(1))) % 2 ** 31,
      steal_max_pct: spec.noise.steal_max_pct,
      steal_max_reruns: spec.noise.steal_max_reruns,
      ...(spec.noise.interference_max_slowdown_pct === undefined ? {} : { interference_max_slowdown_pct: spec.noise.interference_max_slowdown_pct }),
      worker_labels: this.labels(record, round, trial.block),
    };
  }

  private async enqueue(record: TournamentRecord, round: FinalRound, arm: string, block: number): Promise<void> {
    const trial: FinalTrial = { trial_id: await this.store.nextTrialId(record.id), arm, block, state: 'queued' };
    const job = this.jobFor(record, round, trial);
    // Recorded before it is queued, so that a restart finds it (and queues it again: the job id is fixed, so never twice).
    round.trials.push(trial);
    await this.store.update(record);
    await this.options.queue.enqueueTrial(job);
  }

  /**
   * Once per tournament and process: queue again every trial recorded as queued without a result
   * (the service may have stopped between recording and queueing it; a job already queued keeps its one copy).
   */
  private async requeueOnce(record: TournamentRecord): Promise<void> {
    if (this.requeued.has(record.id)) return;
    await this.collect(record);
    for (const round of record.rounds) {
      for (const t of round.trials) if (t.state === 'queued') await this.options.queue.enqueueTrial(this.jobFor(record, round, t));
    }
    this.requeued.add(record.id);
  }

  private async collect(record: TournamentRecord): Promise<void> {
    for (const round of record.rounds) await this.collectRound(record, round);
  }

  /** Look up the stored result of every queued trial of a round (workers store each once). */
  private async collectRound(record: TournamentRecord, round: FinalRound): Promise<void> {
    for (const t of round.trials) {
      if (t.state !== 'queued') continue;
      const result = await getTrialResult(this.options.redis, record.id, t.trial_id);
      if (!result) continue;
      const summary = result.summary[record.objective_key];
      if (result.status === 'completed' && summary && Number.isFinite(summary.mean)) {
        t.state = 'completed';
        t.value = centralValue(record.objective_key, summary);
      } else {
        t.state = 'failed';
        t.error = result.error?.message ?? `no ${record.objective_key} in the result`;
      }
    }
  }
}
