import type { Redis } from 'ioredis';
import type { Config, ConfigValue } from '../core/config.js';
import type { ConfigEvidence, ExportEvidence, MetricEvidence } from '../core/export-evidence.js';
import type { SearchSpace } from '../core/search-space.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import { workloadLabel, type WorkloadSpec } from '../core/trial-job.js';
import type { MetricSummary, TrialResult } from '../core/trial-result.js';
import { presentRecommendation } from '../optimizer/recommend/guard-verdicts.js';
import { poolSummaries } from '../stats/pool-summaries.js';
import { metricEvidence } from './metric-evidence.js';
import { traceFidelityEvidence } from './trace-fidelity-evidence.js';
import type { CampaignImportance } from './campaign-importance.js';
import { baselineEffective, deployableChanges, MINIMAL_DUEL_ID } from './distill-round.js';
import { collectDuels } from './duel-plan.js';
import { campaignReachability, distillEvidence, guardVerdicts, knobEvidence, reachEvidence, winnerVerdicts } from './recommendation-evidence.js';
import { notFullyDistilled, untestedRiskLine, type KnobVerdict } from '../optimizer/recommend/distill-knob-verdicts.js';
import { getTrialResult } from '../store/trial-result-store.js';
import { defaultConfig, encodeEnv } from '../spaces/index.js';
import { campaignSpace } from './campaign-space.js';
import type { DuelMeasurements } from './duel-plan.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import type { Leaderboard, LeaderboardRow } from './leaderboard.js';
import { chooseWinner } from './winner-choice.js';
import { armOf, exploreLabels } from './leaderboard.js';
import { isFinalState, type TrialRecord } from '../core/campaign-record.js';

/** The stored result of the first completed trial of an arm. */
async function firstResult(redis: Redis, trials: readonly TrialRecord[], arm: string): Promise<TrialResult | undefined> {
  const labels = exploreLabels(trials);
  const trial = trials.find((t) => t.state === 'completed' && armOf(t, labels) === arm);
  return trial === undefined ? undefined : getTrialResult(redis, trial.campaign_id, trial.trial_id);
}

/** The stored result of the first completed run of the minimal config in its last duel against the baseline. */
async function minimalResult(redis: Redis, trials: readonly TrialRecord[]): Promise<TrialResult | undefined> {
  const trial = trials.find((t) => t.role === 'distill' && t.duel?.duel_id === MINIMAL_DUEL_ID && t.duel.arm === 'minimal' && t.state === 'completed');
  return trial === undefined ? undefined : getTrialResult(redis, trial.campaign_id, trial.trial_id);
}

/** Options the allocator read back during a trial. */
function effectiveOptions(result: TrialResult | undefined): Record<string, ConfigValue> {
  return result?.repeats[0]?.workloads[0]?.allocator.options ?? {};
}

/**
 * What the export says about untested knobs with a known or unmeasured cost: the distilled config's
 * (reverted, or kept) as the round states them; when the winner is exported whole instead (the
 * minimal config did not confirm), the ones the round had reverted are shipped after all, and said so.
 */
function untestedRiskNote(verdicts: readonly KnobVerdict[], distilled: boolean): string | undefined {
  if (distilled) return untestedRiskLine(verdicts);
  const shipped = verdicts.filter((v) => (v.outcome === 'reverted_untested' || v.outcome === 'untested') && v.risk !== undefined);
  if (shipped.length === 0) return undefined;
  return `shipped untested with the confirmed winner despite a known or unmeasured cost: ${shipped.map((v) => `${v.knob} (${v.risk ?? ''})`).join('; ')}`;
}

/** Summary keys of the objective and the constraints that `keys` (the chosen config's metrics) hold. */
function focusMetrics(record: ResolvedCampaignRecord, keys: readonly string[]): string[] {
  return [...new Set([record.metrics.objective, ...record.metrics.constraints])].filter((k) => keys.includes(k));
}

/** Pairs of a duel in which side `a` did better than side `b`. */
function pairWins(d: DuelMeasurements, direction: 'min' | 'max'): number {
  return d.a_values.filter((v, i) => {
    const other = d.b_values[i] ?? v;
    return direction === 'min' ? v < other : v > other;
  }).length;
}

function configEvidence(row: LeaderboardRow, options: Record<string, ConfigValue>): ConfigEvidence {
  return { label: row.arm, config: row.config, env: row.env, metrics: row.metrics, effective_options: options };
}

/** Which config an export hands over. */
export type ExportVariant = 'minimal' | 'full';

/** What the builder may be given besides the campaign. */
export interface ExportOptions {
  /** `minimal` (default): only the knobs that differ from what the baseline runs with, distilled when confirmed. */
  variant?: ExportVariant;
  /** The campaign's knob importance (cached by the controller), for the evidence. */
  importance?: CampaignImportance;
  now?: Date;
}

function signedPct(v: number): string {
  return `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
}

/** One line per workload: kind, label and its size-setting arguments, for the fidelity record. */
function describeWorkloads(workloads: readonly WorkloadSpec[]): string {
  return workloads
    .map((w) => {
      const detail = w.kind === 'harness' ? JSON.stringify(w.args) : w.kind === 'redis' ? JSON.stringify(w.options.load) : w.kind === 'trace' ? `trace ${w.trace} (${w.pace})` : `command ${w.name}`;
      return `${workloadLabel(w)} ${detail}`;
    })
    .join('; ');
}

/** Where exploration and confirmation measured (spec `explore_with`). */
export function fidelityEvidence(spec: CampaignSpec): NonNullable<ExportEvidence['fidelity']> {
  const low = spec.explore_with;
  return {
    found_on: low ? 'low' : 'full',
    confirmed_on: 'full',
    explore_workloads: low ? `${describeWorkloads(low.workloads)}${low.note ? ` (${low.note})` : ''}` : describeWorkloads(spec.workloads),
    confirm_workloads: describeWorkloads(spec.workloads),
  };
}

/** Pooled metrics of one arm of a distillation duel, as evidence. */
function armMetrics(trials: readonly TrialRecord[], duelId: string, arm: string): Record<string, MetricEvidence> {
  const byKey = new Map<string, MetricSummary[]>();
  for (const t of trials) {
    if (t.role !== 'distill' || t.duel?.duel_id !== duelId || t.duel.arm !== arm || t.state !== 'completed') continue;
    for (const [k, v] of Object.entries(t.summary ?? {})) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  }
  const out: Record<string, MetricEvidence> = {};
  for (const [k, parts] of byKey) {
    const p = poolSummaries(parts);
    if (p) out[k] = metricEvidence(k, p);
  }
  return out;
}

/**
 * The baseline's own settings that an export must keep: an imported baseline's knobs that differ
 * from the allocator's defaults (an untouched baseline sets nothing).
 */
function baselineSettings(record: ResolvedCampaignRecord, space: SearchSpace): Config {
  return record.spec.baseline === undefined ? {} : deployableChanges(record.baseline_config, defaultConfig(space));
}

/**
 * The evidence behind an export: the chosen config (a confirmed winner, distilled to the knobs that
 * carry the gain by default, else the baseline), the baseline, the confirmatory claims, each
 * guard's paired verdict, each constraint's reachability, the distillation record, the duel record
 * and the options each read back.
 */
export async function buildExportEvidence(
  redis: Redis,
  record: ResolvedCampaignRecord,
  board: Leaderboard,
  trials: readonly TrialRecord[],
  options: ExportOptions = {},
): Promise<ExportEvidence> {
  const now = options.now ?? new Date();
  const variant = options.variant ?? 'minimal';
  const baseline = board.rows.find((r) => r.arm === 'baseline');
  if (!baseline) throw new Error(`campaign ${record.id} has no baseline yet`);
  const choice = chooseWinner(record, board, trials);
  const winner = choice?.row;
  const chosen = winner ?? baseline;
  const objective = record.spec.objective;
  const space = campaignSpace(record);
  const d = record.distillation;
  const distilled = variant === 'minimal' && winner !== undefined && d?.status === 'done' && d.confirmation?.confirmed === true && d.minimal !== undefined;
  const chosenResult = await firstResult(redis, trials, chosen.arm);
  const effective = winner ? baselineEffective(record, trials, space, winner.config) : {};

  // The config handed over, and the paired runs its gain and guards are read from.
  let exported: ConfigEvidence = configEvidence(chosen, effectiveOptions(chosenResult));
  let gain = winner?.verdict?.relative_effect;
  let pairedArm = chosen.arm;
  let pairedRole: 'duel' | 'distill' = 'duel';
  const notes = [...(record.notes ?? [])];
  if (choice?.reason !== undefined) notes.push(choice.reason);
  if (winner && variant === 'minimal') {
    const changes = distilled ? (d.minimal as Config) : deployableChanges(winner.config, effective);
    const config = { ...baselineSettings(record, space), ...changes };
    // Encoded from the whole config it stands for (validated as such), emitting only these knobs.
    const whole = distilled ? (d.current ?? winner.config) : winner.config;
    exported = { ...exported, label: distilled ? 'minimal' : winner.arm, config, env: encodeEnv(space, whole, { only: new Set(Object.keys(config)) }) };
    if (distilled) {
      exported.metrics = armMetrics(trials, MINIMAL_DUEL_ID, 'minimal');
      // What the allocator read back under the minimal config itself, not under the winner it was distilled from.
      exported.effective_options = effectiveOptions(await minimalResult(redis, trials));
      gain = d.confirmation?.relative_effect;
      pairedArm = 'minimal';
      pairedRole = 'distill';
    } else {
      const dropped = Object.keys(winner.config).filter((k) => !Object.hasOwn(changes, k));
      if (dropped.length > 0) notes.push(`left out ${dropped.length} knobs the winner sets to what the baseline runs with: ${dropped.join(', ')}`);
      if (d?.status === 'done') notes.push(`the distilled config was not used: ${d.confirmation?.reason ?? d.reason ?? 'not confirmed'}`);
      else if (d) notes.push(`distillation ${d.status}: ${d.reason ?? ''}`);
    }
  }

  // Knobs the round kept without showing they carry gain are said so up front, not left to the steps.
  const verdicts = d && winner && variant === 'minimal' ? winnerVerdicts(d) : [];
  const partial = d?.status === 'done' ? notFullyDistilled(verdicts) : undefined;
  if (partial !== undefined) notes.push(partial);
  const risky = d?.status === 'done' ? untestedRiskNote(verdicts, distilled) : undefined;
  if (risky !== undefined) notes.push(risky);

  const guards = winner ? guardVerdicts(record, trials, pairedArm, pairedRole) : undefined;
  const reach = campaignReachability(record, board);
  const unreachable = reach.filter((r) => r.measured > 0 && r.met_by === 0);
  let verdict: string;
  let recommendation: ExportEvidence['recommendation'];
  if (winner && guards) {
    const gainText = `${signedPct(objective.direction === 'min' ? -(gain ?? 0) : (gain ?? 0))} ${objective.metric}`;
    const presented = presentRecommendation(gainText, guards.verdicts);
    recommendation = { kind: presented.kind, headline: [presented.headline, ...(partial === undefined ? [] : [partial]), ...(risky === undefined ? [] : [risky])].join('; ') };
    const how = distilled ? `the minimal config (${Object.keys(d.minimal ?? {}).length} of ${Object.keys(deployableChanges(winner.config, effective)).length} changed knobs of ${winner.arm})` : winner.arm;
    verdict = `${how} beats the baseline on ${objective.metric} (${distilled ? (d.confirmation?.reason ?? 'confirmed') : (winner.verdict?.reason ?? 'confirmed')}): ${recommendation.headline}${choice?.reason === undefined ? '' : `; ${choice.reason}`}`;
  } else if (unreachable.length > 0) {
    verdict = `${unreachable.map((r) => r.message).join('; ')}; exporting the baseline`;
  } else if (board.placebo_alarm) {
    verdict = 'the placebo (a copy of the baseline) won its duel: the measurements are too noisy to trust; exporting the baseline';
  } else if (!isFinalState(record.state)) {
    verdict = 'campaign still running: nothing confirmed yet; exporting the baseline';
  } else {
    verdict = 'nothing beat the baseline in a confirmatory paired test; exporting the baseline';
  }
  recommendation ??= { kind: 'none', headline: verdict };
  const claims = winner?.verdict
    ? [
        {
          metric: objective.metric,
          direction: objective.direction,
          improvement_pct: 100 * winner.verdict.relative_effect,
          test: winner.verdict.test,
          pairs: winner.verdict.pairs,
          wins: board.duels.filter((d) => d.a === winner.arm && d.b === 'baseline').reduce((s, d) => s + pairWins(d, objective.direction), 0),
          p_value: winner.verdict.p_value,
          p_adjusted: winner.verdict.p_adjusted,
        },
      ]
    : [];
  const duels = board.duels.map((d) => ({
    challenger: d.a,
    opponent: d.b,
    pairs: d.a_values.length,
    wins: pairWins(d, objective.direction),
    metric: objective.metric,
  }));
  const evidence: ExportEvidence = {
    campaign_id: record.id,
    campaign_name: record.spec.name,
    allocator: record.spec.allocator,
    beats_baseline: winner !== undefined,
    verdict,
    chosen: exported,
    baseline: configEvidence(baseline, effectiveOptions(await firstResult(redis, trials, 'baseline'))),
    claims,
    duels,
    focus_metrics: focusMetrics(record, Object.keys(exported.metrics)),
    generated_at: now.toISOString(),
    variant,
    recommendation,
    knobs: winner ? knobEvidence(exported.config, effective, distilled ? d : undefined, objective.direction, verdicts) : [],
    guards: guards?.evidence ?? [],
    reachability: reachEvidence(reach),
    importance: (options.importance?.metrics ?? []).filter((m) => m.role === 'objective' && m.knobs.length > 0).map((m) => ({
      metric: m.metric,
      method: m.method,
      trials: m.trials,
      knobs: m.knobs.map((k) => ({ name: k.name, total: k.total, total_low: k.total_low, total_high: k.total_high })),
    })),
    notes,
    trace_fidelity: traceFidelityEvidence(chosenResult),
  };
  if (record.definition) evidence.definition = record.definition;
  if (d) evidence.distillation = distillEvidence(d, trials);
  evidence.fidelity = fidelityEvidence(record.spec);
  const cut = trials.filter((t) => t.cut_short).length;
  if (cut > 0) evidence.cut_short_trials = cut;
  if (distilled && d.confirmation) {
    evidence.claims.push({
      metric: objective.metric,
      direction: objective.direction,
      improvement_pct: 100 * (d.confirmation.relative_effect ?? 0),
      test: 'one-sided Wilcoxon signed-rank on paired measurements (minimal config against the baseline)',
      pairs: d.confirmation.pairs ?? 0,
      wins: collectDuels(record, trials, { role: 'distill' }).filter((x) => x.duel_id === MINIMAL_DUEL_ID).reduce((n, x) => n + pairWins(x, objective.direction), 0),
      p_value: d.confirmation.p_value ?? 1,
      p_adjusted: d.confirmation.p_value ?? 1,
    });
  }
  // Only what the worker read back: a guessed distribution path could name a file the target lacks
  // (a result without a read-back leaves the path unknown, and the export warns so).
  const preload = chosenResult?.preload;
  if (preload !== undefined) evidence.preload = preload;
  return evidence;
}
