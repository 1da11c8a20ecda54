import type { ExportEvidence } from '../../src/core/export-evidence.js';
import { mdTable, num } from './markdown.js';
import type { RawCampaign } from './raw-campaign.js';

/** A percentage that the evidence already states in percent (e.g. `-35.1`), signed, one decimal. */
const pc = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}%`);

/** `[low, high]` of two percent bounds, '–' when both are absent. */
const pcInterval = (low: number | null | undefined, high: number | null | undefined): string =>
  low === undefined && high === undefined ? '–' : `[${pc(low)}, ${pc(high)}]`;

/** A fraction as percent, keeping an absent or unbounded (null) end as it is. */
const asPct = (f: number | null | undefined): number | null | undefined => (f === null || f === undefined ? f : f * 100);

const value = (v: unknown): string => (v === undefined ? '(unset)' : `\`${String(v)}\``);

/** Trials of the distillation round, counted from the trial list (the record's own count is in the evidence). */
function distillTrials(raw: RawCampaign): number {
  return raw.trials.filter((t) => t.role === 'distill').length;
}

/** How many knobs the undistilled winner changed against what the baseline runs with. */
function winnerChanges(raw: RawCampaign): number | undefined {
  const d = raw.record.distillation;
  if (!d?.winner_config || !d.baseline_effective) return undefined;
  const effective = d.baseline_effective;
  return Object.entries(d.winner_config).filter(([k, v]) => !Object.hasOwn(effective, k) || effective[k] !== v).length;
}

function knobTable(ev: ExportEvidence): string {
  if (ev.knobs.length === 0) return 'The export sets no knob.';
  return mdTable(
    ['knob', 'exported value', 'baseline runs with', 'share of the gain [95% CI]', 'why distillation kept it'],
    ev.knobs.map((k) => [
      k.knob,
      value(k.value),
      value(k.baseline_value),
      k.share === undefined ? '–' : `${pc(k.share * 100, 0)} ${pcInterval(asPct(k.share_low), asPct(k.share_high))}`,
      k.distill_outcome === undefined ? '–' : `${k.distill_outcome.replace('_', ' ')}: ${k.distill_summary ?? ''}`,
    ]),
  );
}

type StepEvidence = NonNullable<ExportEvidence['distillation']>['steps'];

/** The step's outcome; evidence recorded before outcomes existed says kept or reverted only. */
function decision(s: StepEvidence[number]): string {
  const outcome = (s as Partial<StepEvidence[number]>).outcome;
  if (outcome === undefined) return s.kept ? 'kept' : 'reverted';
  const group = (s.knobs ?? []).length > 1 ? ` (group of ${s.knobs.length})` : '';
  return `${outcome.replace('_', ' ')}${group}`;
}

function stepTable(steps: StepEvidence, direction: 'min' | 'max'): string {
  if (steps.length === 0) return 'No revert step was measured.';
  // The evidence states the loss (positive = worse) and the interval of the relative change; a
  // loss is the change itself for a minimised objective and its negation for a maximised one.
  const change = (loss: number | null): number | null => (loss === null ? null : direction === 'min' ? loss : -loss);
  return mdTable(
    ['step', 'knob', 'distilled → baseline value', 'pairs', 'objective change when reverted [95% CI]', 'decision', 'reason', 'tried here because'],
    steps.map((s, i) => [String(i + 1), s.knob, `${value(s.from)} → ${value(s.to)}`, String(s.pairs), `${pc(change(s.loss_pct))} ${pcInterval(s.change_low_pct, s.change_high_pct)}`, decision(s), s.reason, s.order_reason ?? '–']),
  );
}

function guardTable(ev: ExportEvidence): string {
  if (ev.guards.length === 0) return 'No guard metric was declared.';
  return mdTable(
    ['guard', 'margin', 'paired change [95% CI]', 'pairs', 'verdict'],
    ev.guards.map((g) => [g.metric, `${num(g.margin_pct, 0)}%`, `${pc(g.change_pct)} ${pcInterval(g.change_low_pct, g.change_high_pct)}`, g.pairs === undefined ? '–' : String(g.pairs), g.summary]),
  );
}

/**
 * What the service recommends and why, from the export evidence alone: headline, the exported
 * (distilled) knobs with their shares, the distillation steps and their cost in trials, the guard
 * verdicts and reachability messages.
 */
export function recommendationSection(raw: RawCampaign): string {
  const ev = raw.exported;
  const d = ev.distillation;
  const before = winnerChanges(raw);
  const lines = [
    '### Recommendation (the export)',
    '',
    `- Headline: ${ev.recommendation?.headline ?? ev.verdict}`,
    `- Variant: ${ev.variant}; exported knobs: ${ev.knobs.length}${before === undefined ? '' : ` (the confirmed winner changed ${before} against what the baseline runs with)`}.`,
    `- Distillation: ${d ? `${d.status}${d.reason ? `: ${d.reason}` : ''}; ${d.trials} trials (${distillTrials(raw)} distill-role trials in the trial list)${d.confirmed === undefined ? '' : `; minimal config ${d.confirmed ? 'confirmed' : 'not confirmed'} against the baseline`}${d.not_fully_distilled === undefined ? '' : `; **${d.not_fully_distilled}**`}` : 'not run'}.`,
    '',
    knobTable(ev),
    '',
    stepTable(ev.distillation?.steps ?? [], raw.record.spec.objective.direction),
  ];
  // Exports from before references were distilled carry no `references`.
  for (const r of d?.references ?? []) {
    lines.push('', `Reference \`${r.arm}\` distilled (${r.status}): carries its gain: ${r.carries.join(', ') || 'none'}; contributes nothing: ${r.contributes_nothing.join(', ') || 'none'}. ${r.reason}`, '', stepTable(r.steps, raw.record.spec.objective.direction));
  }
  lines.push('', guardTable(ev));
  for (const r of ev.reachability) lines.push('', `Reachability of \`${r.metric}\` ${r.relation} ${num(r.limit, 2)}: ${r.message}`);
  return lines.join('\n');
}
