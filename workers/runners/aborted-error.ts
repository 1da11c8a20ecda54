import { AlloctuneError } from '../../src/core/alloctune-error.js';
import type { RunContext } from './workload-runner.js';

/**
 * The error every runner rejects with once `ctx.signal` has fired: the retryable WORKER_LOST, so
 * the queue re-runs the trial instead of recording the config as failed (a process killed by the
 * abort would otherwise look like a crash of the config).
 */
export function abortedError(ctx: RunContext, during: string, cause?: unknown): AlloctuneError {
  const reason = ctx.signal?.reason;
  const why = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : 'aborted';
  return new AlloctuneError('ALLOCTUNE_ERR_WORKER_LOST', { worker: ctx.worker ?? 'local', reason: `${during} aborted: ${why}` }, cause === undefined ? undefined : { cause });
}
