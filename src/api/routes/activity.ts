import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { HOUR_MS, hourlySeries } from '../../forecast/hourly-series.js';
import { AccessHistoryBody, AccessRateBody, errorResponses, ObjectIdParams } from '../schemas.js';
import type { Api } from '../types.js';

const MINUTE_MS = 60_000;
/** The headline rate covers this many minutes, the current one included, so a spike shows at once. */
const RATE_MINUTES = 5;

/** Access activity for the dashboard: one object's history per hour, and the whole catalog's per minute. */
export async function activityRoutes(api: Api, app: Tiercast): Promise<void> {
  api.get(
    '/api/objects/:id/history',
    {
      schema: {
        summary: 'An object\'s accesses per hour, oldest first, up to the current hour',
        tags: ['accesses'],
        params: ObjectIdParams,
        querystring: Type.Object({ hours: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 168, description: 'how many hours back, the current one included' }) }),
        response: { 200: AccessHistoryBody, ...errorResponses },
      },
    },
    async (request) => {
      const object = await app.objects.get(request.params.id);
      const { hours } = request.query;
      const start = Math.floor(app.clock.now() / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
      const buckets = await app.catalog.accessHistory(object.objectId, start, start + hours * HOUR_MS);
      const series = hourlySeries(buckets, start, hours);
      return {
        object_id: object.objectId,
        start: new Date(start).toISOString(),
        step_seconds: 3600,
        counts: Array.from(series.counts, (c) => Math.round(c * 100) / 100),
      };
    },
  );

  api.get(
    '/api/accesses/per-minute',
    {
      schema: {
        summary: 'Accesses to all objects per minute, up to the current minute, and the recent rate',
        tags: ['accesses'],
        querystring: Type.Object({ minutes: Type.Integer({ minimum: RATE_MINUTES, maximum: 24 * 60, default: 60, description: 'how many minutes back, the current one included' }) }),
        response: { 200: AccessRateBody, ...errorResponses },
      },
    },
    async (request) => {
      const { minutes } = request.query;
      const now = app.clock.now();
      const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
      const start = currentMinute - (minutes - 1) * MINUTE_MS;
      const counts = new Array<number>(minutes).fill(0);
      for (const { minuteStart, count } of await app.catalog.accessesPerMinute(start, start + minutes * MINUTE_MS)) {
        const index = Math.round((minuteStart - start) / MINUTE_MS);
        if (index >= 0 && index < minutes) counts[index] = count;
      }
      // Over the time the window has really lasted: its full minutes plus the current one so far.
      const windowMinutes = RATE_MINUTES - 1 + (now - currentMinute) / MINUTE_MS;
      const recent = counts.slice(-RATE_MINUTES).reduce((a, b) => a + b, 0);
      return {
        start: new Date(start).toISOString(),
        step_seconds: 60,
        counts,
        per_minute: Math.round((recent / windowMinutes) * 10) / 10,
      };
    },
  );
}
