import { pairedNonInferiority, type NonInferiorityVerdict } from '../../stats/paired-non-inferiority.js';

/** A metric a recommended change must not hurt, with the loss still accepted. */
export interface GuardSpec {
  metric: string;
  direction: 'min' | 'max';
  /** Largest accepted relative loss (e.g. 0.03 for throughput, 0.10 for tail latency, from measured noise). */
  margin: number;
}

/** What the paired evidence says about one guard. */
export interface GuardVerdict {
  metric: string;
  margin: number;
  /**
   * `ok`: non-inferior within the margin; `regressed`: worse beyond the margin with confidence (the
   * change's whole interval is past it); `inconclusive`: measured, but neither shown; `not_measured`.
   */
  status: 'ok' | 'regressed' | 'inconclusive' | 'not_measured';
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

/** Judges every guard from the confirmation pairs; a guard without pairs is said to be not measured. */
export function judgeGuards(guards: readonly GuardSpec[], pairs: ReadonlyMap<string, PairedValues>): GuardVerdict[] {
  return guards.map((g): GuardVerdict => {
    const p = pairs.get(g.metric);
    if (!p || Math.min(p.candidate.length, p.baseline.length) === 0) {
      return { metric: g.metric, margin: g.margin, status: 'not_measured', summary: `${g.metric}: not measured` };
    }
    const evidence = pairedNonInferiority(p.candidate, p.baseline, { direction: g.direction, margin: g.margin });
    const change = `${pct(evidence.relative_change)} (${pct(evidence.change_low)}..${pct(evidence.change_high)}, ${evidence.pairs} pairs)`;
    if (evidence.non_inferior) return { metric: g.metric, margin: g.margin, status: 'ok', evidence, summary: `${g.metric} ${change}: within the ${(g.margin * 100).toFixed(0)}% margin` };
    // The loss's lower end: the change's interval end nearest to "no loss".
    const lossLow = g.direction === 'min' ? evidence.change_low : -evidence.change_high;
    const status = lossLow > g.margin ? 'regressed' : 'inconclusive';
    const words = status === 'regressed' ? `costs more than the ${(g.margin * 100).toFixed(0)}% margin` : `not shown to stay within the ${(g.margin * 100).toFixed(0)}% margin`;
    return { metric: g.metric, margin: g.margin, status, evidence, summary: `${g.metric} ${change}: ${words}` };
  });
}

/** How a confirmed improvement is presented once its guards are judged. */
export interface Recommendation {
  kind: 'improvement' | 'trade_off';
  headline: string;
  unmeasured: string[];
}

/**
 * A confirmed gain whose guards all hold is an improvement; one that regresses a guard, or cannot
 * show a guard holds, is a trade-off stated with its cost ("-35% RSS, costs 6% SET ops/s"), never
 * silently "better". Guards that were not measured are listed by name.
 */
export function presentRecommendation(gain: string, verdicts: readonly GuardVerdict[]): Recommendation {
  const costs = verdicts.filter((v) => v.status === 'regressed' || v.status === 'inconclusive');
  const unmeasured = verdicts.filter((v) => v.status === 'not_measured').map((v) => v.metric);
  const tail = unmeasured.length > 0 ? `; not measured: ${unmeasured.join(', ')}` : '';
  if (costs.length === 0) return { kind: 'improvement', headline: `${gain}; guards hold${tail}`, unmeasured };
  const described = costs.map((v) => {
    const loss = v.evidence ? Math.abs(v.evidence.loss) : 0;
    return v.status === 'regressed' ? `costs ${(loss * 100).toFixed(1)}% ${v.metric}` : `may cost ${v.metric} (${(loss * 100).toFixed(1)}% measured, not shown within margin)`;
  });
  return { kind: 'trade_off', headline: `trade-off: ${gain}, ${described.join(', ')}${tail}`, unmeasured };
}
