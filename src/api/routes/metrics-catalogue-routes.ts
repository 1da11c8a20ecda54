import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WorkloadKindSchema } from '../../core/workload-kinds.js';
import { documentedMetric, METRIC_CATALOGUE } from '../../service/metric-catalogue.js';

/** The response of `GET /v1/metrics-catalogue`. */
export const MetricsCatalogueResponseSchema = z.object({
  metrics: z.array(
    z.object({
      kind: WorkloadKindSchema,
      /** The metric's name, or a family: `<N>` stands for a snapshot offset in ms, `<name>` for a name the worker config gives, `<type>` for a Redis data type of a command mix (or `capture`), `<test>` for a mix's test. */
      name: z.string(),
      unit: z.string(),
      meaning: z.string(),
      better: z.enum(['lower', 'higher']).optional(),
      /** When the runner reports it; absent: always. */
      when: z.string().optional(),
      /** The trace metric measuring the same quantity in a replay standing in for this workload (explore_with.objective), when named differently. */
      replayed_as: z.string().optional(),
    }),
  ),
});

/** `GET /v1/metrics-catalogue`: every metric each workload kind reports, with unit and meaning. */
export function metricsCatalogueRoutes() {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get('/v1/metrics-catalogue', { schema: { response: { 200: MetricsCatalogueResponseSchema } } }, async () => ({ metrics: METRIC_CATALOGUE.map(documentedMetric) }));
  };
}
