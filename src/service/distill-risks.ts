import type { TrialRecord } from '../core/campaign-record.js';
import type { Config } from '../core/config.js';
import type { SearchSpace } from '../core/search-space.js';
import type { GuardDriver, KnobRisk } from '../optimizer/recommend/distillation.js';
import { campaignGoals, metricGoal } from './campaign-warnings.js';
import { THROUGHPUT_COST_KNOBS } from './guard-catalogue.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { guardVerdicts } from './recommendation-evidence.js';

/**
 * The changed knobs of `arm` (its `config`) with a cost the campaign does not show (see KnobRisk):
 * the `drivers` of a guard it is not shown to hold (distill-guard-order.ts, already queued first);
 * a value the space file declares a trap (queued early); and, when a throughput guard is not
 * measured at all, the thread-cache knobs known to cost throughput (THROUGHPUT_COST_KNOBS), since no
 * importance can be estimated on a metric with no data. A trap counts unless the campaign shows its
 * goal's cost absent: a memory trap on a memory objective was measured by the confirmation itself,
 * and a throughput trap under a throughput guard that holds cost nothing there; a throughput trap on
 * a memory campaign whose throughput goes unmeasured (experiments/redis-trace) is a cost nobody
 * saw, which is exactly when it must not be shipped untested. Each knob once, in that order.
 */
export function distillRisks(
  record: ResolvedCampaignRecord,
  trials: readonly TrialRecord[],
  space: SearchSpace,
  arm: string,
  config: Readonly<Config>,
  changed: readonly string[],
  drivers: readonly GuardDriver[],
): KnobRisk[] {
  const verdicts = guardVerdicts(record, trials, arm, 'duel').verdicts;
  const unmeasured = verdicts.filter((v) => v.status === 'not_measured').map((v) => v.metric);
  // Goals whose cost the campaign shows absent: its objective's and constraints' (the winner was
  // confirmed with the value on them), and those of a guard it holds.
  const shown = campaignGoals(record.metrics);
  for (const v of verdicts) {
    const goal = metricGoal(v.metric);
    if (goal !== undefined && v.status === 'ok') shown.add(goal);
  }
  const out = new Map<string, KnobRisk>();
  const add = (knob: string, why: string, early: boolean): void => {
    if (changed.includes(knob) && !out.has(knob)) out.set(knob, { knob, why, early });
  };
  for (const d of drivers) add(d.knob, `it may drive the guard ${d.guard}, which is not shown to hold (${d.why})`, false);
  for (const p of space.parameters) {
    const value = config[p.name];
    const trap = value === undefined ? undefined : p.traps.find((t) => t.values.includes(value) && !shown.has(t.goal));
    if (value === undefined || trap === undefined) continue;
    const seen = verdicts.some((v) => metricGoal(v.metric) === trap.goal && v.status !== 'not_measured');
    add(p.name, `${p.name}=${String(value)} is a known ${trap.goal} trap: ${trap.message}; this campaign ${seen ? `did not show its ${trap.goal} guards hold` : `did not measure ${trap.goal}`}`, true);
  }
  const throughput = unmeasured.filter((m) => metricGoal(m) === 'throughput');
  if (throughput.length > 0) {
    for (const k of THROUGHPUT_COST_KNOBS) add(k, `it is a thread-cache knob known to cost throughput, and ${throughput.join(', ')} ${throughput.length === 1 ? 'was' : 'were'} not measured`, false);
  }
  return [...out.values()];
}
