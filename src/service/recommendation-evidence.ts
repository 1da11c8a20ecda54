import type { DistillationRecord, DistillStep, TrialRecord } from '../core/campaign-record.js';
import type { Config } from '../core/config.js';
import type { DistillEvidence, GuardEvidence, KnobEvidence, ReachEvidence } from '../core/export-evidence.js';
import { guardWantsPairs, judgeGuards, type GuardVerdict, type PairedValues } from '../optimizer/recommend/guard-verdicts.js';
import { assessReachability, type ConstraintReach } from '../optimizer/recommend/reachability.js';
import { knobVerdicts, notFullyDistilled, stepKnobs, stepOutcome, untestedRiskLine, type KnobVerdict } from '../optimizer/recommend/distill-knob-verdicts.js';
import { minimalConfig } from '../optimizer/recommend/distillation.js';
import { knobShares } from './distill-round.js';
import { collectDuels } from './duel-plan.js';
import { campaignGuards } from './guard-catalogue.js';
import type { Leaderboard } from './leaderboard.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { absoluteConstraints } from './trial-evaluation.js';

/** Percent, or null for a non-finite value (JSON has no infinities). */
function pct(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : 100 * v;
}

/**
 * Every constraint checked against every config the campaign measured (leaderboard arms: baseline,
 * references, explored configs), see assessReachability. Constraints relative to a baseline not
 * yet measured are left out.
 */
export function campaignReachability(record: ResolvedCampaignRecord, board: Leaderboard): ConstraintReach[] {
  const configs = board.rows.map((r) => ({ trial_id: r.arm, role: r.role, metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, m.mean])) }));
  return assessReachability(absoluteConstraints(record.spec, record.metrics, true), configs);
}

/** The reachability of each constraint as the export states it. */
export function reachEvidence(reach: readonly ConstraintReach[]): ReachEvidence[] {
  return reach.map((r) => {
    const e: ReachEvidence = { metric: r.metric, relation: r.relation, limit: r.limit, met_by: r.met_by, measured: r.measured, shortfall: r.shortfall, message: r.message };
    if (r.baseline_value !== undefined) e.baseline_value = r.baseline_value;
    if (r.floor) e.floor = r.floor.value;
    return e;
  });
}

/**
 * Each guard of the campaign judged on the paired runs of `arm` against the baseline in duel
 * trials of `role` (the confirmation round, or the minimal config's duel `m1`); a guard the
 * workload does not measure says why.
 */
export function guardVerdicts(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], arm: string, role: 'duel' | 'distill'): { verdicts: GuardVerdict[]; evidence: GuardEvidence[] } {
  const guards = campaignGuards(record.spec, record.metrics.objective);
  const pairs = new Map<string, PairedValues>();
  for (const g of guards) {
    const duels = collectDuels(record, trials, { role, key: g.key }).filter((d) => d.a === arm && d.b === 'baseline');
    pairs.set(g.key, { candidate: duels.flatMap((d) => d.a_values), baseline: duels.flatMap((d) => d.b_values) });
  }
  const verdicts = judgeGuards(
    guards.map((g) => ({ metric: g.key, direction: g.direction, margin: g.margin })),
    pairs,
  ).map((v, i) => {
    const why = guards[i]?.not_measured_because;
    return v.status === 'not_measured' && why !== undefined ? { ...v, summary: `${v.summary} (${why})` } : v;
  });
  const evidence = verdicts.map((v, i): GuardEvidence => {
    const g = guards[i];
    const e: GuardEvidence = { metric: v.metric, direction: g?.direction ?? 'max', margin_pct: 100 * v.margin, status: v.status, summary: v.summary };
    if (v.evidence) {
      e.change_pct = pct(v.evidence.relative_change);
      e.change_low_pct = pct(v.evidence.change_low);
      e.change_high_pct = pct(v.evidence.change_high);
      e.pairs = v.evidence.pairs;
    }
    return e;
  });
  return { verdicts, evidence };
}

/**
 * Whether a guard of `arm` still wants confirmation pairs (see guardWantsPairs): too few pairs for
 * a verdict (GUARD_MIN_PAIRS), or undecided while `duel.confirm.max_pairs` could still decide it.
 */
export function guardsNeedPairs(record: ResolvedCampaignRecord, trials: readonly TrialRecord[], arm: string): boolean {
  return guardVerdicts(record, trials, arm, 'duel').verdicts.some((v) => guardWantsPairs(v, record.spec.duel.confirm.max_pairs));
}

/** The decided steps of one distilled subject as the export states them. */
function stepEvidence(steps: readonly DistillStep[]): DistillEvidence['steps'] {
  return steps.flatMap((s) => {
    const outcome = stepOutcome(s);
    if (s.kept === undefined || outcome === undefined || !s.objective) return [];
    const step: DistillEvidence['steps'][number] = {
      knob: s.knob,
      knobs: stepKnobs(s),
      outcome,
      from: s.from,
      kept: s.kept,
      loss_pct: pct(s.objective.loss),
      change_pct: pct(s.objective.relative_change),
      change_low_pct: pct(s.objective.change_low),
      change_high_pct: pct(s.objective.change_high),
      pairs: s.objective.pairs,
      reason: s.reason ?? '',
    };
    const sd = s.objective.log_sd;
    if (sd !== undefined) step.spread_pct = sd === null ? null : pct(Math.expm1(sd));
    if (s.objective.margin !== undefined) step.margin_pct = 100 * s.objective.margin;
    if (s.to !== undefined) step.to = s.to;
    if (s.order_reason !== undefined) step.order_reason = s.order_reason;
    return [step];
  });
}

/** The distillation round as the export states it: the winner's steps, then each confirmed reference's. */
export function distillEvidence(d: DistillationRecord, trials: readonly TrialRecord[]): DistillEvidence {
  const verdicts = winnerVerdicts(d);
  const e: DistillEvidence = {
    status: d.status,
    reason: d.reason ?? '',
    trials: trials.filter((t) => t.role === 'distill').length,
    steps: stepEvidence(d.steps),
    references: (d.references ?? []).map((r) => ({
      arm: r.arm,
      status: r.status,
      reason: r.reason ?? '',
      carries: r.carries,
      contributes_nothing: r.contributes_nothing,
      inconclusive: r.inconclusive,
      steps: stepEvidence(r.steps),
    })),
    knobs: verdicts.map((v) => (v.step === undefined ? { knob: v.knob, outcome: v.outcome, summary: v.summary } : { knob: v.knob, outcome: v.outcome, step: v.step, summary: v.summary })),
  };
  const risky = untestedRiskLine(verdicts);
  if (risky !== undefined && d.status === 'done') e.untested_risks = risky;
  const partial = notFullyDistilled(verdicts);
  if (partial !== undefined && d.status === 'done') e.not_fully_distilled = partial;
  if (d.confirmation?.confirmed !== undefined) e.confirmed = d.confirmation.confirmed;
  return e;
}

/**
 * What the round concluded for each changed knob of the winner (knobs still queued once the round
 * is over are untested; while it runs, they are simply not reported yet).
 */
export function winnerVerdicts(d: DistillationRecord): KnobVerdict[] {
  const over = d.status === 'done' || d.status === 'confirming';
  const current = minimalConfig({ baseline: d.baseline_effective ?? {}, current: d.current ?? {}, remaining: [], decisions: [] });
  const facts = { risks: d.risks ?? {}, reverted: over ? (d.reverted_untested ?? []) : [] };
  return knobVerdicts(d.steps, over ? d.remaining.filter((k) => Object.hasOwn(current, k)) : [], facts);
}

/**
 * Each knob of the exported config with the baseline's value, (after distillation, `d`) its share
 * of the gain, and (`verdicts`, see winnerVerdicts) why the round kept it: shown to carry gain,
 * inconclusive (noise too large to tell) or untested.
 */
export function knobEvidence(
  config: Readonly<Config>,
  effective: Readonly<Config>,
  d: DistillationRecord | undefined,
  direction: 'min' | 'max',
  verdicts: readonly KnobVerdict[] = d ? winnerVerdicts(d) : [],
): KnobEvidence[] {
  const shares = new Map((d ? knobShares(d, direction) : []).map((s) => [s.knob, s]));
  const kept = new Map(verdicts.map((v) => [v.knob, v]));
  return Object.entries(config)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([knob, value]) => {
      const e: KnobEvidence = { knob, value };
      const base = effective[knob];
      if (base !== undefined) e.baseline_value = base;
      const share = shares.get(knob);
      if (share) {
        e.share = share.share;
        e.share_low = Number.isFinite(share.share_low) ? share.share_low : null;
        e.share_high = Number.isFinite(share.share_high) ? share.share_high : null;
      }
      const v = kept.get(knob);
      if (v?.outcome === 'reverted_untested') {
        // In the exported config only when the minimal config that reverted it did not confirm.
        e.distill_outcome = 'untested';
        e.distill_summary = `untested and shipped with the confirmed winner (the minimal config that reverted it did not confirm): ${v.risk ?? v.summary}`;
      } else if (v && v.outcome !== 'reverted') {
        e.distill_outcome = v.outcome;
        e.distill_summary = v.summary;
      }
      return e;
    });
}
