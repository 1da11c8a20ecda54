import type { Config, ConfigValue } from '../../core/config.js';
import type { NonInferiorityVerdict } from '../../stats/paired-non-inferiority.js';

/**
 * The distillation round as pure state: start from the confirmed winner, revert its changed knobs
 * to the baseline's effective value one at a time (knobs behind a regressed guard first, then least
 * important first), and keep every revert
 * that is non-inferior on the objective with the constraints still met. What is left is the
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
}

/** One revert to measure: `candidate` is `current` with `knob` set back to the baseline's value. */
export interface RevertStep {
  knob: string;
  from: ConfigValue;
  /** The baseline's value; undefined when the baseline does not set the knob (the revert removes it). */
  to: ConfigValue | undefined;
  candidate: Config;
}

/** What was decided for one knob, and on what evidence. */
export interface RevertDecision {
  knob: string;
  from: ConfigValue;
  to: ConfigValue | undefined;
  /** True when the knob stays at the winner's value (reverting it cost too much). */
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
 * The initial state: every changed knob of `winner` queued. Knobs in `drivers` (in the order given,
 * each once) go first, so a budget that runs out cannot leave the knob behind a guard's loss
 * untested; the rest follow least important first (importance is the knob's total-effect share; a
 * knob with no estimate counts as 0, ties by name) so the knobs most likely to carry nothing are
 * dropped before the ones that carry the gain are tested. `order_reasons` says why each is where it is.
 */
export function startDistillation(
  winner: Readonly<Config>,
  baseline: Readonly<Config>,
  importance: ReadonlyMap<string, number>,
  drivers: readonly GuardDriver[] = [],
): DistillationState {
  const changed = changedKnobs(winner, baseline);
  const order_reasons: Record<string, string> = {};
  const first: string[] = [];
  for (const d of drivers) {
    if (!changed.includes(d.knob) || first.includes(d.knob)) continue;
    first.push(d.knob);
    order_reasons[d.knob] = `first: may drive the regressed guard ${d.guard} (${d.why})`;
  }
  const rest = changed.filter((k) => !first.includes(k)).sort((a, b) => (importance.get(a) ?? 0) - (importance.get(b) ?? 0) || a.localeCompare(b));
  for (const k of rest) order_reasons[k] = `least important first (importance ${(importance.get(k) ?? 0).toFixed(3)} on the objective)`;
  return { baseline, current: { ...winner }, remaining: [...first, ...rest], decisions: [], order_reasons };
}

/**
 * The next revert to measure, or undefined when the round is over. `validate` (the search space's
 * config validation) turns the candidate into a config the allocator can take, e.g. dropping a
 * child knob that the revert of its parent made inactive; a revert that changes nothing is skipped.
 */
export function nextRevert(state: DistillationState, validate: (c: Config) => Config = (c) => c): RevertStep | undefined {
  while (state.remaining.length > 0) {
    const knob = state.remaining[0] as string;
    const from = state.current[knob];
    if (from === undefined || (Object.hasOwn(state.baseline, knob) && state.baseline[knob] === from)) {
      state.remaining.shift(); // an earlier revert already made it inactive or equal
      continue;
    }
    const to = Object.hasOwn(state.baseline, knob) ? state.baseline[knob] : undefined;
    const raw: Config = { ...state.current };
    if (to === undefined) delete raw[knob];
    else raw[knob] = to;
    return { knob, from, to, candidate: validate(raw) };
  }
  return undefined;
}

/** Applies the measured verdict of `step`: the revert is kept when non-inferior with constraints met. */
export function recordRevert(state: DistillationState, step: RevertStep, objective: NonInferiorityVerdict, constraintsMet: boolean): RevertDecision {
  const accepted = objective.non_inferior && constraintsMet;
  const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
  const reason = accepted
    ? `reverting costs ${pct(objective.loss)} (upper bound ${pct(objective.loss_upper)}), within the margin, constraints met`
    : !constraintsMet
      ? 'reverting breaks a constraint'
      : `reverting costs ${pct(objective.loss)} (upper bound ${pct(objective.loss_upper)}), beyond the margin or not shown (p ${objective.p_value.toPrecision(2)})`;
  const decision: RevertDecision = { knob: step.knob, from: step.from, to: step.to, kept: !accepted, objective, constraints_met: constraintsMet, reason };
  if (accepted) state.current = step.candidate;
  state.remaining = state.remaining.filter((k) => k !== step.knob);
  state.decisions.push(decision);
  return decision;
}

/** The deployable part of the distilled config: only the knobs that differ from the baseline. */
export function minimalConfig(state: DistillationState): Config {
  return Object.fromEntries(changedKnobs(state.current, state.baseline).map((k) => [k, state.current[k] as ConfigValue]));
}
