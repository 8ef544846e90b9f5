import type { ServerResponse } from 'node:http';
import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { LiveFeed } from '../live-feed.js';
import { MigrationEventBody, ObjectTierEventBody } from '../schemas.js';
import type { Api } from '../types.js';

const DEFAULT_HEARTBEAT_SECONDS = 15;
/** A client this far behind is too slow to follow the feed; it is dropped (its browser reconnects). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** How long a browser waits before reconnecting after the stream broke, ms. */
const RECONNECT_MS = 3000;

const STREAM_DESCRIPTION = [
  'A server-sent event stream (`text/event-stream`) of migration state changes, for the dashboard or any client.',
  'Events: `migration` (data: a MigrationEvent: every state change of every migration, in order per object)',
  'and `object-tier` (data: an ObjectTierEvent: sent when a migration switches, so the object now lives in another tier).',
  'Every event has an `id`; a client that reconnects with `Last-Event-ID` gets what it missed from the same API process.',
  'A comment line (`: heartbeat`) is sent every `heartbeat_seconds` so idle proxies keep the connection open.',
  'Each API process follows the migration-events topic of the bus in a consumer group of its own, so events from',
  'migration workers in other processes arrive too.',
].join(' ');

declare module 'fastify' {
  interface FastifyInstance {
    /** The migration feed this API process fans out to its live connections. */
    liveFeed: LiveFeed;
  }
}

/** GET /api/events: the live feed the dashboard listens to (server-sent events). */
export async function eventRoutes(api: Api, app: Tiercast): Promise<void> {
  const feed = new LiveFeed(app.bus, app.log, { now: () => app.clock.now() });
  await feed.start();
  api.decorate('liveFeed', feed);
  api.addSchema(MigrationEventBody);
  api.addSchema(ObjectTierEventBody);

  const open = new Set<ServerResponse>();
  // Before the server stops listening: end every stream, or close() would wait on them.
  api.addHook('preClose', async () => {
    for (const response of open) response.end();
  });
  api.addHook('onClose', async () => feed.close());

  api.get(
    '/api/events',
    {
      schema: {
        summary: 'Live feed of migration state changes and object tier changes (server-sent events)',
        description: STREAM_DESCRIPTION,
        tags: ['migrations'],
        querystring: Type.Object({
          heartbeat_seconds: Type.Integer({ minimum: 1, maximum: 300, default: DEFAULT_HEARTBEAT_SECONDS, description: 'seconds between heartbeat comments' }),
        }),
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ description: 'the id of the last event received, to resume after it' })) }),
        response: {
          200: {
            description: 'the event stream; each `data:` line holds one MigrationEvent or ObjectTierEvent as JSON',
            content: { 'text/event-stream': { schema: Type.Union([Type.Ref('MigrationEvent'), Type.Ref('ObjectTierEvent')]) } },
          },
        },
      },
    },
    (request, reply) => {
      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Reverse proxies (nginx) would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      response.write(`retry: ${RECONNECT_MS}\n: connected to Tiercast's live feed\n\n`);
      open.add(response);

      const send = (text: string) => {
        if (response.writableLength > MAX_BUFFERED_BYTES) {
          response.destroy();
          return;
        }
        response.write(text);
      };
      const lastEventId = request.headers['last-event-id'];
      const stopListening = feed.listen((message) => send(message.text), typeof lastEventId === 'string' ? lastEventId : undefined);
      const heartbeat = setInterval(() => send(`: heartbeat ${new Date().toISOString()}\n\n`), request.query.heartbeat_seconds * 1000);
      heartbeat.unref();
      response.once('close', () => {
        clearInterval(heartbeat);
        stopListening();
        open.delete(response);
      });
    },
  );
}
