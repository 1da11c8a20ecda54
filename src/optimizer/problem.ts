import type { AbsoluteConstraintSpec, MetricEstimate, Observation, ObjectiveSpec } from '../core/optimizer-observation.js';

/** A constraint rewritten as `sign * metric <= limit`, so models only ever see upper bounds. */
export interface UpperBound {
  metric: string;
  sign: 1 | -1;
  limit: number;
}

/** The one place where `direction` and `min` bounds are turned into minimisation and `<=`. */
export function toUpperBound(constraint: AbsoluteConstraintSpec): UpperBound {
  return 'max' in constraint
    ? { metric: constraint.metric, sign: 1, limit: constraint.max }
    : { metric: constraint.metric, sign: -1, limit: -constraint.min };
}

/** The objective as a quantity to minimise (negated for `max`), or undefined for a failed trial. */
export function minimisedObjective(obs: Observation, objective: ObjectiveSpec): MetricEstimate | undefined {
  if (!obs.objective) return undefined;
  return objective.direction === 'min' ? obs.objective : { ...obs.objective, mean: -obs.objective.mean };
}

/** True when the trial succeeded and every constraint mean meets its bound (unless `feasible` says otherwise). */
export function isFeasible(obs: Observation, constraints: readonly AbsoluteConstraintSpec[]): boolean {
  if (obs.feasible !== undefined) return obs.feasible;
  if (!obs.objective) return false;
  return constraints.every((c) => {
    const m = obs.constraints[c.metric];
    if (!m) return false;
    const b = toUpperBound(c);
    return b.sign * m.mean <= b.limit;
  });
}
