import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlloctuneError } from '../../core/alloctune-error.js';
import { CampaignRecordSchema, isFinalState, isInFlight, type CampaignRecord, type TrialRecord } from '../../core/campaign-record.js';
import { LeaderboardSchema, type Leaderboard } from '../../core/leaderboard-record.js';
import { ConstraintReachSchema } from '../../optimizer/recommend/reachability.js';
import { CampaignSpecSchema } from '../../core/campaign-spec.js';
import { IdSchema } from '../../core/safe-text.js';
import { checkingBody } from '../body-problems.js';
import { buildExportEvidence } from '../../service/export-evidence-builder.js';
import { buildParetoView, ParetoViewSchema } from '../../service/pareto-view.js';
import { campaignReachability } from '../../service/recommendation-evidence.js';
import type { ResolvedCampaignRecord } from '../../service/metric-resolver.js';
import { assertFormatFits } from '../export/export-formats.js';
import { EXPORT_RESPONSES, ExportQuerySchema, exportResponse } from '../export/export-query.js';
import { withKnownAllocator } from '../../spaces/index.js';
import { campaignSpace } from '../../service/campaign-space.js';
import type { RouteDeps } from './route-deps.js';

const IdParams = z.object({ id: IdSchema });
const serialised = new WeakMap<object, string>();

/** Where a campaign stands, for lists and progress bars. */
export const CampaignProgressSchema = z.object({
  explore_budget: z.number().int(),
  explored: z.number().int(),
  trials: z.number().int(),
  in_flight: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  duel_trials: z.number().int(),
  distill_trials: z.number().int(),
});
export type CampaignProgress = z.infer<typeof CampaignProgressSchema>;

/** `POST /v1/campaigns` (201) and `POST .../cancel`: the record, with its progress on creation. */
const CampaignReplySchema = z.object({ campaign: CampaignRecordSchema, progress: CampaignProgressSchema });

/** `GET /v1/campaigns/:id`. */
export const CampaignDetailSchema = CampaignReplySchema.extend({
  /** Parameter of each coordinate of an explored trial's `vector` (the optimizer's view), for plots. */
  search_coordinates: z.array(z.string()),
  /** Each constraint against everything measured; the distillation round is `campaign.distillation`. */
  reachability: z.array(ConstraintReachSchema),
});

/** `GET /v1/campaigns`: every campaign with its progress. */
export const CampaignListSchema = z.object({ campaigns: z.array(CampaignRecordSchema.extend({ progress: CampaignProgressSchema })) });

/** Where a campaign stands, for lists and progress bars. */
export function campaignProgress(record: CampaignRecord, trials: readonly TrialRecord[]): CampaignProgress {
  const count = (pred: (t: TrialRecord) => boolean): number => trials.filter(pred).length;
  return {
    explore_budget: record.spec.budget.trials,
    explored: count((t) => t.role === 'explore'),
    trials: trials.length,
    in_flight: count(isInFlight),
    completed: count((t) => t.state === 'completed'),
    failed: count((t) => t.state === 'failed'),
    duel_trials: count((t) => t.role === 'duel'),
    distill_trials: count((t) => t.role === 'distill'),
  };
}

function requireCampaign(deps: RouteDeps, id: string): Promise<ResolvedCampaignRecord> {
  return deps.controller.record(id);
}

/** `/v1/campaigns...`: create, list, inspect, cancel, leaderboard, Pareto front, export (trials: trial-routes.ts). */
export function campaignRoutes(deps: RouteDeps) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post('/v1/campaigns', { schema: { body: withKnownAllocator(CampaignSpecSchema), security: [{ bearer: [] }], response: { 201: CampaignReplySchema } } }, async (request, reply) => {
      const record = await checkingBody(() => deps.controller.create(request.body));
      return reply.code(201).send({ campaign: record, progress: campaignProgress(record, []) });
    });

    app.get('/v1/campaigns', { schema: { response: { 200: CampaignListSchema } } }, async () => {
      const records = await deps.store.list();
      const campaigns = await Promise.all(
        records.map(async (r) => {
          const live = deps.controller.runtime(r.id)?.record ?? r;
          return { ...live, progress: campaignProgress(live, await deps.controller.trials(r.id)) };
        }),
      );
      return { campaigns };
    });

    app.get('/v1/campaigns/:id', { schema: { params: IdParams, response: { 200: CampaignDetailSchema } } }, async (request) => {
      const record = await requireCampaign(deps, request.params.id);
      return {
        campaign: record,
        progress: campaignProgress(record, await deps.controller.trials(record.id)),
        search_coordinates: await deps.controller.searchCoordinates(record.id),
        reachability: campaignReachability(record, await deps.controller.leaderboard(record.id)),
      };
    });

    app.post('/v1/campaigns/:id/cancel', { schema: { params: IdParams, security: [{ bearer: [] }], response: { 200: CampaignReplySchema } } }, async (request) => {
      await requireCampaign(deps, request.params.id);
      const record = await deps.controller.cancel(request.params.id);
      return { campaign: record, progress: campaignProgress(record, await deps.controller.trials(record.id)) };
    });

    app.get('/v1/campaigns/:id/leaderboard', { schema: { params: IdParams, response: { 200: LeaderboardSchema } } }, async (request, reply) => {
      await requireCampaign(deps, request.params.id);
      const board = await deps.controller.leaderboard(request.params.id);
      // The controller caches the board until the trials change; serialise each board once too. A
      // string is sent as it is (fastify serialises objects only), so this reply skips the schema
      // check; the OpenAPI conformance test checks the board against it instead.
      let json = serialised.get(board);
      if (json === undefined) {
        json = JSON.stringify(board);
        serialised.set(board, json);
      }
      return reply.type('application/json; charset=utf-8').send(json as unknown as Leaderboard);
    });

    app.get('/v1/campaigns/:id/pareto', { schema: { params: IdParams, response: { 200: ParetoViewSchema } } }, async (request) => {
      const record = await requireCampaign(deps, request.params.id);
      return buildParetoView(record, await deps.controller.leaderboard(record.id));
    });

    app.get(
      '/v1/campaigns/:id/export',
      {
        schema: {
          params: IdParams,
          // minimal (default): only the knobs that differ from what the baseline runs with (distilled); full: the winner as found.
          querystring: z.object({ ...ExportQuerySchema.shape, variant: z.enum(['minimal', 'full']).default('minimal') }).strict(),
          response: EXPORT_RESPONSES,
        },
      },
      async (request, reply) => {
        const record = await requireCampaign(deps, request.params.id);
        // A format the allocator cannot use is a 400 whatever the campaign's progress.
        const encoding = campaignSpace(record).encoding.format;
        assertFormatFits(request.query.format, record.spec.allocator, encoding);
        const board = await deps.controller.leaderboard(record.id);
        if (!board.rows.some((r) => r.arm === 'baseline' && r.completed > 0)) {
          throw new AlloctuneError('ALLOCTUNE_ERR_CONFLICT', { reason: `campaign ${record.id} has not measured its baseline yet` });
        }
        // Importance (a GP fit per metric) joins the evidence once the campaign has stopped: a live
        // export is polled by the dashboard, and /importance serves the live estimate.
        const options = { variant: request.query.variant, ...(!isFinalState(record.state) ? {} : { importance: (await deps.controller.importance(record.id)).importance }) };
        const evidence = await buildExportEvidence(deps.redis, record, board, await deps.controller.trials(record.id), options);
        const exported = exportResponse(request.query, evidence, encoding);
        return reply.type(exported.contentType).send(exported.body);
      },
    );
  };
}
