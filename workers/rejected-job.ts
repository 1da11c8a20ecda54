import { z } from 'zod';
import { AlloctuneError } from '../src/core/alloctune-error.js';
import { ConfigSchema } from '../src/core/config.js';
import { EnvMapSchema, IdSchema } from '../src/core/safe-text.js';
import { AllocatorNameSchema } from '../src/core/trial-job.js';
import { TrialResultSchema, type TrialResult, type WorkerIdentity } from '../src/core/trial-result.js';

/** The parts of a refused job that identify its trial; the rest is recorded only when it validates. */
const TrialRefSchema = z.object({ campaign_id: IdSchema, trial_id: IdSchema, allocator: AllocatorNameSchema });

/**
 * A failed result (ALLOCTUNE_ERR_INVALID_INPUT with the reason) for a job that did not validate and
 * so ran nothing, or undefined when the job does not even name a trial. Storing it ends the trial for
 * the campaign instead of leaving it waiting for a result that never comes.
 */
export function rejectedJobResult(data: unknown, reason: string, worker: WorkerIdentity, now = new Date()): TrialResult | undefined {
  const ref = TrialRefSchema.safeParse(data);
  if (!ref.success) return undefined;
  const raw = data as Record<string, unknown>;
  const config = ConfigSchema.safeParse(raw['config']);
  const env = EnvMapSchema.safeParse(raw['env']);
  const error = new AlloctuneError('ALLOCTUNE_ERR_INVALID_INPUT', { field: 'trial job', reason: `refused by worker ${worker.name}, nothing was run: ${reason}` });
  return TrialResultSchema.parse({
    schema: 'alloctune.trial/1',
    campaign_id: ref.data.campaign_id,
    trial_id: ref.data.trial_id,
    status: 'failed',
    worker,
    allocator: ref.data.allocator,
    config: config.success ? config.data : {},
    env: env.success ? env.data : {},
    started_at: now.toISOString(),
    finished_at: now.toISOString(),
    duration_ms: 0,
    repeats: [],
    summary: {},
    error: error.toJSON(),
  });
}
