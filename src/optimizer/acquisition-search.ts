import type { SeededRng } from '../core/seeded-rng.js';
import { pointKey } from './point-key.js';

/** Scores candidate points (higher is better) under the current model. */
export type AcquisitionScorer = (points: readonly number[][]) => number[];

/** How to search the cube for the acquisition maximum. */
export interface AcquisitionSearchOptions {
  dimension: number;
  rng: SeededRng;
  snap: (v: number[]) => number[];
  /** Points to search around (best observed first). */
  anchors: readonly number[][];
  /** Keys of points that must not be proposed again. */
  taken: Set<string>;
  global_candidates: number;
  local_candidates: number;
  refine_rounds: number;
}

function perturb(base: readonly number[], sd: number, rng: SeededRng): number[] {
  const out = [...base];
  // Moving a few coordinates at a time keeps local moves meaningful in 10+ dimensions.
  const moves = Math.max(1, Math.min(out.length, 1 + Math.floor(rng.next() * 3)));
  for (let m = 0; m < moves; m++) {
    const k = rng.int(0, out.length - 1);
    out[k] = Math.min(1, Math.max(0, (out[k] as number) + sd * rng.normal()));
  }
  return out;
}

/**
 * Maximises an acquisition function over snapped points: random global candidates plus local
 * perturbations of the anchors, then a few shrinking refinement rounds around the best. Returns the
 * best point not in `taken`, with its score, or undefined when every candidate was taken.
 */
export function maximiseAcquisition(score: AcquisitionScorer, opts: AcquisitionSearchOptions): { point: number[]; value: number } | undefined {
  const seen = new Set<string>();
  const candidates: number[][] = [];
  const add = (raw: number[]): void => {
    const p = opts.snap(raw);
    const key = pointKey(p);
    if (opts.taken.has(key) || seen.has(key)) return;
    seen.add(key);
    candidates.push(p);
  };
  for (let i = 0; i < opts.global_candidates; i++) add(Array.from({ length: opts.dimension }, () => opts.rng.next()));
  if (opts.anchors.length > 0) {
    for (let i = 0; i < opts.local_candidates; i++) {
      const anchor = opts.anchors[i % opts.anchors.length] as number[];
      add(perturb(anchor, i % 2 === 0 ? 0.05 : 0.15, opts.rng));
    }
  }
  if (candidates.length === 0) return undefined;
  const values = score(candidates);
  let bestIdx = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[bestIdx] as number)) bestIdx = i;
  let best = { point: candidates[bestIdx] as number[], value: values[bestIdx] as number };
  let sd = 0.05;
  for (let round = 0; round < opts.refine_rounds; round++) {
    const local: number[][] = [];
    for (let i = 0; i < 24; i++) {
      const p = opts.snap(perturb(best.point, sd, opts.rng));
      const key = pointKey(p);
      if (opts.taken.has(key) || seen.has(key)) continue;
      seen.add(key);
      local.push(p);
    }
    if (local.length > 0) {
      const lv = score(local);
      for (let i = 0; i < lv.length; i++) if ((lv[i] as number) > best.value) best = { point: local[i] as number[], value: lv[i] as number };
    }
    sd /= 2;
  }
  return best;
}
