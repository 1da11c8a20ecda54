import { pairedNonInferiority, type NonInferiorityVerdict } from '../../stats/paired-non-inferiority.js';
import { studentTQuantile } from '../../stats/student-t.js';

/** A metric a recommended change must not hurt, with the loss still accepted. */
export interface GuardSpec {
  metric: string;
  direction: 'min' | 'max';
  /** Largest accepted relative loss (e.g. 0.03 for throughput, 0.10 for tail latency, from measured noise). */
  margin: number;
}

/**
 * Fewest pairs a guard is judged "within its margin" on. With 3 pairs (2 degrees of freedom) the
 * per-pair spread is known only to a factor of 0.58-4.4 (90% chi-square interval), so a pass would
 * rest on a lucky small spread; at 6 pairs (the fixed design's count) the factor is 0.67-2.1. The
 * sequential confirmation can claim after 3 pairs, so it keeps pairing until the guards reach this
 * (see confirmation-progress.ts); a guard still short of it is reported as an unknown cost.
 */
export const GUARD_MIN_PAIRS = 6;

/** What the paired evidence says about one guard. */
export interface GuardVerdict {
  metric: string;
  margin: number;
  /**
   * `ok`: non-inferior within the margin; `regressed`: worse beyond the margin with confidence (the
   * change's whole interval is past it); `inconclusive`: measured, but neither shown; `too_few_pairs`:
   * not regressed, but fewer than GUARD_MIN_PAIRS pairs, so the cost is unknown (never "no
   * regression"); `not_measured`.
   */
  status: 'ok' | 'regressed' | 'inconclusive' | 'too_few_pairs' | 'not_measured';
  evidence?: NonInferiorityVerdict;
  summary: string;
}

/** Paired values of one metric: `candidate[i]` and `baseline[i]` ran back to back. */
export interface PairedValues {
  candidate: readonly number[];
  baseline: readonly number[];
}

function pct(v: number): string {
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}%`;
}

/**
 * Judges every guard from the confirmation pairs; a guard without pairs is said to be not measured,
 * one with fewer than `minPairs` pairs that does not show a regression is an unknown cost.
 */
export function judgeGuards(guards: readonly GuardSpec[], pairs: ReadonlyMap<string, PairedValues>, minPairs = GUARD_MIN_PAIRS): GuardVerdict[] {
  return guards.map((g): GuardVerdict => {
    const p = pairs.get(g.metric);
    if (!p || Math.min(p.candidate.length, p.baseline.length) === 0) {
      return { metric: g.metric, margin: g.margin, status: 'not_measured', summary: `${g.metric}: not measured` };
    }
    const evidence = pairedNonInferiority(p.candidate, p.baseline, { direction: g.direction, margin: g.margin });
    const change = `${pct(evidence.relative_change)} (${pct(evidence.change_low)}..${pct(evidence.change_high)}, ${evidence.pairs} pairs)`;
    const lossAtLeast = g.direction === 'min' ? evidence.change_low : -evidence.change_high;
    if (evidence.pairs < minPairs && !(lossAtLeast > g.margin)) {
      return { metric: g.metric, margin: g.margin, status: 'too_few_pairs', evidence, summary: `${g.metric} ${change}: not enough pairs (${evidence.pairs}; ${minPairs} needed): unknown cost` };
    }
    if (evidence.non_inferior) return { metric: g.metric, margin: g.margin, status: 'ok', evidence, summary: `${g.metric} ${change}: within the ${(g.margin * 100).toFixed(0)}% margin` };
    // The loss's lower end: the change's interval end nearest to "no loss".
    const status = lossAtLeast > g.margin ? 'regressed' : 'inconclusive';
    const words = status === 'regressed' ? `costs more than the ${(g.margin * 100).toFixed(0)}% margin` : `not shown to stay within the ${(g.margin * 100).toFixed(0)}% margin`;
    return { metric: g.metric, margin: g.margin, status, evidence, summary: `${g.metric} ${change}: ${words}` };
  });
}

/**
 * Whether more pairs (up to `maxPairs`) could still give guard `v` a verdict: it has too few pairs,
 * or it is inconclusive and, at its measured per-pair spread, `maxPairs` pairs would narrow the
 * interval enough to put the estimate on one side of the margin. A guard that even `maxPairs`
 * could not decide (a p99 with 20 % run-to-run spread against a 10 % margin) stops asking.
 */
export function guardWantsPairs(v: GuardVerdict, maxPairs: number): boolean {
  const e = v.evidence;
  if (e === undefined || e.pairs >= maxPairs) return false;
  if (v.status === 'too_few_pairs') return true;
  if (v.status !== 'inconclusive' || !Number.isFinite(e.log_sd)) return false;
  const halfAtMax = studentTQuantile(1 - e.alpha, maxPairs - 1) * (e.log_sd / Math.sqrt(maxPairs));
  return Math.abs(e.loss_log - e.margin_log) > halfAtMax;
}

/** How a confirmed improvement is presented once its guards are judged. */
export interface Recommendation {
  kind: 'improvement' | 'trade_off';
  headline: string;
  unmeasured: string[];
  /** Guards with too few pairs to judge (their cost is unknown). */
  unknown: string[];
}

/**
 * A confirmed gain whose guards all hold is an improvement; one that regresses a guard, or cannot
 * show a guard holds, is a trade-off stated with its cost ("-35% RSS, costs 6% SET ops/s"), never
 * silently "better". Guards that were not measured are listed by name.
 */
export function presentRecommendation(gain: string, verdicts: readonly GuardVerdict[]): Recommendation {
  const costs = verdicts.filter((v) => v.status === 'regressed' || v.status === 'inconclusive');
  const unmeasured = verdicts.filter((v) => v.status === 'not_measured').map((v) => v.metric);
  const unknownGuards = verdicts.filter((v) => v.status === 'too_few_pairs');
  const unknown = unknownGuards.map((v) => v.metric);
  const unknownText = unknownGuards.map((v) => `${v.metric} (${v.evidence?.pairs ?? 0} pairs)`).join(', ');
  const tail = `${unknown.length > 0 ? `; unknown cost, not enough pairs: ${unknownText}` : ''}${unmeasured.length > 0 ? `; not measured: ${unmeasured.join(', ')}` : ''}`;
  if (costs.length === 0) return { kind: 'improvement', headline: `${gain}; ${unknown.length > 0 ? 'no guard shown to regress' : 'guards hold'}${tail}`, unmeasured, unknown };
  const described = costs.map((v) => {
    const loss = v.evidence?.loss ?? 0;
    if (v.status === 'regressed') return `costs ${(Math.abs(loss) * 100).toFixed(1)}% ${v.metric}`;
    // Inconclusive: the interval reaches past the margin. A measured change for the better is said
    // as such, so "may cost" is not read as a measured cost of that size.
    const measured = loss > 0 ? `${(loss * 100).toFixed(1)}% worse measured` : `${(-loss * 100).toFixed(1)}% better measured`;
    return `may cost ${v.metric} (${measured}, not shown within margin)`;
  });
  return { kind: 'trade_off', headline: `trade-off: ${gain}, ${described.join(', ')}${tail}`, unmeasured, unknown };
}
