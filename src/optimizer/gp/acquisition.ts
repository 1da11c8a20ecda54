import { normalCdf, normalPdf } from './normal.js';

/**
 * Expected improvement below `best` (minimisation) of a normal posterior N(mean, sd^2):
 * (best - mean) Phi(z) + sd phi(z), z = (best - mean) / sd.
 */
export function expectedImprovement(mean: number, sd: number, best: number): number {
  if (!(sd > 0)) return Math.max(best - mean, 0);
  const z = (best - mean) / sd;
  return Math.max((best - mean) * normalCdf(z) + sd * normalPdf(z), 0);
}

/** P(metric <= limit) under a normal posterior N(mean, sd^2). */
export function probabilityOfFeasibility(mean: number, sd: number, limit: number): number {
  if (!(sd > 0)) return mean <= limit ? 1 : 0;
  return normalCdf((limit - mean) / sd);
}

/** P(value < best) under a normal posterior N(mean, sd^2) (minimisation). */
export function probabilityOfImprovement(mean: number, sd: number, best: number): number {
  if (!(sd > 0)) return mean < best ? 1 : 0;
  return normalCdf((best - mean) / sd);
}
