import type { CampaignSpec } from '../../src/core/campaign-spec.js';
import type { Config } from '../../src/core/config.js';
import type { TrialRecord } from '../../src/core/campaign-record.js';
import type { MetricSummary } from '../../src/core/trial-result.js';
import type { SearchSpace } from '../../src/core/search-space.js';
import { armOf, exploreLabels } from '../../src/service/leaderboard.js';
import { summaryKey } from './summary-key.js';
import { meanInterval, meanSd } from '../../src/stats/mean-interval.js';
import type { RawCampaign } from './raw-campaign.js';

/** Mean of `metric` in a trial summary, resolved like the service does (`p99_us` -> `redis.p99_us`). */
export function summaryMean(summary: Record<string, MetricSummary> | undefined, metric: string): number | undefined {
  if (!summary) return undefined;
  const key = summaryKey(metric, Object.keys(summary));
  return key === undefined ? undefined : summary[key]?.mean;
}

/** Whether a trial's means meet every constraint of the campaign (the per-trial view the optimizer had). */
export function meetsConstraints(spec: CampaignSpec, summary: Record<string, MetricSummary> | undefined): boolean {
  return spec.constraints.every((c) => {
    const v = summaryMean(summary, c.metric);
    if (v === undefined) return false;
    // The committed experiments set absolute limits only; a relative one is not judged here.
    return 'max' in c ? v <= c.max : 'min' in c ? v >= c.min : false;
  });
}

/** One explored trial on the convergence plot. */
export interface ConvergencePoint {
  index: number;
  trial_id: string;
  objective: number;
  feasible: boolean;
  /** Best feasible objective up to and including this trial (absent before the first feasible one). */
  best?: number;
}

/** Explored trials in proposal order with the running best feasible objective. */
export function convergenceSeries(raw: RawCampaign): ConvergencePoint[] {
  const { spec } = raw.record;
  const better = (a: number, b: number): boolean => (spec.objective.direction === 'min' ? a < b : a > b);
  const out: ConvergencePoint[] = [];
  let best: number | undefined;
  for (const t of raw.trials) {
    if (t.role !== 'explore' || t.state !== 'completed') continue;
    const objective = summaryMean(t.summary, spec.objective.metric);
    if (objective === undefined) continue;
    const feasible = meetsConstraints(spec, t.summary);
    if (feasible && (best === undefined || better(objective, best))) best = objective;
    out.push({ index: out.length + 1, trial_id: t.trial_id, objective, feasible, ...(best === undefined ? {} : { best }) });
  }
  return out;
}

/** The paired record of one duel, oriented as candidate against its opponent (the baseline). */
export interface DuelRecord {
  duel_id: string;
  candidate: string;
  opponent: string;
  /** Per pair (candidate - opponent) / opponent of the objective. */
  relative_diffs: number[];
  mean_relative: number;
  ci_low: number;
  ci_high: number;
}

/** Every duel of the leaderboard as relative paired differences with a 95% t interval of their mean. */
export function duelRecords(raw: RawCampaign): DuelRecord[] {
  return raw.leaderboard.duels.map((d) => {
    const flip = d.a === 'baseline';
    const cand = flip ? d.b_values : d.a_values;
    const opp = flip ? d.a_values : d.b_values;
    const diffs = cand.map((v, i) => (v - (opp[i] ?? Number.NaN)) / (opp[i] ?? Number.NaN)).filter(Number.isFinite);
    const s = meanSd(diffs);
    const ci = meanInterval(s.mean, s.sd, s.n);
    return { duel_id: d.duel_id, candidate: flip ? d.b : d.a, opponent: flip ? d.a : d.b, relative_diffs: diffs, mean_relative: s.mean, ci_low: ci.ci_low, ci_high: ci.ci_high };
  });
}

/** CPU steal over every measured repeat and the repeats thrown away for steal. */
export interface StealSummary {
  repeats: number;
  median_pct: number;
  p90_pct: number;
  max_pct: number;
  over_2_pct: number;
  discarded: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Steal recorded in every stored result (kept and discarded measurements). */
export function stealSummary(raw: RawCampaign): StealSummary {
  const kept: number[] = [];
  let discarded = 0;
  for (const r of raw.results) {
    for (const rep of r.repeats) {
      for (const w of rep.workloads) kept.push(w.steal_pct);
      discarded += rep.discarded.length;
    }
  }
  const sorted = [...kept].sort((a, b) => a - b);
  return {
    repeats: kept.length,
    median_pct: quantile(sorted, 0.5),
    p90_pct: quantile(sorted, 0.9),
    max_pct: sorted[sorted.length - 1] ?? Number.NaN,
    over_2_pct: kept.filter((s) => s > 2).length,
    discarded,
  };
}

/** Per-repeat values of `metric` for each arm, from the stored results (all repeats of all trials). */
export function repeatValuesByArm(raw: RawCampaign, metric: string): Map<string, number[]> {
  const labels = exploreLabels(raw.trials);
  const byId = new Map<string, TrialRecord>(raw.trials.map((t) => [t.trial_id, t]));
  const out = new Map<string, number[]>();
  for (const r of raw.results) {
    const trial = byId.get(r.trial_id);
    if (!trial || r.status !== 'completed') continue;
    const arm = armOf(trial, labels);
    for (const rep of r.repeats) {
      for (const w of rep.workloads) {
        const key = summaryKey(metric, Object.keys(w.metrics).map((m) => `${w.label}.${m}`));
        if (key === undefined) continue;
        const v = w.metrics[key.slice(w.label.length + 1)];
        if (v !== undefined) out.set(arm, [...(out.get(arm) ?? []), v]);
      }
    }
  }
  return out;
}

/** How one knob related to the objective over the explored configs. */
export interface KnobEffect {
  name: string;
  kind: string;
  /** Objective mean per value group (categorical) or per third of the explored range (numeric), in group order. */
  groups: { label: string; n: number; mean: number }[];
  /** (largest - smallest group mean) / baseline objective. */
  spread: number;
  /** Spearman rank correlation of value and objective (numeric knobs). */
  spearman?: number;
}

function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const r = new Array<number>(values.length).fill(0);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.[0] === order[i]?.[0]) j++;
    for (let k = i; k <= j; k++) r[order[k]?.[1] ?? 0] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson on average ranks). */
export function spearman(x: readonly number[], y: readonly number[]): number {
  const rx = ranks(x);
  const ry = ranks(y);
  const mx = meanSd(rx).mean;
  const my = meanSd(ry).mean;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    const dx = (rx[i] ?? 0) - mx;
    const dy = (ry[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Marginal association of each searched knob with the objective over the explored configs. The
 * configs were chosen by the optimizer, not a factorial design, so knobs are confounded: a spread is a
 * hint to be checked against the duels and the reference, not an effect estimate. `include` restricts
 * the explored configs (e.g. to those sharing the value of a dominant knob).
 */
export function knobEffects(raw: RawCampaign, space: SearchSpace, baselineObjective: number, include: (config: Config) => boolean = () => true): KnobEffect[] {
  const metric = raw.record.spec.objective.metric;
  const points = raw.trials
    .filter((t) => t.role === 'explore' && t.state === 'completed' && include(t.config))
    .map((t) => ({ config: t.config, objective: summaryMean(t.summary, metric) }))
    .filter((p): p is { config: typeof p.config; objective: number } => p.objective !== undefined);
  return space.parameters.map((p) => {
    const present = points.filter((pt) => pt.config[p.name] !== undefined);
    const numeric = (p.kind === 'integer' || p.kind === 'float') && present.every((pt) => typeof pt.config[p.name] === 'number');
    let groups: KnobEffect['groups'];
    let rho: number | undefined;
    if (numeric) {
      const sorted = [...present].sort((a, b) => (a.config[p.name] as number) - (b.config[p.name] as number));
      const thirds = [0, 1, 2].map((k) => sorted.slice(Math.floor((k * sorted.length) / 3), Math.floor(((k + 1) * sorted.length) / 3)));
      groups = thirds
        .filter((g) => g.length > 0)
        .map((g) => ({
          label: `${String(g[0]?.config[p.name])}..${String(g[g.length - 1]?.config[p.name])}`,
          n: g.length,
          mean: meanSd(g.map((x) => x.objective)).mean,
        }));
      rho = spearman(present.map((pt) => pt.config[p.name] as number), present.map((pt) => pt.objective));
    } else {
      const values = [...new Set(present.map((pt) => String(pt.config[p.name])))].sort();
      groups = values.map((v) => {
        const g = present.filter((pt) => String(pt.config[p.name]) === v);
        return { label: v, n: g.length, mean: meanSd(g.map((x) => x.objective)).mean };
      });
    }
    const means = groups.map((g) => g.mean);
    const spread = means.length < 2 ? 0 : (Math.max(...means) - Math.min(...means)) / baselineObjective;
    return { name: p.name, kind: p.kind, groups, spread, ...(rho === undefined ? {} : { spearman: rho }) };
  });
}
