import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { IdSchema } from '../../core/safe-text.js';
import { scoreTrial } from '../../service/trial-evaluation.js';
import { getTrialResult } from '../../store/trial-result-store.js';
import type { RouteDeps } from './route-deps.js';

/**
 * `GET /v1/campaigns/:id/trials/:tid`: one trial as the campaign tracks it (with its score) and the
 * worker's stored result (every repeat, its steal, the allocator that served it and the options it
 * read back). `results` holds the one stored result, or nothing while the trial is in flight.
 */
export function trialDetailRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get('/v1/campaigns/:id/trials/:tid', { schema: { params: z.object({ id: IdSchema, tid: IdSchema }) } }, async (request) => {
      const record = await deps.controller.record(request.params.id);
      const trial = (await deps.controller.trials(record.id)).find((t) => t.trial_id === request.params.tid);
      if (!trial) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'trial', id: request.params.tid });
      const result = await getTrialResult(deps.redis, record.id, trial.trial_id);
      return { trial: { ...trial, score: scoreTrial(record.spec, record.metrics, trial) }, results: result ? [result] : [] };
    });
  };
}
