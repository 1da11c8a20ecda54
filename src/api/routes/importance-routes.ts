import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdSchema } from '../../core/safe-text.js';
import type { RouteDeps } from './route-deps.js';

const Share = z.number().min(0).max(1);

/** The response of `GET /v1/campaigns/:id/importance`. */
export const ImportanceResponseSchema = z.object({
  campaign_id: z.string(),
  /** Trial-set version the estimate was computed at (-1: the campaign has stopped; the estimate is final). */
  version: z.number().int(),
  computed_at: z.string(),
  /** Searched knobs, in embedding order. */
  knobs: z.array(z.string()),
  metrics: z.array(
    z.object({
      /** Summary key of the metric. */
      metric: z.string(),
      role: z.enum(['objective', 'constraint', 'guard']),
      method: z.string(),
      /** Trials the estimate rests on (fewer than 4: no estimate, `knobs` empty). */
      trials: z.number().int(),
      /** Level of the bootstrap intervals (e.g. 0.9). */
      level: z.number(),
      /** Most important first: total-effect share (main effect and interactions) and first-order share, each with its interval. */
      knobs: z.array(
        z.object({ name: z.string(), total: Share, total_low: Share, total_high: Share, first: Share, first_low: Share, first_high: Share }),
      ),
    }),
  ),
});
export type ImportanceResponse = z.infer<typeof ImportanceResponseSchema>;

/** `GET /v1/campaigns/:id/importance`: knob importance per judged metric, from the campaign's own trials. */
export function importanceRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/v1/campaigns/:id/importance',
      { schema: { params: z.object({ id: IdSchema }), response: { 200: ImportanceResponseSchema } } },
      async (request): Promise<ImportanceResponse> => {
        const { version, importance } = await deps.controller.importance(request.params.id);
        return { ...importance, version };
      },
    );
  };
}
