import type { TrialRecord } from '../core/campaign-record.js';
import type { DuelMeasurements } from '../core/leaderboard-record.js';
import type { ResolvedCampaignRecord } from './metric-resolver.js';
import { centralValue } from '../stats/robust-center.js';
import { evaluateSummary } from './trial-evaluation.js';

export type { DuelMeasurements } from '../core/leaderboard-record.js';

/** Which paired trials to collect and what to read from each. */
export interface CollectOptions {
  /** Confirmation duels (default) or distillation steps. */
  role?: 'duel' | 'distill';
  /** A summary key to read instead of the objective (guards); its mean (median of repeats for tail latency). */
  key?: string;
}

/**
 * Collect every duel's completed pairs from the trial records: a pair counts once both of its sides
 * have completed and reported the objective (or `options.key`).
 */
export function collectDuels(record: Pick<ResolvedCampaignRecord, 'spec' | 'metrics'>, trials: Iterable<TrialRecord>, options: CollectOptions = {}): DuelMeasurements[] {
  const role = options.role ?? 'duel';
  const read = (t: TrialRecord): number | undefined => {
    if (options.key === undefined) return evaluateSummary(record.spec, record.metrics, t.summary).objective?.mean;
    const s = t.summary?.[options.key];
    return s && s.n >= 1 && Number.isFinite(s.mean) ? centralValue(options.key, s) : undefined;
  };
  type Pending = { a?: string; b?: string; planned: Set<number>; sides: Map<number, { a?: number; b?: number }> };
  const duels = new Map<string, Pending>();
  for (const t of trials) {
    if (t.role !== role || !t.duel) continue;
    const d: Pending = duels.get(t.duel.duel_id) ?? { planned: new Set<number>(), sides: new Map() };
    duels.set(t.duel.duel_id, d);
    d[t.duel.side] = t.duel.arm;
    d.planned.add(t.duel.pair_index);
    if (t.state !== 'completed' || !t.summary) continue;
    const value = read(t);
    if (value === undefined) continue;
    const pair = d.sides.get(t.duel.pair_index) ?? {};
    pair[t.duel.side] = value;
    d.sides.set(t.duel.pair_index, pair);
  }
  return [...duels.entries()].map(([duel_id, d]) => {
    const complete = [...d.sides.entries()].filter(([, p]) => p.a !== undefined && p.b !== undefined).sort(([i], [j]) => i - j);
    return {
      duel_id,
      a: d.a ?? '?',
      b: d.b ?? '?',
      a_values: complete.map(([, p]) => p.a ?? 0),
      b_values: complete.map(([, p]) => p.b ?? 0),
      planned: d.planned.size,
    };
  });
}
