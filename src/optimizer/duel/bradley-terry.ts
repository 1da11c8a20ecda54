import { Matrix, solve } from 'ml-matrix';

import type { Rating } from '../../core/leaderboard-record.js';

export type { Rating } from '../../core/leaderboard-record.js';

// Every config also plays one virtual drawn game against a fixed rating-0 opponent: a weak prior
// that keeps ratings finite when a config has only wins (or only losses) and the Hessian invertible.
const PRIOR_GAMES = 1;
const ELO_SCALE = 400 / Math.LN10;

/**
 * Bradley-Terry ratings from paired duel outcomes: P(a beats b) = 1 / (1 + exp(theta_b - theta_a)),
 * fitted by Newton's method on the penalised likelihood; standard errors from the inverse observed
 * information. Ratings are reported relative to `anchor` (the baseline) when it is given.
 */
export class BradleyTerry {
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  // wins[i][j]: (possibly fractional) wins of i over j.
  private readonly wins: number[][] = [];

  /** Adds a config with no games (it is rated by the prior alone until it plays). */
  add(id: string): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
    for (const row of this.wins) row.push(0);
    this.wins.push(new Array<number>(this.ids.length).fill(0));
  }

  /** Records one duel outcome: score 1 = `a` won, 0 = `b` won, 0.5 = tie. */
  record(a: string, b: string, score: 1 | 0 | 0.5): void {
    if (a === b) throw new RangeError('a config cannot duel itself');
    this.add(a);
    this.add(b);
    const i = this.index.get(a) as number;
    const j = this.index.get(b) as number;
    (this.wins[i] as number[])[j] = ((this.wins[i] as number[])[j] as number) + score;
    (this.wins[j] as number[])[i] = ((this.wins[j] as number[])[i] as number) + (1 - score);
  }

  /** Ratings, best first. With `anchor`, its rating is 0 and the others are relative to it. */
  ratings(anchor?: string): Rating[] {
    const k = this.ids.length;
    if (k === 0) return [];
    const theta = new Float64Array(k);
    let info = Matrix.eye(k);
    for (let iter = 0; iter < 100; iter++) {
      const grad = new Float64Array(k);
      const hess = Matrix.zeros(k, k);
      for (let i = 0; i < k; i++) {
        // Prior: a draw against a rating-0 opponent.
        const p0 = 1 / (1 + Math.exp(-(theta[i] as number)));
        grad[i] = (grad[i] as number) + PRIOR_GAMES * (0.5 - p0);
        hess.set(i, i, hess.get(i, i) + PRIOR_GAMES * p0 * (1 - p0));
        for (let j = 0; j < k; j++) {
          if (i === j) continue;
          const nij = ((this.wins[i] as number[])[j] as number) + ((this.wins[j] as number[])[i] as number);
          if (nij === 0) continue;
          const p = 1 / (1 + Math.exp((theta[j] as number) - (theta[i] as number)));
          grad[i] = (grad[i] as number) + ((this.wins[i] as number[])[j] as number) - nij * p;
          hess.set(i, i, hess.get(i, i) + nij * p * (1 - p));
          hess.set(i, j, hess.get(i, j) - nij * p * (1 - p));
        }
      }
      info = hess;
      const step = solve(hess, Matrix.columnVector(Array.from(grad)));
      let maxStep = 0;
      for (let i = 0; i < k; i++) {
        theta[i] = (theta[i] as number) + step.get(i, 0);
        maxStep = Math.max(maxStep, Math.abs(step.get(i, 0)));
      }
      if (maxStep < 1e-10) break;
    }
    const cov = solve(info, Matrix.eye(k));
    const a = anchor === undefined ? undefined : this.index.get(anchor);
    const games = this.ids.map((_, i) => this.ids.reduce((s, __, j) => s + ((this.wins[i] as number[])[j] as number) + ((this.wins[j] as number[])[i] as number), 0));
    return this.ids
      .map((id, i) => {
        const rel = a === undefined ? (theta[i] as number) : (theta[i] as number) - (theta[a] as number);
        const variance = a === undefined || a === i ? cov.get(i, i) : cov.get(i, i) + cov.get(a, a) - 2 * cov.get(i, a);
        return { id, rating: ELO_SCALE * rel, rating_sd: a === i ? 0 : ELO_SCALE * Math.sqrt(Math.max(variance, 0)), games: games[i] as number };
      })
      .sort((x, y) => y.rating - x.rating);
  }

  /** Plain data for persisting. */
  toJSON(): { ids: string[]; wins: number[][] } {
    return { ids: [...this.ids], wins: this.wins.map((r) => [...r]) };
  }

  /** Rebuilds from {@link toJSON} output. */
  static fromJSON(state: { ids: string[]; wins: number[][] }): BradleyTerry {
    const bt = new BradleyTerry();
    for (const id of state.ids) bt.add(id);
    state.wins.forEach((row, i) => row.forEach((w, j) => ((bt.wins[i] as number[])[j] = w)));
    return bt;
  }
}
