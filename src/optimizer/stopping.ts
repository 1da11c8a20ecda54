/** Why a campaign stopped (or that it should continue). */
export type StopReason = 'converged' | 'trial_budget' | 'wall_time';

/** Stopping rule settings. */
export interface StoppingRule {
  max_trials: number;
  max_wall_ms: number;
  /** Expected improvement counts as negligible below this fraction of |incumbent| ... */
  ei_relative_threshold: number;
  /** ... for this many consecutive proposals. */
  patience: number;
}

/** What the rule looks at. */
export interface CampaignProgress {
  trials: number;
  elapsed_ms: number;
  /** A feasible config has won its confirmatory paired test against the baseline. */
  confirmed_feasible: boolean;
  /** Best objective value so far (minimised units), if any feasible config is known. */
  incumbent?: number;
  /** Expected improvement of each proposal so far, oldest first (null: no model yet). */
  expected_improvements: readonly (number | null)[];
}

/** The decision, with a reason a user can read in the campaign record. */
export type StopDecision = { stop: false } | { stop: true; reason: StopReason; detail: string };

/** Defaults sized for a noisy 2-vCPU machine: a few dozen trials, EI under 0.5% for 5 proposals. */
export const DEFAULT_STOPPING_RULE: StoppingRule = { max_trials: 60, max_wall_ms: 2 * 3600_000, ei_relative_threshold: 0.005, patience: 5 };

/**
 * Stop when a feasible config is confirmed and the expected improvement stayed below the threshold
 * for `patience` proposals in a row, or when the trial or wall-time budget is spent.
 */
export function shouldStop(progress: CampaignProgress, rule: StoppingRule = DEFAULT_STOPPING_RULE): StopDecision {
  if (progress.trials >= rule.max_trials) return { stop: true, reason: 'trial_budget', detail: `${progress.trials} of ${rule.max_trials} trials used` };
  if (progress.elapsed_ms >= rule.max_wall_ms) {
    return { stop: true, reason: 'wall_time', detail: `${Math.round(progress.elapsed_ms / 1000)} s of ${Math.round(rule.max_wall_ms / 1000)} s used` };
  }
  if (!progress.confirmed_feasible || progress.incumbent === undefined) return { stop: false };
  const recent = progress.expected_improvements.slice(-rule.patience);
  if (recent.length < rule.patience) return { stop: false };
  const threshold = rule.ei_relative_threshold * Math.max(Math.abs(progress.incumbent), Number.MIN_VALUE);
  if (recent.every((ei) => ei !== null && ei < threshold)) {
    return { stop: true, reason: 'converged', detail: `expected improvement < ${threshold.toPrecision(3)} for the last ${rule.patience} proposals and a feasible config is confirmed` };
  }
  return { stop: false };
}
