import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Api } from './types.js';
import type { Tiercast } from '../app.js';
import { installErrorHandling } from './error-handler.js';
import { installPrometheus } from './prometheus.js';
import { accessRoutes } from './routes/accesses.js';
import { metricsRoutes } from './routes/metrics.js';
import { migrationRoutes } from './routes/migrations.js';
import { mlRoutes } from './routes/ml.js';
import { objectRoutes } from './routes/objects.js';
import { activityRoutes } from './routes/activity.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { simulationRoutes } from './routes/simulations.js';
import { ErrorBody, MigrationBody, ObjectBody } from './schemas.js';

const VERSION = '0.1.0';

/** The HTTP face: thin routes over the Tiercast services; errors mapped in one place. */
export async function buildServer(app: Tiercast): Promise<Api> {
  const api = Fastify({
    // Per-request lines would drown the narration of tiering decisions; errors still show.
    loggerInstance: app.log.child({}, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: app.config.server.jsonBodyLimitBytes,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  installErrorHandling(api);
  for (const schema of [ErrorBody, ObjectBody, MigrationBody]) api.addSchema(schema);
  await api.register(swagger, {
    openapi: {
      info: {
        title: 'Tiercast API',
        version: VERSION,
        description: 'Intelligent storage tiering: objects, accesses, migrations and metrics.',
      },
      tags: [
        { name: 'objects', description: 'Store, read and move objects' },
        { name: 'accesses', description: 'Access history' },
        { name: 'migrations', description: 'Moves between tiers and why' },
        { name: 'ml', description: 'Forecasts, training and the proactive sweep' },
        { name: 'system', description: 'Tiers, figures and health' },
      ],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await api.register(swaggerUi, { routePrefix: '/docs' });
  api.get('/openapi.json', { schema: { hide: true } }, async () => api.swagger());

  installPrometheus(api, app);
  await objectRoutes(api, app);
  await accessRoutes(api, app);
  await migrationRoutes(api, app);
  await metricsRoutes(api, app);
  await mlRoutes(api, app);
  await activityRoutes(api, app);
  await eventRoutes(api, app);
  await simulationRoutes(api, app);
  await dashboardRoutes(api);
  return api;
}
