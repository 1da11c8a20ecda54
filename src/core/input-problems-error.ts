import { AlloctuneError } from './alloctune-error.js';

/** One problem of a request: the field path as the request spells it (`workloads.0.args.thread`) and what is wrong. */
export interface InputProblem {
  path: string;
  message: string;
}

/**
 * ALLOCTUNE_ERR_INVALID_INPUT carrying every problem found, not only the first: its message names
 * the first and counts the others; `problems` lists them all for the 400's `issues`.
 */
export class InputProblemsError extends AlloctuneError {
  readonly problems: readonly InputProblem[];

  constructor(problems: readonly InputProblem[]) {
    const [first, ...rest] = problems;
    const more = rest.length === 0 ? '' : ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'}: ${rest.map((p) => p.path).join(', ')})`;
    super('ALLOCTUNE_ERR_INVALID_INPUT', { field: first?.path ?? 'request', reason: `${first?.message ?? 'invalid'}${more}` });
    this.name = 'InputProblemsError';
    this.problems = problems;
  }
}
