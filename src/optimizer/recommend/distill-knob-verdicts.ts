import type { DistillStep, RevertOutcome } from '../../core/campaign-record.js';

/** What the distillation round concluded for one changed knob, and where. */
export interface KnobVerdict {
  knob: string;
  /** `untested`: the step budget ran out before the knob was tried on its own. */
  outcome: RevertOutcome | 'untested';
  /** Duel id of the step that decided it (a reverted group's step for each of its knobs). */
  step?: string;
  summary: string;
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

/**
 * One verdict per changed knob, from the decided steps in order and the knobs left `untested`: a
 * single step decides its knob; a group step that held reverts each of its knobs ("reverted with
 * the group in step s1, joint loss x% [low, high]"); a group step that did not hold decides nothing
 * (its knobs were then tried one at a time, or are untested).
 */
export function knobVerdicts(steps: readonly DistillStep[], untested: readonly string[]): KnobVerdict[] {
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
  for (const k of untested) if (!out.has(k)) out.set(k, { knob: k, outcome: 'untested', summary: 'kept untested: the step budget (max_steps) ran out' });
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
  if (untested.length > 0) parts.push(`${maxSteps === undefined ? '' : `max_steps (${maxSteps}) reached, `}kept untested: ${untested.join(', ')}`);
  return parts.join('; ');
}

/** "not fully distilled: 3 knobs kept inconclusive, 1 untested", or undefined when every kept knob was shown to carry gain. */
export function notFullyDistilled(verdicts: readonly KnobVerdict[]): string | undefined {
  const unsure = knobsWith(verdicts, 'inconclusive').length;
  const untested = knobsWith(verdicts, 'untested').length;
  if (unsure + untested === 0) return undefined;
  const parts = [...(unsure > 0 ? [`${unsure} inconclusive`] : []), ...(untested > 0 ? [`${untested} untested`] : [])];
  return `not fully distilled: ${unsure + untested} knob${unsure + untested === 1 ? '' : 's'} kept ${parts.join(', ')} (${[...knobsWith(verdicts, 'inconclusive'), ...knobsWith(verdicts, 'untested')].join(', ')})`;
}
