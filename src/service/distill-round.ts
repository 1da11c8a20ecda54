import type { DistillationRecord, DistillStep, DuelSlot, PairedEvidence, ReferenceDistillation, TrialRecord } from '../core/campaign-record.js';
import type { Config, ConfigValue } from '../core/config.js';
import type { SearchSpace } from '../core/search-space.js';
import { judgeClaims } from '../optimizer/duel/paired-verdict.js';
import { planDuel } from '../optimizer/duel/duel-schedule.js';
import { minimalConfig, nextRevert, recordRevert, startDistillation, type DistillationState, type GuardDriver } from '../optimizer/recommend/distillation.js';
import { pairedNonInferiority, type NonInferiorityVerdict } from '../stats/paired-non-inferiority.js';
import { poolSummaries } from '../stats/pool-summaries.js';
import type { MetricSummary } from '../core/trial-result.js';
import { completeConfig, isParameterActive, validateConfig } from '../spaces/index.js';
import { collectDuels } from './duel-plan.js';
import { minRelativeEffect, type Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { evaluateSummary } from './trial-evaluation.js';

/** Duel id of the final comparison of the minimal config with the baseline. */
export const MINIMAL_DUEL_ID = 'm1';

/** One trial to run for the round: the config, its environment when it is not encoded from it, its slot. */
export interface DistillSlot {
  config: Config;
  /** The baseline's own environment (an untouched baseline sets nothing). */
  env?: Record<string, string>;
  slot: DuelSlot;
}

function isValid(space: SearchSpace, config: Config): boolean {
  try {
    validateConfig(space, config);
    return true;
  } catch {
    return false;
  }
}

/**
 * What the baseline really runs with, for each knob of `config`: the value its trials read back
 * (allocator options) when the space accepts it, else the baseline's config. A knob whose value in
 * `config` equals the baseline's config is unchanged whatever was read back (the read-back may spell
 * a default such as `narenas:default` as the number it resolved to). A knob the baseline leaves
 * inactive (max_background_threads without background threads) counts as its default there: the
 * value it takes once active, so restating it is no change and reverting it sets it.
 */
export function baselineEffective(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], space: SearchSpace, config: Readonly<Config>): Config {
  const readBack = trials.find((t) => t.role === 'baseline' && t.effective_options)?.effective_options ?? {};
  const out: Config = {};
  for (const [k, v] of Object.entries(config)) {
    const own = record.baseline_config[k];
    const seen = readBack[k];
    if (own === v) out[k] = v;
    else if (seen !== undefined && isValid(space, { ...record.baseline_config, [k]: seen })) out[k] = seen;
    else if (own !== undefined) out[k] = own;
    else {
      const fallback = space.parameters.find((p) => p.name === k)?.default;
      if (fallback !== undefined) out[k] = fallback;
    }
  }
  return out;
}

/** Knobs of `config` that differ from what the baseline runs with (see {@link baselineEffective}). */
export function deployableChanges(config: Readonly<Config>, effective: Readonly<Config>): Config {
  return Object.fromEntries(Object.entries(config).filter(([k, v]) => !Object.hasOwn(effective, k) || effective[k] !== v));
}

/** The winner's record or a reference's: what the stepping functions work on. */
export type DistillSubject = DistillationRecord | ReferenceDistillation;

/** Guard drivers of one subject (see distill-guard-order.ts): its arm and changed knobs in, ordered drivers out. */
export type GuardDriversOf = (arm: string, changed: readonly string[]) => GuardDriver[];

function started<T extends object>(base: T, state: DistillationState, importance: ReadonlyMap<string, number>) {
  return {
    ...base,
    current: state.current,
    remaining: state.remaining,
    importance: Object.fromEntries(state.remaining.map((k) => [k, importance.get(k) ?? 0])),
    order_reasons: state.order_reasons ?? {},
    steps: [],
  };
}

/**
 * The confirmed references other than the winner, each queued like the winner (guard drivers
 * first, then least important first); one changing a single knob is skipped (that knob carries it).
 */
function startReferences(
  record: ResolvedCampaignRecord,
  board: Leaderboard,
  trials: readonly TrialRecord[],
  space: SearchSpace,
  importance: ReadonlyMap<string, number>,
  driversOf: GuardDriversOf,
  winnerArm: string,
): ReferenceDistillation[] {
  return board.rows
    .filter((r) => r.role === 'reference' && r.beats_baseline && r.arm !== winnerArm)
    .map((row): ReferenceDistillation => {
      const effective = baselineEffective(record, trials, space, row.config);
      const changed = Object.keys(deployableChanges(row.config, effective));
      const state = startDistillation(row.config, effective, importance, driversOf(row.arm, changed));
      const base = started({ arm: row.arm, config: row.config, baseline_effective: effective, carries: [], contributes_nothing: [] }, state, importance);
      const only = state.remaining[0];
      if (state.remaining.length > 1) return { ...base, status: 'stepping' };
      const reason = only === undefined ? 'the reference changes no knob' : `the reference changes one knob only (${only}): it carries the gain`;
      return { ...base, status: 'skipped', reason, minimal: minimalConfig(state), carries: only === undefined ? [] : [only] };
    });
}

/**
 * The round's starting record: the confirmed winner's changed knobs queued (knobs behind a guard
 * the winner regresses first, see `driversOf`, then least important first), or a skipped round
 * with its reason (nothing confirmed, or a single changed knob: nothing to drop); and every other
 * confirmed reference queued likewise, to be distilled after the winner.
 */
export function startDistill(
  record: ResolvedCampaignRecord,
  board: Leaderboard,
  trials: readonly TrialRecord[],
  space: SearchSpace,
  importance: ReadonlyMap<string, number>,
  driversOf: GuardDriversOf = () => [],
): DistillationRecord {
  const winner = board.rows.find((r) => r.beats_baseline);
  if (!winner) return { status: 'skipped', reason: 'nothing was confirmed better than the baseline', remaining: [], importance: {}, steps: [] };
  const effective = baselineEffective(record, trials, space, winner.config);
  const changed = Object.keys(deployableChanges(winner.config, effective));
  const state = startDistillation(winner.config, effective, importance, driversOf(winner.arm, changed));
  const base = started({ winner_arm: winner.arm, winner_config: winner.config, baseline_effective: effective }, state, importance);
  const references = startReferences(record, board, trials, space, importance, driversOf, winner.arm);
  const withRefs = references.length > 0 ? { ...base, references } : base;
  if (state.remaining.length <= 1) {
    const only = state.remaining[0];
    return { ...withRefs, status: 'skipped', reason: only === undefined ? 'the winner changes no knob' : `the winner changes one knob only (${only}): nothing to drop`, minimal: minimalConfig(state) };
  }
  return { ...withRefs, status: 'stepping' };
}

function stateOf(d: DistillSubject): DistillationState {
  return { baseline: d.baseline_effective ?? {}, current: { ...(d.current ?? {}) }, remaining: [...d.remaining], decisions: [] };
}

/** The revert the round would try next (nothing recorded), or undefined when none is left. */
export function hasNextRevert(d: DistillSubject): boolean {
  return nextRevert(stateOf(d)) !== undefined;
}

/** The step currently measured: the last one, until it has a decision. */
export function openStep(d: DistillSubject): DistillStep | undefined {
  const last = d.steps.at(-1);
  return last && last.kept === undefined ? last : undefined;
}

/** Revert steps the whole round has taken (winner and references): `distill.max_steps` caps this sum. */
export function stepsTaken(d: DistillationRecord): number {
  return d.steps.length + (d.references ?? []).reduce((n, r) => n + r.steps.length, 0);
}

/** Index of the reference being distilled (the first still stepping), once the winner is over. */
export function activeReference(d: DistillationRecord): number | undefined {
  if (d.status === 'stepping' || d.status === 'confirming') return undefined;
  const i = (d.references ?? []).findIndex((r) => r.status === 'stepping');
  return i < 0 ? undefined : i;
}

/** The record with reference `i` replaced. */
export function withReference(d: DistillationRecord, i: number, ref: ReferenceDistillation): DistillationRecord {
  return { ...d, references: (d.references ?? []).map((r, j) => (j === i ? ref : r)) };
}

/** Duel id prefix of reference `i`'s steps (`r1s1`, ...); the winner's are `s1`, ... */
export function referencePrefix(i: number): string {
  return `r${i + 1}`;
}

/**
 * Ends a reference's stepping: its minimal config, which knobs carry its gain (their revert cost
 * more than the margin) and which contribute nothing (their revert was non-inferior); knobs left
 * when the budget ran out are named untested.
 */
export function finishReference(ref: ReferenceDistillation, maxSteps: number): ReferenceDistillation {
  const minimal = minimalConfig(stateOf(ref));
  const carries = ref.steps.filter((s) => s.kept === true).map((s) => s.knob);
  const nothing = ref.steps.filter((s) => s.kept === false).map((s) => s.knob);
  const untested = ref.remaining.filter((k) => Object.hasOwn(minimal, k));
  const parts = [
    `${ref.arm}: its gain is carried by ${carries.length > 0 ? carries.join(', ') : 'no single tested knob'}`,
    `contributes nothing: ${nothing.length > 0 ? nothing.join(', ') : 'none'}`,
    ...(untested.length > 0 ? [`max_steps (${maxSteps}) reached for the round, untested: ${untested.join(', ')}`] : []),
  ];
  return { ...ref, status: 'done', minimal, carries, contributes_nothing: nothing, reason: parts.join('; ') };
}

function slotsOf(duelId: string, configs: Record<string, { config: Config; env?: Record<string, string> }>, a: string, b: string, pairs: number): DistillSlot[] {
  const plan = planDuel(a, b, pairs);
  return plan.slots.map((s) => {
    const arm = configs[s.config_id] as { config: Config; env?: Record<string, string> };
    const slot: DistillSlot = { config: arm.config, slot: { duel_id: duelId, pair_index: s.pair, side: s.config_id === a ? 'a' : 'b', arm: s.config_id } };
    if (arm.env) slot.env = arm.env;
    return slot;
  });
}

/**
 * A reverted config made whole again: knobs the revert made active (tcache_max once tcache is back
 * on) take `fallback`'s value (the baseline's config), knobs it made inactive are dropped, and the
 * rest is validated against the space.
 */
export function settleConfig(space: SearchSpace, config: Readonly<Config>, fallback: Readonly<Config>): Config {
  const merged: Config = {};
  for (const p of space.parameters) {
    if (!isParameterActive(p, merged)) continue;
    const v = config[p.name] ?? fallback[p.name];
    if (v !== undefined) merged[p.name] = v;
  }
  return completeConfig(space, merged);
}

/**
 * Plans the next revert step: the step as recorded (undecided) and its interleaved A B / B A pairs,
 * candidate `a` against current `b`. `fallback` (the baseline's config) fills knobs a revert makes active.
 */
export function planDistillStep(
  d: DistillSubject,
  space: SearchSpace,
  pairs: number,
  fallback: Readonly<Config>,
  prefix = '',
): { step: DistillStep; slots: DistillSlot[] } | undefined {
  const step = nextRevert(stateOf(d), (c) => settleConfig(space, c, fallback));
  if (!step) return undefined;
  const duelId = `${prefix}s${d.steps.length + 1}`;
  const current = d.current ?? {};
  const recorded: DistillStep = { duel_id: duelId, knob: step.knob, from: step.from, candidate: step.candidate, current };
  if (step.to !== undefined) recorded.to = step.to;
  const why = d.order_reasons?.[step.knob];
  if (why !== undefined) recorded.order_reason = why;
  return { step: recorded, slots: slotsOf(duelId, { candidate: { config: step.candidate }, current: { config: current } }, 'candidate', 'current', pairs) };
}

/** JSON keeps no infinities: non-finite numbers are stored as null. */
function stored(v: NonInferiorityVerdict): PairedEvidence {
  const f = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return { pairs: v.pairs, relative_change: f(v.relative_change), change_low: f(v.change_low), change_high: f(v.change_high), loss: f(v.loss), loss_upper: f(v.loss_upper), p_value: f(v.p_value), non_inferior: v.non_inferior, method: v.method };
}

/** Pooled summaries of the completed trials of one arm of one paired duel. */
function pooledArm(trials: readonly TrialRecord[], duelId: string, arm: string): Record<string, MetricSummary> {
  const byKey = new Map<string, MetricSummary[]>();
  for (const t of trials) {
    if (t.duel?.duel_id !== duelId || t.duel.arm !== arm || t.state !== 'completed') continue;
    for (const [k, s] of Object.entries(t.summary ?? {})) byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const out: Record<string, MetricSummary> = {};
  for (const [k, parts] of byKey) {
    const p = poolSummaries(parts);
    if (p) out[k] = p;
  }
  return out;
}

/**
 * Decides the open step from its pairs: the revert is kept when the reverted config is
 * non-inferior to the current one on the objective at the campaign's practical threshold (one-sided
 * paired t test on log ratios) and still meets every constraint. Returns the updated record.
 */
export function decideDistillStep<T extends DistillSubject>(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], d: T): T {
  const step = openStep(d);
  if (!step) return d;
  const { spec } = record;
  const duel = collectDuels(record, trials, { role: 'distill' }).find((x) => x.duel_id === step.duel_id);
  const verdict = pairedNonInferiority(duel?.a_values ?? [], duel?.b_values ?? [], { direction: spec.objective.direction, margin: minRelativeEffect(record), alpha: spec.duel.alpha });
  const constraintsMet = evaluateSummary(spec, record.metrics, pooledArm(trials, step.duel_id, 'candidate')).constraints.every((c) => c.met);
  const state = stateOf(d);
  const revert = { knob: step.knob, from: step.from, to: step.to, candidate: step.candidate };
  const decision = recordRevert(state, revert, verdict, constraintsMet);
  const decided: DistillStep = { ...step, kept: decision.kept, constraints_met: constraintsMet, objective: stored(verdict), reason: decision.reason };
  return { ...d, current: state.current, remaining: state.remaining, steps: [...d.steps.slice(0, -1), decided] };
}

/** Ends the stepping: the minimal config, and either its confirmation duel against the baseline or (no revert held) done. */
export function finishSteps(
  d: DistillationRecord,
  maxSteps: number,
): { next: DistillationRecord; confirm: boolean } {
  const state = stateOf(d);
  const minimal = minimalConfig(state);
  const untested = d.remaining.filter((k) => Object.hasOwn(minimal, k));
  const capped = untested.length > 0 ? `; max_steps (${maxSteps}) reached, kept untested: ${untested.join(', ')}` : '';
  const reverted = d.steps.filter((s) => s.kept === false).map((s) => s.knob);
  if (reverted.length === 0) {
    return { next: { ...d, status: 'done', minimal, reason: `no revert held: every changed knob carries part of the gain; the confirmed winner is already minimal${capped}` }, confirm: false };
  }
  return { next: { ...d, status: 'confirming', minimal, reason: `reverted ${reverted.join(', ')}${capped}`, confirmation: { duel_id: MINIMAL_DUEL_ID } }, confirm: true };
}

/** Slots of the minimal config (side a, run as `current`) against the baseline (its own trial's environment). */
export function planMinimalConfirmation(d: DistillationRecord, baseline: TrialRecord, pairs: number): DistillSlot[] {
  return slotsOf(MINIMAL_DUEL_ID, { minimal: { config: d.current ?? {} }, baseline: { config: baseline.config, env: baseline.env } }, 'minimal', 'baseline', pairs);
}

/**
 * Judges the minimal config against the baseline with the confirmation round's claim test (one
 * claim; Wilcoxon signed-rank at `duel.alpha` with the practical threshold) and its constraints.
 */
export function decideMinimalConfirmation(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], d: DistillationRecord): DistillationRecord {
  const { spec } = record;
  const duel = collectDuels(record, trials, { role: 'distill' }).find((x) => x.duel_id === MINIMAL_DUEL_ID);
  const [verdict] = judgeClaims([{ id: 'minimal', candidate: duel?.a_values ?? [], baseline: duel?.b_values ?? [] }], {
    objective: spec.objective,
    alpha: spec.duel.alpha,
    min_relative_effect: minRelativeEffect(record),
  });
  const feasible = evaluateSummary(spec, record.metrics, pooledArm(trials, MINIMAL_DUEL_ID, 'minimal')).feasible;
  const confirmed = verdict?.better_than_baseline === true && feasible;
  const why = verdict === undefined ? 'no pairs measured' : !feasible ? 'the minimal config breaks a constraint' : verdict.reason;
  const confirmation = {
    duel_id: MINIMAL_DUEL_ID,
    pairs: verdict?.pairs ?? 0,
    relative_effect: verdict?.relative_effect ?? 0,
    p_value: verdict?.p_adjusted ?? 1,
    confirmed,
    reason: why,
  };
  const reason = confirmed
    ? `${d.reason ?? ''}; the minimal config is confirmed against the baseline (${why})`
    : `${d.reason ?? ''}; the minimal config did not confirm against the baseline (${why}): the export keeps the confirmed winner`;
  return { ...d, status: 'done', confirmation, reason };
}

/** A kept knob's share of the gain, with its interval. */
export interface KnobShare {
  knob: string;
  value: ConfigValue;
  share: number;
  share_low: number;
  share_high: number;
}

/**
 * Each kept knob's measured share of the minimal config's gain: the loss measured when reverting it
 * (relative to the config it was reverted from, with its interval) over the minimal config's gain
 * against the baseline, both put in the baseline's units (for 'min', an absolute loss l*m over an
 * absolute gain g*b with m = (1 - g) b gives l (1 - g) / g; for 'max', l (1 + g) / g). The reverts
 * were measured against configs that still held later-tested knobs, so shares need not sum to 1.
 */
export function knobShares(d: DistillationRecord, direction: 'min' | 'max'): KnobShare[] {
  const gain = d.confirmation?.relative_effect;
  if (gain === undefined || !(gain > 0)) return [];
  const scale = (direction === 'min' ? 1 - gain : 1 + gain) / gain;
  return d.steps.flatMap((s): KnobShare[] => {
    if (s.kept !== true || !s.objective) return [];
    const value = d.minimal?.[s.knob] ?? s.from;
    const e = s.objective;
    const loss = e.loss ?? 0;
    const [low, high] = direction === 'min' ? [e.change_low, e.change_high] : [e.change_high === null ? null : -e.change_high, e.change_low === null ? null : -e.change_low];
    return [{ knob: s.knob, value, share: loss * scale, share_low: (low ?? Number.NEGATIVE_INFINITY) * scale, share_high: (high ?? Number.POSITIVE_INFINITY) * scale }];
  });
}
