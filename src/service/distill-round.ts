import type { DistillationRecord, DistillStep, DuelSlot, PairedEvidence, ReferenceDistillation, TrialRecord } from '../core/campaign-record.js';
import type { Config, ConfigValue } from '../core/config.js';
import type { SearchSpace } from '../core/search-space.js';
import { judgeClaims } from '../optimizer/duel/paired-verdict.js';
import { planDuel } from '../optimizer/duel/duel-schedule.js';
import { minimalConfig, nextRevert, recordRevert, startDistillation, untestedRisks, type DistillationState, type GuardDriver, type KnobRisk } from '../optimizer/recommend/distillation.js';
import { knobVerdicts, knobsWith, stepKnobs, stepOutcome, verdictLine } from '../optimizer/recommend/distill-knob-verdicts.js';
import { judgeRevert } from '../optimizer/recommend/revert-outcome.js';
import { DEFAULT_GROUP_POLICY, type GroupPolicy } from '../optimizer/recommend/revert-groups.js';
import type { DistillSettings } from '../core/campaign-spec.js';
import { pairedNonInferiority, type NonInferiorityVerdict } from '../stats/paired-non-inferiority.js';
import { poolSummaries } from '../stats/pool-summaries.js';
import type { MetricSummary } from '../core/trial-result.js';
import { completeConfig, defaultConfig, isParameterActive, validateConfig } from '../spaces/index.js';
import { collectDuels } from './duel-plan.js';
import { minRelativeEffect, type Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { evaluateSummary } from './trial-evaluation.js';
import { chooseWinner } from './winner-choice.js';

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

/**
 * What the baseline runs with for every knob of the space, not only those `config` sets: a revert
 * that re-activates a child knob (tcache back on brings tcache_max) gives it the baseline's value,
 * and the minimal config must see that value as unchanged rather than as a knob the baseline lacks.
 */
export function baselineEffectiveAll(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], space: SearchSpace, config: Readonly<Config>): Config {
  return baselineEffective(record, trials, space, { ...defaultConfig(space), ...record.baseline_config, ...config });
}

/** Knobs of `config` that differ from what the baseline runs with (see {@link baselineEffective}). */
export function deployableChanges(config: Readonly<Config>, effective: Readonly<Config>): Config {
  return Object.fromEntries(Object.entries(config).filter(([k, v]) => !Object.hasOwn(effective, k) || effective[k] !== v));
}

/** The campaign's joint-revert policy (`distill.group_share_pct`, 0: no group step). */
function groupPolicy(record: ResolvedCampaignRecord): GroupPolicy | null {
  const pct = record.spec.distill.group_share_pct;
  return pct > 0 ? { ...DEFAULT_GROUP_POLICY, max_share: pct / 100 } : null;
}

/** The winner's record or a reference's: what the stepping functions work on. */
export type DistillSubject = DistillationRecord | ReferenceDistillation;

/** Guard drivers of one subject (see distill-guard-order.ts): its arm and changed knobs in, ordered drivers out. */
export type GuardDriversOf = (arm: string, changed: readonly string[]) => GuardDriver[];

/** Risks of one subject (see distill-risks.ts): its arm, config, changed knobs and guard drivers in, knobs with a hidden cost out. */
export type RisksOf = (arm: string, config: Readonly<Config>, changed: readonly string[], drivers: readonly GuardDriver[]) => KnobRisk[];

/** The subject's queue: guard drivers, then the other risky knobs, then least important first. */
function queueOf(record: ResolvedCampaignRecord, arm: string, config: Readonly<Config>, effective: Readonly<Config>, importance: ReadonlyMap<string, number>, driversOf: GuardDriversOf, risksOf: RisksOf) {
  const changed = Object.keys(deployableChanges(config, effective));
  const drivers = driversOf(arm, changed);
  const risks = risksOf(arm, config, changed, drivers);
  return { state: startDistillation(config, effective, importance, drivers, groupPolicy(record), risks), risks };
}

function started<T extends object>(base: T, state: DistillationState, importance: ReadonlyMap<string, number>, risks: readonly KnobRisk[]) {
  const own = risks.filter((r) => state.remaining.includes(r.knob));
  return {
    ...base,
    current: state.current,
    remaining: state.remaining,
    importance: Object.fromEntries(state.remaining.map((k) => [k, importance.get(k) ?? 0])),
    order_reasons: state.order_reasons ?? {},
    ...(state.group && state.group.length > 0 ? { group: state.group } : {}),
    ...(own.length > 0 ? { risks: Object.fromEntries(own.map((r) => [r.knob, r.why])) } : {}),
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
  risksOf: RisksOf,
  winnerArm: string,
): ReferenceDistillation[] {
  return board.rows
    .filter((r) => r.role === 'reference' && r.beats_baseline && r.arm !== winnerArm)
    .map((row): ReferenceDistillation => {
      const effective = baselineEffectiveAll(record, trials, space, row.config);
      const { state, risks } = queueOf(record, row.arm, row.config, effective, importance, driversOf, risksOf);
      const base = started({ arm: row.arm, config: row.config, baseline_effective: effective, carries: [], contributes_nothing: [], inconclusive: [] }, state, importance, risks);
      const only = state.remaining[0];
      if (state.remaining.length > 1) return { ...base, status: 'stepping' };
      const reason = only === undefined ? 'the reference changes no knob' : `the reference changes one knob only (${only}): it carries the gain`;
      return { ...base, status: 'skipped', reason, minimal: minimalConfig(state), carries: only === undefined ? [] : [only] };
    });
}

/**
 * The round's starting record: the confirmed winner's changed knobs queued (knobs behind a guard
 * the winner regresses first, see `driversOf`, then the other knobs with a cost the objective does
 * not show, see `risksOf`, then least important first), or a skipped round
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
  risksOf: RisksOf = () => [],
): DistillationRecord {
  // The config the export hands over (guard-aware, see winner-choice.ts), so the round distils that one.
  const winner = chooseWinner(record, board, trials)?.row;
  if (!winner) return { status: 'skipped', reason: 'nothing was confirmed better than the baseline', remaining: [], importance: {}, steps: [] };
  const effective = baselineEffectiveAll(record, trials, space, winner.config);
  const { state, risks } = queueOf(record, winner.arm, winner.config, effective, importance, driversOf, risksOf);
  const base = started({ winner_arm: winner.arm, winner_config: winner.config, baseline_effective: effective }, state, importance, risks);
  const references = startReferences(record, board, trials, space, importance, driversOf, risksOf, winner.arm);
  const withRefs = references.length > 0 ? { ...base, references } : base;
  if (state.remaining.length <= 1) {
    const only = state.remaining[0];
    return { ...withRefs, status: 'skipped', reason: only === undefined ? 'the winner changes no knob' : `the winner changes one knob only (${only}): nothing to drop`, minimal: minimalConfig(state) };
  }
  return { ...withRefs, status: 'stepping' };
}

function stateOf(d: DistillSubject): DistillationState {
  return { baseline: d.baseline_effective ?? {}, current: { ...(d.current ?? {}) }, remaining: [...d.remaining], decisions: [], group: [...(d.group ?? [])] };
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

/**
 * The largest loss a revert may cost and still be taken: `distill.margin_pct` when the user set it
 * ("keep reverts that cost under 3 %"), else the campaign's practical threshold.
 */
export function distillMargin(record: ResolvedCampaignRecord): number {
  const pct = record.spec.distill.margin_pct;
  return pct === undefined ? minRelativeEffect(record) : pct / 100;
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
  const untested = ref.remaining.filter((k) => Object.hasOwn(minimal, k));
  const verdicts = knobVerdicts(ref.steps, untested);
  const carries = knobsWith(verdicts, 'carries_gain');
  const nothing = knobsWith(verdicts, 'reverted');
  const unsure = knobsWith(verdicts, 'inconclusive');
  const parts = [
    `${ref.arm}: its gain is carried by ${carries.length > 0 ? carries.join(', ') : 'no single tested knob'}`,
    `contributes nothing: ${nothing.length > 0 ? nothing.join(', ') : 'none'}`,
    ...(unsure.length > 0 ? [`could not tell (per-pair noise too large for the margin): ${unsure.join(', ')}`] : []),
    ...(untested.length > 0 ? [`max_steps (${maxSteps}) reached for the round, untested: ${untested.join(', ')}`] : []),
  ];
  return { ...ref, status: 'done', minimal, carries, contributes_nothing: nothing, inconclusive: unsure, reason: parts.join('; ') };
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
  const recorded: DistillStep = { duel_id: duelId, knob: step.knob, knobs: step.knobs, from: step.from, candidate: step.candidate, current, pairs_planned: pairs };
  if (step.to !== undefined) recorded.to = step.to;
  const why = step.knobs.length > 1 ? groupReason(d, step.knobs) : d.order_reasons?.[step.knob];
  if (why !== undefined) recorded.order_reason = why;
  return { step: recorded, slots: slotsOf(duelId, { candidate: { config: step.candidate }, current: { config: current } }, 'candidate', 'current', pairs) };
}

/** Why a group is reverted together first: its knobs' share of the importance. */
function groupReason(d: DistillSubject, knobs: readonly string[]): string {
  const share = (k: string): number => Math.max(0, d.importance[k] ?? 0);
  const total = Object.keys(d.importance).reduce((s, k) => s + share(k), 0);
  const part = total > 0 ? knobs.reduce((s, k) => s + share(k), 0) / total : 0;
  return `first, together: the ${knobs.length} least important knobs hold ${(100 * part).toFixed(1)}% of the importance; one step drops them all if the joint revert holds`;
}

/**
 * More pairs for the open step: `pairs` pairs after the highest pair index its duel has (a lost
 * worker's re-run pairs included), alternating A B / B A as the first ones did.
 */
export function planStepExtension(d: DistillSubject, trials: readonly TrialRecord[], pairs: number): DistillSlot[] {
  const step = openStep(d);
  if (!step) return [];
  const start = trials.reduce((m, t) => (t.duel?.duel_id === step.duel_id ? Math.max(m, t.duel.pair_index + 1) : m), 0);
  const all = slotsOf(step.duel_id, { candidate: { config: step.candidate }, current: { config: step.current } }, 'candidate', 'current', start + pairs);
  return all.filter((s) => s.slot.pair_index >= start);
}

/** JSON keeps no infinities: non-finite numbers are stored as null. */
function stored(v: NonInferiorityVerdict): PairedEvidence {
  const f = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return {
    pairs: v.pairs,
    relative_change: f(v.relative_change),
    change_low: f(v.change_low),
    change_high: f(v.change_high),
    loss: f(v.loss),
    loss_upper: f(v.loss_upper),
    loss_lower: f(v.loss_lower),
    log_sd: f(v.log_sd),
    margin: v.margin,
    p_value: f(v.p_value),
    non_inferior: v.non_inferior,
    method: v.method,
  };
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

/** Pairs an undecided step adds at a time (see judgeRevert): small batches stop soon after the answer is clear. */
export const DISTILL_PAIRS_BATCH = 2;

/**
 * Judges the open step from its pairs: `reverted` when the reverted config is non-inferior to the
 * current one on the objective within the margin (see distillMargin; one-sided paired t test on log
 * ratios) and still meets every constraint, `carries_gain` when it is shown worse than the margin
 * or breaks a constraint, else more pairs (`more_pairs`, the step stays open with `pairs_planned`
 * raised) while `distill.max_pairs` can still decide, else `inconclusive`. Returns the updated record.
 */
export function decideDistillStep<T extends DistillSubject>(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], d: T): { next: T; more_pairs: number } {
  const step = openStep(d);
  if (!step) return { next: d, more_pairs: 0 };
  const { spec } = record;
  const duel = collectDuels(record, trials, { role: 'distill' }).find((x) => x.duel_id === step.duel_id);
  const verdict = pairedNonInferiority(duel?.a_values ?? [], duel?.b_values ?? [], { direction: spec.objective.direction, margin: distillMargin(record), alpha: spec.duel.alpha });
  const candidate = pooledArm(trials, step.duel_id, 'candidate');
  // No measurement is not a broken constraint: only a measured candidate can break one.
  const constraintsMet = Object.keys(candidate).length === 0 || evaluateSummary(spec, record.metrics, candidate).constraints.every((c) => c.met);
  const planned = step.pairs_planned ?? spec.distill.pairs;
  const failed = trials.filter((t) => t.role === 'distill' && t.duel?.duel_id === step.duel_id && t.state === 'failed');
  const judged = verdict.pairs < 2 && failed.length > 0 ? unmeasured(failed) : judgeRevert(verdict, constraintsMet, budgetOf(spec.distill, planned));
  if (judged.kind === 'more_pairs') {
    const grown: DistillStep = { ...step, pairs_planned: planned + judged.pairs, objective: stored(verdict), reason: `${judged.reason}; ${judged.pairs} more pairs` };
    return { next: { ...d, steps: [...d.steps.slice(0, -1), grown] }, more_pairs: judged.pairs };
  }
  const state = stateOf(d);
  const revert = { knob: step.knob, knobs: stepKnobs(step), from: step.from, to: step.to, candidate: step.candidate };
  const decision = recordRevert(state, revert, verdict, constraintsMet, judged);
  const decided: DistillStep = { ...step, outcome: decision.outcome, kept: decision.kept, constraints_met: constraintsMet, objective: stored(verdict), reason: decision.reason };
  const next = { ...d, current: state.current, remaining: state.remaining, steps: [...d.steps.slice(0, -1), decided] };
  if (state.group && state.group.length > 0) next.group = state.group;
  else delete next.group;
  return { next, more_pairs: 0 };
}

/**
 * A step whose trials failed before two pairs were measured: kept as it is, and said to be
 * unmeasured with the first failure's words (never judged as carrying the gain or breaking a constraint).
 */
function unmeasured(failed: readonly TrialRecord[]): { kind: 'decided'; outcome: 'inconclusive'; reason: string } {
  const first = failed.find((t) => t.error)?.error;
  const words = first ? `: ${first.code} ${first.message}` : '';
  return { kind: 'decided', outcome: 'inconclusive', reason: `not measured: ${failed.length} of its trials failed${words}` };
}

function budgetOf(settings: DistillSettings, planned: number): { planned: number; max_pairs: number; batch: number } {
  return { planned, max_pairs: Math.max(settings.max_pairs, settings.pairs), batch: DISTILL_PAIRS_BATCH };
}

/**
 * Ends the stepping: the knobs left untested, or whose step could not tell, that carry a risk are reverted under
 * `distill.untested: revert_traps` (see untestedRisks; `validate` makes the config whole, as for a
 * step), then the minimal config, and either its confirmation duel against the baseline, which so
 * judges the config the export hands over, or (no revert held) done. Reverting the risky knobs may
 * leave nothing of the winner: its gain then lies in them, so they are kept (untested, with their
 * risk named) as under `keep`.
 */
export function finishSteps(
  d: DistillationRecord,
  settings: Pick<DistillSettings, 'max_steps' | 'untested'>,
  validate: (c: Config) => Config = (c) => c,
): { next: DistillationRecord; confirm: boolean } {
  let state = stateOf(d);
  // Not shown to carry any of the gain: knobs never tried, and knobs whose own step could not tell.
  // Either way a risky one (a declared trap, a guard not shown to hold) is not shipped on the
  // strength of a step that decided nothing, as tcache:false was in the demo ("could not tell" with
  // throughput unmeasured).
  const unsure = d.steps.filter((s) => stepOutcome(s) === 'inconclusive' && stepKnobs(s).length === 1).map((s) => s.knob);
  const left = [...d.remaining, ...unsure].filter((k, i, all) => all.indexOf(k) === i && Object.hasOwn(minimalConfig(state), k));
  let reverted = untestedRisks(state, left, d.risks ?? {}, settings.untested, validate);
  let note = '';
  if (reverted.length > 0 && Object.keys(minimalConfig(state)).length === 0) {
    note = `; ${reverted.map((r) => r.knob).join(', ')} not reverted untested: that would leave nothing of the winner, so its gain lies there`;
    state = stateOf(d);
    reverted = [];
  }
  const minimal = minimalConfig(state);
  const untested = state.remaining.filter((k) => Object.hasOwn(minimal, k));
  const verdicts = knobVerdicts(d.steps, untested, { risks: d.risks ?? {}, reverted });
  const line = `${verdictLine(verdicts, settings.max_steps)}${note}`;
  const next: DistillationRecord = { ...d, current: state.current, remaining: state.remaining, minimal };
  if (reverted.length > 0) next.reverted_untested = reverted;
  if (knobsWith(verdicts, 'reverted').length === 0 && reverted.length === 0) {
    const all = knobsWith(verdicts, 'carries_gain').length === verdicts.length;
    const why = all ? 'every changed knob is shown to carry part of the gain; the confirmed winner is already minimal' : 'the confirmed winner is kept whole';
    return { next: { ...next, status: 'done', reason: `${line}: ${why}` }, confirm: false };
  }
  return { next: { ...next, status: 'confirming', reason: line, confirmation: { duel_id: MINIMAL_DUEL_ID } }, confirm: true };
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
    : `${d.reason ?? ''}; the minimal config did not confirm against the baseline (${why}): the export keeps the confirmed winner${keptUntested(d)}`;
  return { ...d, status: 'done', confirmation, reason };
}

/** What the confirmed winner ships that the failed minimal config had reverted for its risk (untried, or its step could not tell). */
function keptUntested(d: DistillationRecord): string {
  const r = d.reverted_untested ?? [];
  return r.length === 0 ? '' : `, which sets ${r.map((x) => `${x.knob}=${String(x.from)}`).join(', ')} without a step showing it carries any of the gain (${r.map((x) => x.why).join('; ')})`;
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
    // A group that did not hold decided nothing about its knobs (they were tried one at a time).
    if (s.kept !== true || !s.objective || stepKnobs(s).length > 1) return [];
    const value = d.minimal?.[s.knob] ?? s.from;
    const e = s.objective;
    const loss = e.loss ?? 0;
    const [low, high] = direction === 'min' ? [e.change_low, e.change_high] : [e.change_high === null ? null : -e.change_high, e.change_low === null ? null : -e.change_low];
    return [{ knob: s.knob, value, share: loss * scale, share_low: (low ?? Number.NEGATIVE_INFINITY) * scale, share_high: (high ?? Number.POSITIVE_INFINITY) * scale }];
  });
}
