import { SeededRng } from '../core/seeded-rng.js';

/** Ranks 1..n of `values`, ties sharing the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length).fill(0);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.v === order[start]?.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]?.i ?? 0] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] ?? 0) - mx;
    const dy = (y[i] ?? 0) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's rank correlation of paired values (Pearson's r of their average ranks, so ties are
 * handled); NaN when either side has a single distinct value. Throws on unequal lengths or n < 2.
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} values against ${y.length}`);
  if (x.length < 2) throw new Error('spearman: needs at least 2 pairs');
  return pearson(averageRanks(x), averageRanks(y));
}

export interface RankCorrelation {
  rho: number;
  /** Percentile bootstrap interval over resampled pairs (resamples with one distinct value on a side are left out). */
  low: number;
  high: number;
  level: number;
  resamples: number;
  /** Resamples that gave a correlation (the others drew a single distinct value on a side). */
  used: number;
}

/**
 * Spearman's rho with a percentile bootstrap interval: the pairs (one per config) are resampled with
 * replacement `resamples` times from `seed`. With 6-8 configs the interval is wide: that is the point.
 */
export function spearmanInterval(x: readonly number[], y: readonly number[], options: { resamples?: number; level?: number; seed?: number } = {}): RankCorrelation {
  const rho = spearman(x, y);
  const resamples = options.resamples ?? 2000;
  const level = options.level ?? 0.95;
  const rng = new SeededRng(options.seed ?? 1);
  const rhos: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const idx = x.map(() => rng.int(0, x.length - 1));
    const r = spearman(idx.map((i) => x[i] ?? 0), idx.map((i) => y[i] ?? 0));
    if (Number.isFinite(r)) rhos.push(r);
  }
  rhos.sort((a, b) => a - b);
  const at = (q: number): number => rhos[Math.min(rhos.length - 1, Math.max(0, Math.floor(q * rhos.length)))] ?? Number.NaN;
  return { rho, low: at((1 - level) / 2), high: at(1 - (1 - level) / 2), level, resamples, used: rhos.length };
}

/** How a proxy orders the pairs of configs the reference can tell apart (see separatedPairAgreement). */
export interface PairAgreement {
  /** Pairs whose reference repeats do not overlap (every repeat of one below every repeat of the other). */
  separated: number;
  /** Of those, pairs the proxy also separates, in the same order. */
  agreed: number;
  /** The other separated pairs, with the reference's gap between means and whether the proxy separated them (the wrong way round) or not. */
  disagreed: { a: string; b: string; reference_gap: number; proxy: 'reversed' | 'overlapping' }[];
}

const separated = (x: readonly number[], y: readonly number[]): boolean => Math.max(...x) < Math.min(...y) || Math.max(...y) < Math.min(...x);
const meanOf = (xs: readonly number[]): number => xs.reduce((s, v) => s + v, 0) / xs.length;

/**
 * Does a proxy (a replay) order configs as the reference (the program) does, where the reference's
 * own repeats say the order is real? Spearman's rho over all configs counts the order of configs
 * the reference cannot tell apart, which is noise: with many configs tied within their repeats, rho
 * falls whatever the proxy does. This counts only the pairs whose reference repeats do not overlap,
 * and asks the same of the proxy: a pair counts as agreed when the proxy's repeats do not overlap
 * either and its means are ordered the same way. Each config needs at least one repeat on both sides.
 */
export function separatedPairAgreement(configs: readonly { name: string; reference: readonly number[]; proxy: readonly number[] }[]): PairAgreement {
  const result: PairAgreement = { separated: 0, agreed: 0, disagreed: [] };
  for (let i = 0; i < configs.length; i++) {
    for (let j = i + 1; j < configs.length; j++) {
      const a = configs[i];
      const b = configs[j];
      if (!a || !b) continue;
      if (a.reference.length === 0 || a.proxy.length === 0 || b.reference.length === 0 || b.proxy.length === 0) throw new Error(`separatedPairAgreement: ${a.name} or ${b.name} has no repeat`);
      if (!separated(a.reference, b.reference)) continue;
      result.separated++;
      const referenceGap = meanOf(b.reference) - meanOf(a.reference);
      const sameOrder = Math.sign(meanOf(b.proxy) - meanOf(a.proxy)) === Math.sign(referenceGap);
      if (separated(a.proxy, b.proxy) && sameOrder) result.agreed++;
      else result.disagreed.push({ a: a.name, b: b.name, reference_gap: referenceGap, proxy: separated(a.proxy, b.proxy) ? 'reversed' : 'overlapping' });
    }
  }
  return result;
}
