import type { Api } from '../types.js';
import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { notFound } from '../../domain/errors.js';
import { MIGRATION_STATUSES } from '../../domain/migration.js';
import { migrationJson } from '../serialize.js';
import { errorResponses, MigrationList } from '../schemas.js';

export async function migrationRoutes(api: Api, app: Tiercast): Promise<void> {
  api.get(
    '/api/migrations',
    {
      schema: {
        summary: 'Migration history, newest first (filters, paging)',
        tags: ['migrations'],
        querystring: Type.Object({
          status: Type.Optional(Type.Enum([...MIGRATION_STATUSES])),
          reason: Type.Optional(Type.String()),
          object_id: Type.Optional(Type.String()),
          tier: Type.Optional(Type.String({ description: 'source or destination tier' })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: { 200: MigrationList, ...errorResponses },
      },
    },
    async (request) => {
      const { status, reason, object_id, tier, limit, offset } = request.query;
      if (tier !== undefined) app.tiers.profile(tier);
      const page = await app.catalog.listMigrations({ status, reason, objectId: object_id, tier, limit, offset });
      return { migrations: page.items.map(migrationJson), total: page.total, limit, offset };
    },
  );

  api.get(
    '/api/migrations/:id',
    {
      schema: {
        summary: 'One migration, with its explanation',
        tags: ['migrations'],
        params: Type.Object({ id: Type.String() }),
        response: { 200: Type.Ref('Migration'), ...errorResponses },
      },
    },
    async (request) => {
      const migration = await app.catalog.getMigration(request.params.id);
      if (!migration) throw notFound('migration', request.params.id);
      return migrationJson(migration);
    },
  );
}
