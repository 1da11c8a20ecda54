import type { DistillUntested } from '../../core/campaign-spec.js';
import type { Config, ConfigValue } from '../../core/config.js';
import type { NonInferiorityVerdict } from '../../stats/paired-non-inferiority.js';
import { DEFAULT_GROUP_POLICY, smallKnobGroup, type GroupPolicy } from './revert-groups.js';
import { judgeRevert, type RevertOutcome } from './revert-outcome.js';

/**
 * The distillation round as pure state: start from the confirmed winner, revert its changed knobs
 * to the baseline's effective value (the least important ones together first, see revert-groups.ts;
 * then one at a time, knobs behind a regressed guard first, then least important first), and keep
 * every revert that is non-inferior on the objective with the constraints still met. What is left is the
 * smallest config that still carries the gain. The caller measures each step (interleaved pairs of
 * the candidate against the current config on one worker) and feeds the verdict back.
 */
export interface DistillationState {
  /** What the baseline really runs with (options read back); a knob missing here counts as changed. */
  baseline: Readonly<Config>;
  /** The config being distilled: the winner with every accepted revert applied. */
  current: Config;
  /** Knobs still to try, in the order they will be tried. */
  remaining: string[];
  decisions: RevertDecision[];
  /** Why each knob was queued where it is. */
  order_reasons?: Record<string, string>;
  /** Knobs to revert together in the next step (cleared once it is decided; empty: none). */
  group?: string[];
}

/**
 * One revert to measure: `candidate` is `current` with `knobs` set back to the baseline's values.
 * `knob` names the step: the knob itself, or for a group its knobs joined by `+`.
 */
export interface RevertStep {
  knob: string;
  knobs: string[];
  /** The (first) knob's value in `current`. */
  from: ConfigValue;
  /** The baseline's value of the (first) knob; undefined when the baseline does not set it (the revert removes it). */
  to: ConfigValue | undefined;
  candidate: Config;
}

/** What was decided for one step, and on what evidence. */
export interface RevertDecision {
  knob: string;
  knobs: string[];
  from: ConfigValue;
  to: ConfigValue | undefined;
  outcome: RevertOutcome;
  /** True when the knobs stay at the winner's values (the revert was not taken: it carries gain, or could not be told). */
  kept: boolean;
  objective: NonInferiorityVerdict;
  constraints_met: boolean;
  reason: string;
}

/** Knobs whose value in `config` differs from the baseline's effective value, sorted by name. */
export function changedKnobs(config: Readonly<Config>, baseline: Readonly<Config>): string[] {
  return Object.keys(config)
    .filter((k) => !Object.hasOwn(baseline, k) || baseline[k] !== config[k])
    .sort();
}

/** A changed knob known or estimated to drive a guard the distilled config regresses. */
export interface GuardDriver {
  knob: string;
  /** The guard's summary key. */
  guard: string;
  /** Why it counts as a driver, e.g. "importance 0.62 on redis.set_ops_per_s". */
  why: string;
}

/**
 * A changed knob with a cost the objective does not show: its value is a known trap of the space
 * (`traps` on the knob), or it may drive a guard that is not shown to hold (regressed, inconclusive
 * or not measured). Tested early, and never kept untested by default (see {@link untestedRisks}).
 */
export interface KnobRisk {
  knob: string;
  /** In words a user reads, e.g. "tcache=false is a known throughput trap: tcache:false cost 18-29% SET/GET ops/s ...". */
  why: string;
  /**
   * Queued right after the guard drivers: a declared trap, whose cost is known. A knob only
   * suspected (a thread-cache knob while throughput goes unmeasured: tcache_max may grow the cache
   * as well as shrink it) keeps its importance place, and is only kept from being shipped untested.
   */
  early: boolean;
}

/**
 * The initial state: every changed knob of `winner` queued. Knobs in `drivers` (in the order given,
 * each once) go first, so a budget that runs out cannot leave the knob behind a guard's loss
 * untested; then the `early` knobs in `risks` (a trap value): their cost is one the campaign does
 * not show, so the one thing a step can tell about them (whether they carry any
 * of the gain) must not be what the budget runs out before, as `tcache:false` (a throughput trap)
 * was left untested behind least important knobs on a memory campaign whose throughput went
 * unmeasured (experiments/redis-trace/report.md). The rest follow least important first (importance is the knob's total-effect share; a
 * knob with no estimate counts as 0, ties by name) so the knobs most likely to carry nothing are
 * dropped before the ones that carry the gain are tested. `order_reasons` says why each is where it is.
 * Before them, the least important non-driver knobs are tried together once (`groupPolicy`, null: never).
 */
export function startDistillation(
  winner: Readonly<Config>,
  baseline: Readonly<Config>,
  importance: ReadonlyMap<string, number>,
  drivers: readonly GuardDriver[] = [],
  groupPolicy: GroupPolicy | null = DEFAULT_GROUP_POLICY,
  risks: readonly KnobRisk[] = [],
): DistillationState {
  const changed = changedKnobs(winner, baseline);
  const order_reasons: Record<string, string> = {};
  const first: string[] = [];
  for (const d of drivers) {
    if (!changed.includes(d.knob) || first.includes(d.knob)) continue;
    first.push(d.knob);
    order_reasons[d.knob] = `first: may drive the regressed guard ${d.guard} (${d.why})`;
  }
  for (const r of risks) {
    if (!r.early || !changed.includes(r.knob) || first.includes(r.knob)) continue;
    first.push(r.knob);
    order_reasons[r.knob] = `early, a cost the objective does not show: ${r.why}`;
  }
  const rest = changed.filter((k) => !first.includes(k)).sort((a, b) => (importance.get(a) ?? 0) - (importance.get(b) ?? 0) || a.localeCompare(b));
  for (const k of rest) order_reasons[k] = `least important first (importance ${(importance.get(k) ?? 0).toFixed(3)} on the objective)`;
  const group = groupPolicy ? smallKnobGroup(rest, changed, importance, groupPolicy) : [];
  return { baseline, current: { ...winner }, remaining: [...first, ...rest], decisions: [], order_reasons, group };
}

function isChanged(state: DistillationState, knob: string): boolean {
  const from = state.current[knob];
  return from !== undefined && !(Object.hasOwn(state.baseline, knob) && state.baseline[knob] === from);
}

function revertOf(state: DistillationState, knobs: readonly string[], validate: (c: Config) => Config): RevertStep {
  const raw: Config = { ...state.current };
  for (const k of knobs) {
    if (Object.hasOwn(state.baseline, k)) raw[k] = state.baseline[k] as ConfigValue;
    else delete raw[k];
  }
  const first = knobs[0] as string;
  return { knob: knobs.join('+'), knobs: [...knobs], from: state.current[first] as ConfigValue, to: state.baseline[first], candidate: validate(raw) };
}

/**
 * The next revert to measure, or undefined when the round is over: the first remaining knob, or
 * the pending group (its knobs still changed, at least 2) once the first remaining knob is in it. `validate` (the search space's
 * config validation) turns the candidate into a config the allocator can take, e.g. dropping a
 * child knob that the revert of its parent made inactive; a revert that changes nothing is skipped.
 */
export function nextRevert(state: DistillationState, validate: (c: Config) => Config = (c) => c): RevertStep | undefined {
  while (state.remaining.length > 0) {
    const knob = state.remaining[0] as string;
    if (!isChanged(state, knob)) {
      state.remaining.shift(); // an earlier revert already made it inactive or equal
      continue;
    }
    // The group comes once the knobs queued before it (guard drivers) have had their own steps.
    const group = (state.group ?? []).filter((k) => isChanged(state, k));
    if (group.includes(knob) && group.length >= 2) return revertOf(state, group, validate);
    if (group.length < 2) state.group = [];
    return revertOf(state, [knob], validate);
  }
  return undefined;
}

/**
 * Applies the measured verdict of `step` (`judged`: its outcome and reason, see judgeRevert; absent:
 * judged from the verdict alone). A `reverted` step is taken and its knobs leave the queue; a
 * single knob that carries gain or is inconclusive stays at the winner's value and leaves the
 * queue; a group that did not revert leaves its knobs queued, to be tried one at a time.
 */
export function recordRevert(
  state: DistillationState,
  step: RevertStep,
  objective: NonInferiorityVerdict,
  constraintsMet: boolean,
  judged?: { outcome: RevertOutcome; reason: string },
): RevertDecision {
  const j = judged ?? judgeRevert(objective, constraintsMet);
  const outcome = 'outcome' in j ? j.outcome : 'inconclusive';
  const accepted = outcome === 'reverted';
  const decision: RevertDecision = { knob: step.knob, knobs: step.knobs, from: step.from, to: step.to, outcome, kept: !accepted, objective, constraints_met: constraintsMet, reason: j.reason };
  if (accepted) state.current = step.candidate;
  if (accepted || step.knobs.length === 1) state.remaining = state.remaining.filter((k) => !step.knobs.includes(k));
  if (step.knobs.length > 1) state.group = [];
  state.decisions.push(decision);
  return decision;
}

/** A knob reverted without a step of its own: the budget ran out and it carries a risk. */
export interface UntestedRevert {
  knob: string;
  /** Its value in the distilled config before the revert. */
  from: ConfigValue;
  why: string;
}

/**
 * Ends the round for the knobs left `untested` under `policy`: `revert_traps` sets back to the
 * baseline every untested knob with a risk (`risks`: knob -> why, see {@link KnobRisk}), since no
 * step showed it carries any of the gain while its cost is declared or unmeasured; the caller then
 * confirms the config that results against the baseline. `keep` leaves them (they are reported
 * untested with their risk). Updates `state.current` (made whole by `validate`, as a step's
 * candidate is) and returns the reverts, in the order of `untested`.
 */
export function untestedRisks(
  state: DistillationState,
  untested: readonly string[],
  risks: Readonly<Record<string, string>>,
  policy: DistillUntested,
  validate: (c: Config) => Config = (c) => c,
): UntestedRevert[] {
  if (policy === 'keep') return [];
  const risky = untested.filter((k) => Object.hasOwn(risks, k) && isChanged(state, k));
  if (risky.length === 0) return [];
  const reverts = risky.map((k) => ({ knob: k, from: state.current[k] as ConfigValue, why: risks[k] as string }));
  state.current = revertOf(state, risky, validate).candidate;
  state.remaining = state.remaining.filter((k) => !risky.includes(k));
  return reverts;
}

/** The deployable part of the distilled config: only the knobs that differ from the baseline. */
export function minimalConfig(state: DistillationState): Config {
  return Object.fromEntries(changedKnobs(state.current, state.baseline).map((k) => [k, state.current[k] as ConfigValue]));
}
