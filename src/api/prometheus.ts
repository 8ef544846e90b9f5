import type { Api } from './types.js';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Tiercast } from '../app.js';

/**
 * Prometheus metrics at /metrics. Catalog-derived gauges (objects, bytes, migrations) are
 * read at scrape time, so they are right in any process; counters count what this process
 * did since it started.
 */
export function installPrometheus(api: Api, app: Tiercast): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tiercast_process_' });

  // Both per-tier gauges are collected together in one scrape: they share one catalog query.
  let usageQuery: ReturnType<Tiercast['catalog']['tierUsage']> | undefined;
  const tierUsage = () => {
    usageQuery ??= app.catalog.tierUsage().finally(() => {
      usageQuery = undefined;
    });
    return usageQuery;
  };
  for (const [name, help, field] of [
    ['tiercast_objects', 'Objects per tier', 'objects'],
    ['tiercast_bytes', 'Bytes stored per tier', 'bytes'],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['tier'],
      registers: [registry],
      async collect() {
        const usage = await tierUsage();
        for (const tier of app.tiers.names) this.set({ tier }, usage.find((u) => u.tier === tier)?.[field] ?? 0);
      },
    });
  }
  new Gauge({
    name: 'tiercast_migrations',
    help: 'Migrations in the catalog by status and reason',
    labelNames: ['status', 'reason'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await app.catalog.migrationCounts()) this.set({ status: c.status, reason: c.reason }, c.count);
    },
  });
  new Gauge({
    name: 'tiercast_access_events_total',
    help: 'Accesses recorded by this process since start',
    registers: [registry],
    collect() {
      this.set(app.aggregator.totalRecorded);
    },
  });
  const migratedBytes = new Counter({
    name: 'tiercast_migration_bytes_total',
    help: 'Bytes moved by completed migrations, by destination tier',
    labelNames: ['source_tier', 'destination_tier'],
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'tiercast_migration_transitions_total',
    help: 'Migration state changes seen by this process',
    labelNames: ['status', 'reason'],
    registers: [registry],
  });
  app.migrationEvents.onEvent((event) => {
    transitions.inc({ status: event.status, reason: event.reason });
    if (event.status === 'completed') migratedBytes.inc({ source_tier: event.source_tier, destination_tier: event.destination_tier }, event.size_bytes);
  });
  const latency = new Histogram({
    name: 'tiercast_http_request_duration_seconds',
    help: 'API request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  api.addHook('onResponse', async (request, reply) => {
    latency.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  api.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}
