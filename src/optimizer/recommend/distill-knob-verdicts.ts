import type { DistillStep, RevertOutcome } from '../../core/campaign-record.js';
import type { ConfigValue } from '../../core/config.js';

/** What the distillation round concluded for one changed knob, and where. */
export interface KnobVerdict {
  knob: string;
  /**
   * `untested`: the step budget ran out before the knob was tried on its own (kept);
   * `reverted_untested`: not shown to carry any of the gain (untried, or its step could not tell) and
   * set back to the baseline's value for its risk (distill.untested).
   */
  outcome: RevertOutcome | 'untested' | 'reverted_untested';
  /** Duel id of the step that decided it (a reverted group's step for each of its knobs). */
  step?: string;
  summary: string;
  /** Why an untested knob is a risk (a trap value, a guard not shown to hold), when it is one. */
  risk?: string;
}

/** Every knob a step reverts (older records have `knob` only). */
export function stepKnobs(s: Pick<DistillStep, 'knob' | 'knobs'>): string[] {
  return s.knobs ?? [s.knob];
}

/** A decided step's outcome; records written before outcomes existed had kept/not kept only. */
export function stepOutcome(s: Pick<DistillStep, 'outcome' | 'kept'>): RevertOutcome | undefined {
  if (s.outcome !== undefined) return s.outcome;
  return s.kept === undefined ? undefined : s.kept ? 'carries_gain' : 'reverted';
}

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '?' : `${(100 * v).toFixed(1)}%`);

/** What the round knows about the knobs no step decided: the risks (knob -> why) and the risky ones it reverted untested. */
export interface UntestedFacts {
  risks?: Readonly<Record<string, string>>;
  reverted?: readonly { knob: string; from: ConfigValue; why: string }[];
}

/**
 * One verdict per changed knob, from the decided steps in order and the knobs left `untested`: a
 * single step decides its knob; a group step that held reverts each of its knobs ("reverted with
 * the group in step s1, joint loss x% [low, high]"); a group step that did not hold decides nothing
 * (its knobs were then tried one at a time, or are untested). An untested knob's summary names its
 * risk (`facts.risks`); those reverted untested (`facts.reverted`) come last, with theirs.
 */
export function knobVerdicts(steps: readonly DistillStep[], untested: readonly string[], facts: UntestedFacts = {}): KnobVerdict[] {
  const out = new Map<string, KnobVerdict>();
  for (const s of steps) {
    const outcome = stepOutcome(s);
    if (outcome === undefined) continue;
    const knobs = stepKnobs(s);
    if (knobs.length > 1) {
      if (outcome !== 'reverted') continue;
      const e = s.objective;
      const [low, high] = e ? [e.loss_lower ?? null, e.loss_upper] : [null, null];
      for (const k of knobs) out.set(k, { knob: k, outcome, step: s.duel_id, summary: `reverted with the group in step ${s.duel_id} (${knobs.join(', ')}), joint loss ${pct(e?.loss)} [${pct(low)}, ${pct(high)}]` });
      continue;
    }
    const k = knobs[0] as string;
    out.set(k, { knob: k, outcome, step: s.duel_id, summary: s.reason ?? outcome });
  }
  for (const k of untested) {
    const risk = facts.risks?.[k];
    if (out.has(k)) continue;
    const summary = `kept untested: the step budget (max_steps) ran out${risk === undefined ? '' : `; not shown to carry any of the gain, yet ${risk}`}`;
    out.set(k, risk === undefined ? { knob: k, outcome: 'untested', summary } : { knob: k, outcome: 'untested', summary, risk });
  }
  for (const r of facts.reverted ?? []) {
    const stepped = out.get(r.knob);
    if (stepped !== undefined && stepped.outcome !== 'inconclusive') continue;
    const summary =
      stepped === undefined
        ? `reverted untested from ${String(r.from)} to the baseline's value: the step budget (max_steps) ran out before its step, no step showed it carries any of the gain, and ${r.why}`
        : `reverted from ${String(r.from)} to the baseline's value after its step ${stepped.step ?? ''} could not tell whether it carries any of the gain (${stepped.summary}), and ${r.why}`;
    out.set(r.knob, { knob: r.knob, outcome: 'reverted_untested', ...(stepped?.step === undefined ? {} : { step: stepped.step }), summary, risk: r.why });
  }
  return [...out.values()];
}

/** Knob names with outcome `o`. */
export function knobsWith(verdicts: readonly KnobVerdict[], o: KnobVerdict['outcome']): string[] {
  return verdicts.filter((v) => v.outcome === o).map((v) => v.knob);
}

/**
 * The round's conclusion in one line, keeping apart knobs shown to carry gain and knobs kept
 * because the noise was too large to tell: "reverted a, b; carry the gain: c; could not tell (noise
 * too large): d; max_steps (12) reached, kept untested: e" (`maxSteps` names the budget).
 */
export function verdictLine(verdicts: readonly KnobVerdict[], maxSteps?: number): string {
  const parts: string[] = [];
  const reverted = knobsWith(verdicts, 'reverted');
  const carries = knobsWith(verdicts, 'carries_gain');
  const unsure = knobsWith(verdicts, 'inconclusive');
  const untested = knobsWith(verdicts, 'untested');
  parts.push(reverted.length > 0 ? `reverted ${reverted.join(', ')}` : 'no revert held');
  if (carries.length > 0) parts.push(`shown to carry the gain: ${carries.join(', ')}`);
  if (unsure.length > 0) parts.push(`kept, could not tell (per-pair noise too large for the margin): ${unsure.join(', ')}`);
  const dropped = knobsWith(verdicts, 'reverted_untested');
  const reached = maxSteps === undefined ? '' : `max_steps (${maxSteps}) reached, `;
  if (untested.length > 0) parts.push(`${reached}kept untested: ${untested.join(', ')}`);
  // "max_steps reached" is said once, and only when a knob was left untried (a step that could not tell ran).
  const untried = verdicts.some((v) => v.outcome === 'reverted_untested' && v.step === undefined);
  if (dropped.length > 0) parts.push(`${untested.length > 0 || !untried ? '' : reached}reverted, not shown to carry any of the gain, for a known or unmeasured cost: ${dropped.join(', ')}`);
  return parts.join('; ');
}

/**
 * What a user must read next to the exported config about untested knobs with a risk: "reverted
 * untested (...): tcache (tcache=false is a known throughput trap: ...)" and, for those kept (under
 * `distill.untested: keep`), "kept untested despite a known or unmeasured cost: ..."; undefined when there is none.
 */
export function untestedRiskLine(verdicts: readonly KnobVerdict[]): string | undefined {
  const listed = (vs: readonly KnobVerdict[]): string => vs.map((v) => `${v.knob} (${v.risk ?? 'a known cost'})`).join('; ');
  const dropped = verdicts.filter((v) => v.outcome === 'reverted_untested' && v.step === undefined);
  const unsure = verdicts.filter((v) => v.outcome === 'reverted_untested' && v.step !== undefined);
  const kept = verdicts.filter((v) => v.outcome === 'untested' && v.risk !== undefined);
  const parts = [
    ...(dropped.length > 0 ? [`reverted untested (the step budget ran out before ${dropped.length === 1 ? 'its step' : 'their steps'}, and no step showed ${dropped.length === 1 ? 'it carries' : 'they carry'} any of the gain): ${listed(dropped)}`] : []),
    ...(unsure.length > 0 ? [`reverted after ${unsure.length === 1 ? 'its step' : 'their steps'} could not tell whether ${unsure.length === 1 ? 'it carries' : 'they carry'} any of the gain: ${listed(unsure)}`] : []),
    ...(kept.length > 0 ? [`kept untested despite a known or unmeasured cost: ${listed(kept)}`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** "not fully distilled: 3 knobs kept inconclusive, 1 untested", or undefined when every kept knob was shown to carry gain. */
export function notFullyDistilled(verdicts: readonly KnobVerdict[]): string | undefined {
  const unsure = knobsWith(verdicts, 'inconclusive').length;
  const untested = knobsWith(verdicts, 'untested').length;
  if (unsure + untested === 0) return undefined;
  const parts = [...(unsure > 0 ? [`${unsure} inconclusive`] : []), ...(untested > 0 ? [`${untested} untested`] : [])];
  return `not fully distilled: ${unsure + untested} knob${unsure + untested === 1 ? '' : 's'} kept ${parts.join(', ')} (${[...knobsWith(verdicts, 'inconclusive'), ...knobsWith(verdicts, 'untested')].join(', ')})`;
}
