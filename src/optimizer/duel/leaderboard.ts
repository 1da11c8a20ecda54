import { normalCdf } from '../gp/normal.js';
import type { Rating } from './bradley-terry.js';
import type { ClaimVerdict } from './paired-verdict.js';

/** One leaderboard line. */
export interface LeaderboardEntry {
  rank: number;
  id: string;
  /** Elo-scale rating relative to the baseline (0). */
  rating: number;
  rating_sd: number;
  /** 95% interval of the rating. */
  rating_ci95: [number, number];
  /** Posterior-style probability that the config beats the baseline, from the rating and its sd. */
  p_beats_baseline: number;
  /** Won its confirmatory paired test against the baseline (the only basis for "better than baseline"). */
  confirmed_better: boolean;
  role: 'candidate' | 'baseline' | 'placebo';
}

/**
 * Ranks feasible configs by Bradley-Terry rating (anchored at the baseline) and shows the
 * confidence; the baseline and the placebo are listed too so users see the A/A control. Ratings only
 * order the board: "better than baseline" comes from the confirmatory verdicts alone.
 */
export function buildLeaderboard(
  ratings: readonly Rating[],
  opts: { baseline: string; placebo: string; feasible: ReadonlySet<string>; verdicts: readonly ClaimVerdict[] },
): LeaderboardEntry[] {
  const confirmed = new Set(opts.verdicts.filter((v) => v.better_than_baseline).map((v) => v.id));
  return ratings
    .filter((r) => r.id === opts.baseline || r.id === opts.placebo || opts.feasible.has(r.id))
    .sort((a, b) => b.rating - a.rating)
    .map((r, i) => ({
      rank: i + 1,
      id: r.id,
      rating: r.rating,
      rating_sd: r.rating_sd,
      rating_ci95: [r.rating - 1.96 * r.rating_sd, r.rating + 1.96 * r.rating_sd],
      p_beats_baseline: r.id === opts.baseline ? 0.5 : r.rating_sd > 0 ? normalCdf(r.rating / r.rating_sd) : r.rating > 0 ? 1 : 0.5,
      confirmed_better: r.id !== opts.placebo && r.id !== opts.baseline && confirmed.has(r.id),
      role: r.id === opts.baseline ? 'baseline' : r.id === opts.placebo ? 'placebo' : 'candidate',
    }));
}
