import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { IdSchema } from '../../core/safe-text.js';
import { TournamentRecordSchema } from '../../core/tournament-record.js';
import { TournamentSpecSchema } from '../../core/tournament-spec.js';
import { TournamentViewSchema } from '../../core/tournament-view.js';
import { ConfigSchema } from '../../core/config.js';
import { EnvMapSchema } from '../../core/safe-text.js';
import type { TournamentController } from '../../service/tournament-controller.js';
import { buildTournamentView } from '../../service/tournament-view.js';
import { checkingBody } from '../body-problems.js';
import { isFinalState } from '../../core/campaign-record.js';
import { TOURNAMENT_EVENT_DOCS, TOURNAMENT_EVENT_TYPES } from '../../store/tournament-events.js';
import { eventStreamRouteOptions, resumePoint, streamEvents } from './event-routes.js';
import type { RouteDeps } from './route-deps.js';
import { tournamentSpecProblems } from '../../service/tournament-setup.js';

const IdParams = z.object({ id: IdSchema });

/** The body, with the spec's own problems (undefined allocators, names not listed, the sweep) reported with its other schema problems. */
const TournamentBodySchema = TournamentSpecSchema.superRefine((value, ctx) => {
  for (const p of tournamentSpecProblems(value)) ctx.addIssue({ code: 'custom', message: p.message, path: p.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)) });
});

const TournamentReplySchema = z.object({ tournament: TournamentRecordSchema });

/** What a tournament export hands over per thread count: the winning allocator and config, with the evidence in the view. */
export const TournamentExportSchema = TournamentViewSchema.extend({
  recommendations: z.array(
    z.object({
      threads: z.number().int().nullable(),
      allocator: z.string(),
      arm: z.string(),
      config: ConfigSchema,
      env: EnvMapSchema,
      /** True only when the arm won its confirmatory paired test against the baseline. */
      beats_baseline: z.boolean(),
      because: z.string(),
    }),
  ),
  generated_at: z.string(),
});

const EVENTS_DESCRIPTION = [
  'Server-sent events of one tournament in stream order, each with its stream id (its children keep their own streams: /v1/campaigns/:id/events); the stream ends after `tournament_finished`. Event types:',
  ...TOURNAMENT_EVENT_TYPES.map((type) => `- \`${type}\` ${TOURNAMENT_EVENT_DOCS[type].data}: ${TOURNAMENT_EVENT_DOCS[type].meaning}`),
].join('\n');

/** `/v1/tournaments...`: create, list, inspect, cancel, leaderboard, export, events. */
export function tournamentRoutes(deps: RouteDeps, tournaments: TournamentController) {
  return (root: FastifyInstance): void => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const view = async (id: string) => buildTournamentView(deps.redis, await tournaments.record(id), deps.controller);

    app.post('/v1/tournaments', { schema: { body: TournamentBodySchema, security: [{ bearer: [] }], response: { 201: TournamentReplySchema } } }, async (request, reply) => {
      const record = await checkingBody(() => tournaments.create(request.body));
      return reply.code(201).send({ tournament: record });
    });

    app.get('/v1/tournaments', { schema: { response: { 200: z.object({ tournaments: z.array(TournamentRecordSchema) }) } } }, async () => ({ tournaments: await tournaments.list() }));

    app.get('/v1/tournaments/:id', { schema: { params: IdParams, response: { 200: TournamentReplySchema } } }, async (request) => ({ tournament: await tournaments.record(request.params.id) }));

    app.post('/v1/tournaments/:id/cancel', { schema: { params: IdParams, security: [{ bearer: [] }], response: { 200: TournamentReplySchema } } }, async (request) => ({
      tournament: await tournaments.cancel(request.params.id),
    }));

    app.get(
      '/v1/tournaments/:id/events',
      eventStreamRouteOptions(EVENTS_DESCRIPTION),
      async (request, reply) => {
        const { id } = request.params;
        const resume = resumePoint(request);
        await tournaments.record(id);
        await streamEvents(deps, request, reply, { id, resume, lastEvent: 'tournament_finished', stopped: async () => isFinalState((await tournaments.record(id)).state) });
      },
    );

    app.get('/v1/tournaments/:id/leaderboard', { schema: { params: IdParams, response: { 200: TournamentViewSchema } } }, async (request) => view(request.params.id));

    app.get('/v1/tournaments/:id/export', { schema: { params: IdParams, response: { 200: TournamentExportSchema } } }, async (request) => {
      const v = await view(request.params.id);
      const recommendations = v.per_threads.flatMap((t) =>
        t.winner === null
          ? []
          : [{ threads: t.threads, allocator: t.winner.allocator, arm: t.winner.arm, config: t.winner.config, env: t.winner.env, beats_baseline: t.winner.verdict === 'better', because: t.winner.verdict === 'better' ? t.winner.reason : `nothing beat ${v.baseline_allocator} defaults: keep them` }],
      );
      return { ...v, recommendations, generated_at: new Date().toISOString() };
    });
  };
}
