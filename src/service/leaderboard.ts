import type { TrialRecord } from '../core/campaign-record.js';
import type { MetricEvidence } from '../core/export-evidence.js';
import type { ConstraintStatus, Leaderboard, LeaderboardRow } from '../core/leaderboard-record.js';
import type { MetricSummary } from '../core/trial-result.js';
import { cutShortNote } from '../core/cut-short.js';
import { BradleyTerry } from '../optimizer/duel/bradley-terry.js';
import { judgeClaims, type ClaimVerdict } from '../optimizer/duel/paired-verdict.js';
import { minRelativeEffect } from './min-relative-effect.js';
import { confirmationProgress, type DuelProgress } from './confirmation-progress.js';
import { recordPairs } from '../optimizer/duel/score-pairs.js';
import { collectDuels } from './duel-plan.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { metricEvidence } from './metric-evidence.js';
import { evaluateSummary, metricsAtFidelity } from './trial-evaluation.js';
import { poolSummaries } from '../stats/pool-summaries.js';

export type { ConstraintStatus, Leaderboard, LeaderboardRow } from '../core/leaderboard-record.js';

/** Which arm a trial measures. */
export function armOf(trial: TrialRecord, labels: ReadonlyMap<string, string>): string {
  if (trial.role === 'baseline' || trial.role === 'placebo') return trial.role;
  if (trial.role === 'reference') return trial.reference ?? '?';
  if (trial.role === 'duel') return trial.duel?.arm ?? '?';
  return labels.get(trial.config_key) ?? trial.trial_id;
}

/** Label of each explored config: the id of its first trial. */
export function exploreLabels(trials: Iterable<TrialRecord>): Map<string, string> {
  const labels = new Map<string, string>();
  for (const t of trials) if (t.role === 'explore' && !labels.has(t.config_key)) labels.set(t.config_key, t.trial_id);
  return labels;
}

export { minRelativeEffect } from './min-relative-effect.js';

/** A sequential duel's state as the claim verdict of its challenger. */
function sequentialVerdict(p: DuelProgress): ClaimVerdict {
  return {
    id: p.a,
    pairs: p.pairs,
    relative_effect: p.relative_effect,
    p_value: p.p_unadjusted,
    p_adjusted: p.p,
    better_than_baseline: p.action === 'claim',
    reason: p.reason,
    test: `sequential (${p.test === 't' ? 'paired t on log ratios' : 'Wilcoxon signed-rank'} at the last look, alpha spent over looks, Holm over claims)`,
    rule: 'sequential',
    action: p.action,
    look: p.look,
  };
}

/**
 * Rank a campaign's configs: configs confirmed better than the baseline first, then feasible ones by
 * duel rating (when dueled) and by objective mean, then infeasible and failed ones.
 */
export function buildLeaderboard(record: ResolvedCampaignRecord, trials: readonly TrialRecord[]): Leaderboard {
  const { spec } = record;
  const labels = exploreLabels(trials);
  const arms = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    // Distillation pairs compare the winner with its own reverts: its record has them, not the board.
    if (t.role === 'distill') continue;
    const arm = armOf(t, labels);
    const list = arms.get(arm) ?? [];
    list.push(t);
    arms.set(arm, list);
  }

  const minEffect = minRelativeEffect(record);
  const duels = collectDuels(record, trials);
  // Only dueled arms are rated: the fit is a dense Newton solve over the rated arms.
  const ratings = new BradleyTerry();
  for (const d of duels) recordPairs(ratings, d, spec.objective, minEffect);
  const rated = new Map(duels.length > 0 ? ratings.ratings('baseline').map((r) => [r.id, r]) : []);
  const againstBaseline = duels.filter((d) => d.b === 'baseline' && d.a_values.length > 0);
  const verdicts = new Map(
    spec.duel.confirm.rule === 'sequential'
      ? confirmationProgress(record, againstBaseline).map((p): [string, ClaimVerdict] => [p.a, sequentialVerdict(p)])
      : judgeClaims(
          againstBaseline.map((d) => ({ id: d.a, candidate: d.a_values, baseline: d.b_values })),
          { objective: spec.objective, alpha: spec.duel.alpha, min_relative_effect: minEffect },
        ).map((v) => [v.id, v]),
  );
  const placeboAlarm = verdicts.get('placebo')?.better_than_baseline === true;

  /** Arms ranked on the explore objective: never compared by value with those on the campaign's. */
  const lowOnly = new Set<string>();
  const rows: LeaderboardRow[] = [...arms.entries()].map(([arm, list]) => {
    const first = list.find((t) => t.role !== 'duel') ?? (list[0] as TrialRecord);
    const byMetric = new Map<string, MetricSummary[]>();
    // Never pool fidelities: once an arm has full-fidelity measurements (duels), its low-fidelity exploration trials step aside.
    const full = list.filter((t) => t.state === 'completed' && t.fidelity !== 'low');
    for (const t of full.length > 0 ? full : list) {
      if (t.state !== 'completed' || !t.summary) continue;
      for (const [k, s] of Object.entries(t.summary)) byMetric.set(k, [...(byMetric.get(k) ?? []), s]);
    }
    const pooled: Record<string, MetricSummary> = {};
    for (const [k, parts] of byMetric) {
      const p = poolSummaries(parts);
      if (p) pooled[k] = p;
    }
    const metrics: Record<string, MetricEvidence> = Object.fromEntries(Object.entries(pooled).map(([k, p]) => [k, metricEvidence(k, p)]));
    // An arm known only from exploration is judged as the sampler judged it (metricsAtFidelity).
    const judging = metricsAtFidelity(record.metrics, full.length > 0 ? undefined : 'low');
    const evaluation = evaluateSummary(spec, judging, pooled);
    const objective = evaluation.objective && metricEvidence(judging.objective, evaluation.objective);
    const constraints: ConstraintStatus[] = evaluation.constraints.map(({ metric, bound, limit, value, met }) =>
      value ? { metric, bound, limit, value: metricEvidence(metric, value), met } : { metric, bound, limit, met },
    );
    const feasible = evaluation.feasible;
    const verdict = verdicts.get(arm);
    const row: LeaderboardRow = {
      rank: 0,
      arm,
      role: first.role === 'duel' || first.role === 'distill' ? 'explore' : first.role,
      config: first.config,
      env: first.env,
      config_key: first.config_key,
      trials: list.length,
      completed: list.filter((t) => t.state === 'completed').length,
      failed: list.filter((t) => t.state === 'failed').length,
      errors: [...new Set(list.flatMap((t) => (t.error ? [t.error.message] : [])))].slice(0, 3),
      constraints,
      feasible,
      beats_baseline: arm !== 'placebo' && arm !== 'baseline' && !placeboAlarm && feasible && verdict?.better_than_baseline === true,
      metrics,
    };
    if (objective) row.objective = objective;
    const cuts = list.flatMap((t) => (t.cut_short ? [cutShortNote(t.cut_short)] : []));
    if (cuts.length > 0) row.cut_short = cuts;
    const rating = rated.get(arm);
    // Arms that never dueled carry only the prior: no rating to show.
    if (rating && rating.games > 0) row.rating = rating;
    if (judging !== record.metrics) lowOnly.add(arm);
    if (full.length === 0 && list.some((t) => t.state === 'completed' && t.fidelity === 'low')) row.fidelity = 'low';
    if (verdict) row.verdict = verdict;
    return row;
  });

  const sign = spec.objective.direction === 'min' ? 1 : -1;
  rows.sort((x, y) => {
    if (x.beats_baseline !== y.beats_baseline) return x.beats_baseline ? -1 : 1;
    if (x.feasible !== y.feasible) return x.feasible ? -1 : 1;
    if (!x.objective !== !y.objective) return x.objective ? -1 : 1;
    if (lowOnly.has(x.arm) !== lowOnly.has(y.arm)) return lowOnly.has(x.arm) ? 1 : -1;
    if (x.rating && y.rating && x.rating.rating !== y.rating.rating) return y.rating.rating - x.rating.rating;
    if (x.objective && y.objective && x.objective.mean !== y.objective.mean) return sign * (x.objective.mean - y.objective.mean);
    return x.arm.localeCompare(y.arm, 'en', { numeric: true });
  });
  rows.forEach((r, i) => (r.rank = i + 1));
  return {
    campaign_id: record.id,
    state: record.state,
    objective: spec.objective,
    min_effect_pct: 100 * minEffect,
    rows,
    duels: duels.map((d) => ({ ...d, pairs_done: d.a_values.length })),
    placebo_alarm: placeboAlarm,
  };
}
