import type { Api } from '../types.js';
import Type from 'typebox';
import Value from 'typebox/value';
import type { Tiercast } from '../../app.js';
import { invalidInput } from '../../domain/errors.js';
import { parseAccessLine, type AccessRow, type ImportResult } from '../../engine/access-import.js';
import { ImportBody, errorResponses } from '../schemas.js';

const JsonAccesses = Type.Object(
  {
    accesses: Type.Array(
      Type.Object(
        {
          timestamp: Type.Union([Type.String(), Type.Number()], { description: 'ISO-8601 or epoch seconds' }),
          object_id: Type.String(),
          count: Type.Optional(Type.Integer({ minimum: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Batch import of an access log: CSV (`text/csv`, streamed) or JSON `{accesses: [...]}`. */
export async function accessRoutes(api: Api, app: Tiercast): Promise<void> {
  await api.register(async (scope) => {
    // CSV arrives as a stream; JSON is parsed by the default parser within the import limit.
    scope.addContentTypeParser(['text/csv', 'text/plain'], (_request, _payload, done) => done(null));
    scope.post(
      '/api/accesses',
      {
        bodyLimit: app.config.server.importBodyLimitBytes,
        schema: {
          summary: 'Import historical accesses (CSV timestamp,object_id[,count], or JSON); all or nothing',
          tags: ['accesses'],
          response: { 200: ImportBody, ...errorResponses },
        },
      },
      async (request) => {
        const { result, touched } = request.body === undefined || request.body === null
          ? await app.accessImport.importCsv(request.raw)
          : await importJson(app, request.body);
        app.reactive.notify(touched);
        return {
          ...result,
          first_timestamp: isoOrNull(result.first_timestamp),
          last_timestamp: isoOrNull(result.last_timestamp),
        };
      },
    );
  });
}

async function importJson(app: Tiercast, body: unknown): Promise<{ result: ImportResult; touched: string[] }> {
  if (!Value.Check(JsonAccesses, body)) {
    const first = [...Value.Errors(JsonAccesses, body)][0];
    throw invalidInput(`body${first?.instancePath ?? ''} ${first?.message ?? 'is not valid'}`, 'send {"accesses": [{"timestamp": ..., "object_id": ..., "count": 1}]} or text/csv');
  }
  const now = app.clock.now();
  const rows: AccessRow[] = body.accesses.map((a, i) => parseAccessLine(`${a.timestamp},${a.object_id},${a.count ?? 1}`, i + 1, now));
  return app.accessImport.importRows(rows);
}
