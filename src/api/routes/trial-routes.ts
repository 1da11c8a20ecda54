import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { trialIndex, TrialRecordSchema, TrialRoleSchema } from '../../core/campaign-record.js';
import { IdSchema } from '../../core/safe-text.js';
import { TrialResultSchema } from '../../core/trial-result.js';
import { scoreTrial, TrialScoreSchema } from '../../service/trial-evaluation.js';
import { getTrialResult } from '../../store/trial-result-store.js';
import { trialsCsv, type ScoredTrial } from '../export/trials-csv.js';
import { decodeTrialCursor, encodeTrialCursor, TrialCursorSchema } from '../trial-cursor.js';
import type { RouteDeps } from './route-deps.js';

/** A trial as served: its record and the service's judgement of it (objective, feasibility), so clients never re-derive them. */
export const ScoredTrialSchema = TrialRecordSchema.extend({ score: TrialScoreSchema });

/** `GET /v1/campaigns/:id/trials`. */
export const TrialListResponseSchema = z.object({
  trials: z.array(ScoredTrialSchema),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});

/** `GET /v1/campaigns/:id/trials/:tid`: the record and the worker's stored result with every repeat. */
export const TrialDetailResponseSchema = z.object({
  trial: ScoredTrialSchema,
  /**
   * The stored result (a result is stored once per trial, so at most one; none while in flight):
   * every repeat (kept and discarded for CPU steal), the options the allocator read back, the
   * allocator that served it, the library preloaded.
   */
  results: z.array(TrialResultSchema),
});

const MAX_PAGE = 1000;

const TrialFilterSchema = z.object({
  state: TrialRecordSchema.shape.state.optional(),
  role: TrialRoleSchema.optional(),
});

const TrialListQuerySchema = TrialFilterSchema.extend({
  /** At most this many trials (all when absent). */
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: TrialCursorSchema.optional(),
  /** `csv` answers like `trials.csv`. */
  format: z.enum(['json', 'csv']).default('json'),
}).strict();

const CSV_TYPE = 'text/csv; charset=utf-8';
const csvResponse = { 200: { description: 'One row per trial (RFC 4180)', content: { 'text/csv': { schema: z.string() } } } };

/** `/v1/campaigns/:id/trials...`: filtered pages of trials, one trial with its stored result, CSV. */
export function trialRoutes(deps: RouteDeps) {
  const scored = async (id: string, filter: z.infer<typeof TrialFilterSchema>): Promise<ScoredTrial[]> => {
    const record = await deps.controller.record(id);
    const trials = (await deps.controller.trials(record.id))
      .filter((t) => (filter.state === undefined || t.state === filter.state) && (filter.role === undefined || t.role === filter.role))
      .sort((a, b) => trialIndex(a.trial_id) - trialIndex(b.trial_id));
    return trials.map((t) => ({ ...t, score: scoreTrial(record.spec, record.metrics, t) }));
  };
  const csvFilename = (id: string): string => `attachment; filename="${id}-trials.csv"`;

  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const params = z.object({ id: IdSchema });

    app.get(
      '/v1/campaigns/:id/trials',
      {
        schema: {
          params,
          querystring: TrialListQuerySchema,
          response: { 200: { description: 'A page of trials in id order (format=csv: CSV, as trials.csv)', content: { 'application/json': { schema: TrialListResponseSchema }, 'text/csv': { schema: z.string() } } } },
        },
      },
      async (request, reply) => {
        const { limit, cursor, format, ...filter } = request.query;
        let trials = await scored(request.params.id, filter);
        if (format === 'csv') return reply.type(CSV_TYPE).header('content-disposition', csvFilename(request.params.id)).send(trialsCsv(trials));
        const after = cursor === undefined ? undefined : decodeTrialCursor(cursor);
        if (after !== undefined) trials = trials.filter((t) => trialIndex(t.trial_id) > after);
        const page = limit === undefined ? trials : trials.slice(0, limit);
        const last = page.at(-1);
        const next_cursor = last !== undefined && page.length < trials.length ? encodeTrialCursor(last.trial_id) : null;
        return reply.send({ trials: page, next_cursor });
      },
    );

    app.get(
      '/v1/campaigns/:id/trials.csv',
      { schema: { params, querystring: TrialFilterSchema.strict(), response: csvResponse } },
      async (request, reply) => {
        const trials = await scored(request.params.id, request.query);
        return reply.type(CSV_TYPE).header('content-disposition', csvFilename(request.params.id)).send(trialsCsv(trials));
      },
    );

    app.get(
      '/v1/campaigns/:id/trials/:tid',
      { schema: { params: params.extend({ tid: IdSchema }), response: { 200: TrialDetailResponseSchema } } },
      async (request) => {
        const { id, tid } = request.params;
        const record = await deps.controller.record(id);
        const trial = (await deps.controller.trials(record.id)).find((t) => t.trial_id === tid);
        if (!trial) throw new AlloctuneError('ALLOCTUNE_ERR_NOT_FOUND', { what: 'trial', id: tid });
        const result = await getTrialResult(deps.redis, record.id, tid);
        return { trial: { ...trial, score: scoreTrial(record.spec, record.metrics, trial) }, results: result ? [result] : [] };
      },
    );
  };
}
