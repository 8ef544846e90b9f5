import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { planPlacement } from '../../domain/placement.js';
import { BreakEvenTrigger } from '../../engine/break-even-trigger.js';
import type { Api } from '../types.js';
import { errorResponses, ObjectIdParams, PredictionBody, SweepBody, TrainingBody } from '../schemas.js';

const round = (v: number) => Math.round(v * 100) / 100;

/** The proactive side: training, the model registry, forecasts and the proactive sweep. */
export async function mlRoutes(api: Api, app: Tiercast): Promise<void> {
  api.post(
    '/api/ml/train',
    { schema: { summary: 'Train the forecaster on the catalog\'s history and print the backtest', tags: ['ml'], response: { 200: TrainingBody } } },
    async () => app.forecaster.train(),
  );

  api.get(
    '/api/ml/models',
    {
      schema: {
        summary: 'The model registry, newest first, with each model\'s backtest error',
        tags: ['ml'],
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
        response: {
          200: Type.Object({
            served: Type.Object({ version: Type.Integer(), family: Type.String() }),
            models: Type.Array(
              Type.Object({
                version: Type.Integer(),
                family: Type.String(),
                created_at: Type.String(),
                trained_from: Type.String(),
                trained_to: Type.String(),
                horizon_hours: Type.Integer(),
                served: Type.Boolean(),
                features: Type.Array(Type.String()),
                metrics: Type.Object({}, { additionalProperties: true }),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      served: app.forecaster.servedModel,
      models: (await app.catalog.listModels(request.query.limit)).map((m) => ({
        version: m.version,
        family: m.family,
        created_at: new Date(m.createdAt).toISOString(),
        trained_from: new Date(m.trainedFrom).toISOString(),
        trained_to: new Date(m.trainedTo).toISOString(),
        horizon_hours: m.horizonHours,
        served: m.served,
        features: m.featureNames,
        metrics: { ...m.metrics },
      })),
    }),
  );

  api.get(
    '/api/objects/:id/predict',
    {
      schema: {
        summary: 'Forecast an object\'s accesses over the horizon, with the features and the placement it implies',
        tags: ['ml'],
        params: ObjectIdParams,
        response: { 200: PredictionBody, ...errorResponses },
      },
    },
    async (request) => {
      const object = await app.objects.get(request.params.id);
      const [forecast] = await app.forecaster.forecast([object]);
      const horizonHours = app.config.proactive.horizonHours;
      const accesses = forecast?.accesses ?? 0;
      const placement = planPlacement(app.tiers.profiles, { currentTier: object.tier, sizeBytes: object.sizeBytes }, { accesses, horizonHours }, {
        latencyPenaltyPerSecond: app.config.proactive.latencyPenaltyPerSecond,
        moveMargin: app.config.proactive.moveMargin,
        maxPlanningHours: app.config.proactive.maxPlanningDays * 24,
      });
      const model = app.forecaster.servedModel;
      const breakEven = app.reactive instanceof BreakEvenTrigger ? await app.reactive.inspect(object) : undefined;
      return {
        ...(breakEven ? { break_even: breakEven } : {}),
        object_id: object.objectId,
        current_tier: object.tier,
        predicted_next_24h: round((accesses * 24) / horizonHours),
        horizon_hours: horizonHours,
        predicted_accesses: round(accesses),
        model_version: model.version,
        model_family: model.family,
        features: forecast?.features ?? {},
        placement: {
          best_tier: placement.bestTier,
          would_move: placement.move,
          planning_window_hours: round(placement.windowHours),
          saving_usd: Number(placement.saving.toPrecision(4)),
          expected_cost_usd: Object.fromEntries(placement.costs.map((c) => [c.tier, Number(c.total.toPrecision(4))])),
        },
      };
    },
  );

  api.post(
    '/api/proactive/run',
    { schema: { summary: 'Run the proactive sweep now and report what it planned', tags: ['ml'], response: { 200: SweepBody } } },
    async () => app.proactive.sweep(),
  );
}
