import { isAlloctuneError } from '../core/alloctune-error.js';
import { InputProblemsError } from '../core/input-problems-error.js';

/**
 * Run a step that checks a request body (campaign pre-flight) and report its 400 under the same
 * paths as schema problems: `body.` and the field as the request spells it (`body.workloads.1.args.thread`).
 */
export async function checkingBody<T>(step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof InputProblemsError) throw new InputProblemsError(err.problems.map((p) => ({ ...p, path: `body.${p.path}` })));
    const field = isAlloctuneError(err) && err.code === 'ALLOCTUNE_ERR_INVALID_INPUT' ? err.params['field'] : undefined;
    if (typeof field === 'string') throw new InputProblemsError([{ path: `body.${field}`, message: String(isAlloctuneError(err) ? (err.params['reason'] ?? err.message) : '') }]);
    throw err;
  }
}
