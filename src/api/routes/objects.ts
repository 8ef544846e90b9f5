import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { Api } from '../types.js';
import type { Readable } from 'node:stream';
import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { MAX_SIMULATED_ACCESSES } from '../../engine/object-service.js';
import { invalidInput } from '../../domain/errors.js';
import { PINNED_FOREVER } from '../../domain/object.js';
import { migrationJson, objectJson } from '../serialize.js';
import { errorResponses, ObjectIdParams, ObjectList } from '../schemas.js';

const SORT_FIELDS = ['created_at', 'size_bytes', 'access_count', 'last_accessed_at', 'object_id', 'tier', 'predicted_next_24h'] as const;

const UploadQuery = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 1024, description: 'name to record (the file name)' })),
  tier: Type.Optional(Type.String({ description: 'tier to store into; default: the ingest tier' })),
  object_id: Type.Optional(Type.String({ description: 'choose the id instead of a generated UUID' })),
});

interface Upload {
  body: Readable;
  name?: string;
  contentType?: string;
}

/** The uploaded bytes as a stream: the file of a multipart form, or the raw body. */
async function uploadOf(request: FastifyRequest): Promise<Upload> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw invalidInput('the multipart body holds no file', 'send the file in a form field named "file"');
    return { body: file.file, name: file.filename, contentType: file.mimetype };
  }
  const contentType = request.headers['content-type'];
  return { body: request.raw, contentType: contentType && contentType !== 'application/x-www-form-urlencoded' ? contentType : undefined };
}

/** Object routes that take a streamed body: their own scope, so no body parser buffers them. */
async function uploadRoutes(scope: Api, app: Tiercast): Promise<void> {
  scope.removeAllContentTypeParsers();
  // Leave the body unread: the handler streams it into the tier.
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
  // One byte over the limit gets through, so the backend's own maxBytes check sees the file
  // is too large and refuses it (busboy alone would cut the file short and say nothing).
  await scope.register(multipart, { limits: { fileSize: app.config.server.maxObjectBytes + 1, files: 1 } });

  scope.post(
    '/api/objects',
    {
      schema: {
        summary: 'Ingest an object (streamed; raw body or multipart/form-data with a "file" field)',
        tags: ['objects'],
        querystring: UploadQuery,
        response: { 201: Type.Ref('Object'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const query = request.query as { name?: string; tier?: string; object_id?: string };
      const upload = await uploadOf(request);
      const object = await app.objects.ingest({
        body: upload.body,
        name: query.name ?? upload.name ?? null,
        contentType: upload.contentType,
        tier: query.tier,
        objectId: query.object_id,
      });
      return reply.status(201).send(objectJson(object));
    },
  );

  scope.put(
    '/api/objects/:id',
    {
      schema: {
        summary: 'Replace an object\'s content (a new version, in the tier it lives in); wins over a migration in flight',
        tags: ['objects'],
        params: ObjectIdParams,
        response: { 200: Type.Ref('Object'), ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      const upload = await uploadOf(request);
      return objectJson(await app.objects.overwrite(id, upload.body, upload.contentType));
    },
  );
}

export async function objectRoutes(api: Api, app: Tiercast): Promise<void> {
  await api.register((scope) => uploadRoutes(scope, app));

  api.get(
    '/api/objects',
    {
      schema: {
        summary: 'List objects (paged)',
        tags: ['objects'],
        querystring: Type.Object({
          tier: Type.Optional(Type.String()),
          q: Type.Optional(Type.String({ description: 'substring of the id or name' })),
          sort: Type.Enum([...SORT_FIELDS], { default: 'created_at' }),
          order: Type.Enum(['asc', 'desc'], { default: 'desc' }),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
          offset: Type.Integer({ minimum: 0, default: 0 }),
        }),
        response: { 200: ObjectList, ...errorResponses },
      },
    },
    async (request) => {
      const { tier, q, sort, order, limit, offset } = request.query;
      const page = await app.objects.list({ tier, search: q, sort, descending: order !== 'asc', limit, offset });
      return { objects: page.items.map(objectJson), total: page.total, limit, offset };
    },
  );

  api.get(
    '/api/objects/:id',
    { schema: { summary: 'One object', tags: ['objects'], params: ObjectIdParams, response: { 200: Type.Ref('Object'), ...errorResponses } } },
    async (request) => objectJson(await app.objects.get(request.params.id)),
  );

  api.get(
    '/api/objects/:id/content',
    {
      schema: {
        summary: 'Download the content from the tier it lives in now (counts as one access)',
        tags: ['objects'],
        params: ObjectIdParams,
        response: { 200: { description: 'the bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { object, stream } = await app.objects.openContent(request.params.id);
      reply
        .header('content-type', object.contentType)
        .header('content-length', object.sizeBytes)
        .header('etag', `"${object.sha256}"`)
        .header('x-tiercast-tier', object.tier)
        .header('x-tiercast-version', object.version);
      if (object.name) reply.header('content-disposition', `attachment; filename="${object.name.replace(/["\\\r\n]/g, '_')}"`);
      return reply.send(stream);
    },
  );

  api.delete(
    '/api/objects/:id',
    { schema: { summary: 'Delete an object and its bytes', tags: ['objects'], params: ObjectIdParams, response: { 200: Type.Ref('Object'), ...errorResponses } } },
    async (request) => objectJson(await app.objects.delete(request.params.id)),
  );

  api.post(
    '/api/objects/:id/access',
    {
      schema: {
        summary: 'Simulate accesses (counted like reads, no bytes move)',
        tags: ['objects'],
        params: ObjectIdParams,
        body: Type.Object({ count: Type.Integer({ minimum: 1, maximum: MAX_SIMULATED_ACCESSES, default: 1 }) }, { additionalProperties: false }),
        response: {
          202: Type.Object({ object_id: Type.String(), accesses_recorded: Type.Integer(), current_tier: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const count = request.body?.count ?? 1;
      const object = await app.objects.simulateAccess(request.params.id, count);
      return reply.status(202).send({ object_id: object.objectId, accesses_recorded: count, current_tier: object.tier });
    },
  );

  api.post(
    '/api/objects/:id/migrate',
    {
      schema: {
        summary: 'Move an object to a tier now (reason "manual")',
        tags: ['objects'],
        params: ObjectIdParams,
        body: Type.Object(
          {
            tier: Type.String(),
            pin: Type.Optional(Type.Boolean({ description: 'keep the object in this tier until unpinned' })),
            hold_seconds: Type.Optional(
              Type.Integer({ minimum: 0, description: 'policies leave the object alone this long (default: migration.manualHoldSeconds); 0 = no hold' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 202: Type.Ref('Migration'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { tier, pin, hold_seconds } = request.body;
      const object = await app.objects.get(request.params.id);
      const holdSeconds = hold_seconds ?? app.config.migration.manualHoldSeconds;
      const holdUntil = pin ? PINNED_FOREVER : holdSeconds > 0 ? app.clock.now() + holdSeconds * 1000 : null;
      const migration = await app.planner.planManual(object, tier, holdUntil);
      return reply.status(202).send(migrationJson(migration));
    },
  );

  api.delete(
    '/api/objects/:id/pin',
    {
      schema: {
        summary: 'Release a pin or a manual hold: the policies may move the object again',
        tags: ['objects'],
        params: ObjectIdParams,
        response: { 200: Type.Ref('Object'), ...errorResponses },
      },
    },
    async (request) => objectJson(await app.objects.release(request.params.id)),
  );
}
