import type { ClaimVerdict } from '../../core/leaderboard-record.js';
import type { ObjectiveSpec } from '../../core/optimizer-observation.js';
import { holmAdjust } from './holm.js';
import { signTest } from './sign-test.js';
import { wilcoxonSignedRank } from './wilcoxon-signed-rank.js';

/** Paired measurements of one claim: `candidate[i]` and `baseline[i]` ran back to back on one worker. */
export interface PairedClaim {
  id: string;
  candidate: readonly number[];
  baseline: readonly number[];
}

/** How claims are judged. */
export interface VerdictOptions {
  objective: ObjectiveSpec;
  /** Family-wise error rate over all claims (default 0.05). */
  alpha?: number;
  /** Practical-significance floor: median paired relative improvement must reach it. */
  min_relative_effect: number;
  test?: 'wilcoxon' | 'sign';
}

export type { ClaimVerdict } from '../../core/leaderboard-record.js';

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Confirmatory judgement of "better than baseline" claims. A claim wins only when its one-sided
 * paired test (Wilcoxon signed-rank or sign test on improvements) stays below `alpha` after Holm
 * correction over all claims AND the median paired improvement reaches `min_relative_effect`, so a
 * statistically clear but tiny difference inside the measurement noise is not reported. The
 * placebo is judged as one more claim; if it wins, the measurements cannot be trusted.
 */
export function judgeClaims(claims: readonly PairedClaim[], opts: VerdictOptions): ClaimVerdict[] {
  const alpha = opts.alpha ?? 0.05;
  const sign = opts.objective.direction === 'min' ? 1 : -1;
  const prepared = claims.map((c) => {
    const pairs = Math.min(c.candidate.length, c.baseline.length);
    const improvements: number[] = [];
    const relative: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const b = c.baseline[i] as number;
      const diff = sign * (b - (c.candidate[i] as number));
      improvements.push(diff);
      relative.push(b !== 0 ? diff / Math.abs(b) : 0);
    }
    const test = opts.test === 'sign' ? signTest(improvements, 'greater') : wilcoxonSignedRank(improvements, 'greater');
    return { id: c.id, pairs, relative_effect: median(relative), p_value: test.p_value };
  });
  const adjusted = holmAdjust(prepared.map((p) => p.p_value));
  return prepared.map((p, i) => {
    const pAdj = adjusted[i] as number;
    const significant = pAdj < alpha;
    const practical = p.relative_effect >= opts.min_relative_effect;
    const better = significant && practical;
    const reason = better
      ? `p_adjusted ${pAdj.toPrecision(3)} < ${alpha} and median improvement ${(100 * p.relative_effect).toFixed(2)}% >= ${(100 * opts.min_relative_effect).toFixed(2)}%`
      : !significant
        ? `not significant: p_adjusted ${pAdj.toPrecision(3)} >= ${alpha} over ${p.pairs} pairs`
        : `below the practical threshold: median improvement ${(100 * p.relative_effect).toFixed(2)}% < ${(100 * opts.min_relative_effect).toFixed(2)}%`;
    const test = `one-sided ${opts.test === 'sign' ? 'sign test' : 'Wilcoxon signed-rank'} on paired measurements`;
    return { id: p.id, pairs: p.pairs, relative_effect: p.relative_effect, p_value: p.p_value, p_adjusted: pAdj, better_than_baseline: better, reason, test, rule: 'fixed' };
  });
}
