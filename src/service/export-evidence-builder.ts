import type { Redis } from 'ioredis';
import type { ConfigValue } from '../core/config.js';
import type { ConfigEvidence, ExportEvidence } from '../core/export-evidence.js';
import type { TrialResult } from '../core/trial-result.js';
import { getTrialResult } from '../store/trial-result-store.js';
import { debianLibraryPath } from '../spaces/index.js';
import type { DuelMeasurements } from './duel-plan.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import type { Leaderboard, LeaderboardRow } from './leaderboard.js';
import { armOf, exploreLabels } from './leaderboard.js';
import type { TrialRecord } from '../core/campaign-record.js';

/** The stored result of the first completed trial of an arm. */
async function firstResult(redis: Redis, trials: readonly TrialRecord[], arm: string): Promise<TrialResult | undefined> {
  const labels = exploreLabels(trials);
  const trial = trials.find((t) => t.state === 'completed' && armOf(t, labels) === arm);
  return trial === undefined ? undefined : getTrialResult(redis, trial.campaign_id, trial.trial_id);
}

/** Options the allocator read back during a trial. */
function effectiveOptions(result: TrialResult | undefined): Record<string, ConfigValue> {
  return result?.repeats[0]?.workloads[0]?.allocator.options ?? {};
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

/**
 * The evidence behind an export: the chosen config (a confirmed winner, else the baseline), the
 * baseline, the confirmatory claims, the duel record and the options each read back.
 */
export async function buildExportEvidence(
  redis: Redis,
  record: ResolvedCampaignRecord,
  board: Leaderboard,
  trials: readonly TrialRecord[],
  now = new Date(),
): Promise<ExportEvidence> {
  const baseline = board.rows.find((r) => r.arm === 'baseline');
  if (!baseline) throw new Error(`campaign ${record.id} has no baseline yet`);
  const winner = board.rows.find((r) => r.beats_baseline);
  const chosen = winner ?? baseline;
  const objective = record.spec.objective;
  const chosenResult = await firstResult(redis, trials, chosen.arm);
  let verdict: string;
  if (winner) {
    verdict = `${winner.arm} beats the baseline on ${objective.metric} (${winner.verdict?.reason ?? 'confirmed'})`;
  } else if (board.placebo_alarm) {
    verdict = 'the placebo (a copy of the baseline) won its duel: the measurements are too noisy to trust; exporting the baseline';
  } else if (record.state === 'running') {
    verdict = 'campaign still running: nothing confirmed yet; exporting the baseline';
  } else {
    verdict = 'nothing beat the baseline in a confirmatory paired test; exporting the baseline';
  }
  const claims = winner?.verdict
    ? [
        {
          metric: objective.metric,
          direction: objective.direction,
          improvement_pct: 100 * winner.verdict.relative_effect,
          test: 'one-sided Wilcoxon signed-rank on paired measurements',
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
    chosen: configEvidence(chosen, effectiveOptions(chosenResult)),
    baseline: configEvidence(baseline, effectiveOptions(await firstResult(redis, trials, 'baseline'))),
    claims,
    duels,
    focus_metrics: focusMetrics(record, Object.keys(chosen.metrics)),
    generated_at: now.toISOString(),
  };
  // What the worker reported it preloaded; results of older workers carry none: the Debian path then.
  const preload = chosenResult?.preload ?? debianLibraryPath(record.spec.allocator);
  if (preload !== undefined) evidence.preload = preload;
  return evidence;
}
