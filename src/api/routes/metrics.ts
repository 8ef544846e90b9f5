import type { Api } from '../types.js';
import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { estimateMonthlyCost } from '../../domain/cost.js';
import { ACTIVE_STATUSES } from '../../domain/migration.js';
import { MetricsBody, TierBody } from '../schemas.js';

/** Rounds dollars to a tenth of a cent's thousandth: readable, and still shows tiny test costs. */
const usd = (value: number) => Math.round(value * 1e8) / 1e8;

export async function metricsRoutes(api: Api, app: Tiercast): Promise<void> {
  api.get(
    '/api/metrics',
    { schema: { summary: 'System-wide figures: objects, bytes and monthly cost per tier, migrations', tags: ['system'], response: { 200: MetricsBody } } },
    async () => {
      const [usage, counts] = await Promise.all([app.catalog.tierUsage(), app.catalog.migrationCounts()]);
      const cost = estimateMonthlyCost(app.tiers.profiles, usage);
      const tierDistribution: Record<string, number> = {};
      const bytesPerTier: Record<string, number> = {};
      const costPerTier: Record<string, number> = {};
      for (const tier of app.tiers.names) {
        const u = usage.find((x) => x.tier === tier);
        tierDistribution[tier] = u?.objects ?? 0;
        bytesPerTier[tier] = u?.bytes ?? 0;
        costPerTier[tier] = usd(cost.perTierUsd[tier] ?? 0);
      }
      const migrations: Record<string, number> = {};
      for (const c of counts) migrations[c.status] = (migrations[c.status] ?? 0) + c.count;
      return {
        total_objects: usage.reduce((n, u) => n + u.objects, 0),
        total_bytes: usage.reduce((n, u) => n + u.bytes, 0),
        tier_distribution: tierDistribution,
        bytes_per_tier: bytesPerTier,
        estimated_monthly_cost: usd(cost.totalUsd),
        cost_per_tier: costPerTier,
        cost_all_in_fastest: usd(cost.allInFastestUsd),
        cost_all_in_cheapest: usd(cost.allInCheapestUsd),
        migrations,
        migrations_in_flight: counts.filter((c) => ACTIVE_STATUSES.includes(c.status)).reduce((n, c) => n + c.count, 0),
        access_events_since_start: app.aggregator.totalRecorded,
      };
    },
  );

  api.get(
    '/api/tiers',
    { schema: { summary: 'The configured tiers, fastest first, with prices and what they hold', tags: ['system'], response: { 200: Type.Object({ tiers: Type.Array(TierBody) }) } } },
    async () => {
      const usage = await app.catalog.tierUsage();
      return {
        tiers: app.tiers.profiles.map((t, rank) => ({
          name: t.name,
          rank,
          backend: app.tiers.backend(t.name).kind,
          storage_gb_month: t.pricing.storageGbMonth,
          get_per_1000: t.pricing.getPer1000,
          put_per_1000: t.pricing.putPer1000,
          retrieval_per_gb: t.pricing.retrievalPerGb,
          first_byte_ms: t.latency.firstByteMs,
          per_mb_ms: t.latency.perMbMs,
          promote_at: t.promoteAt,
          objects: usage.find((u) => u.tier === t.name)?.objects ?? 0,
          bytes: usage.find((u) => u.tier === t.name)?.bytes ?? 0,
        })),
      };
    },
  );

  api.get(
    '/api/health',
    { schema: { summary: 'Liveness: the catalog answers', tags: ['system'], response: { 200: Type.Object({ status: Type.Literal('ok'), catalog: Type.String(), bus: Type.String() }) } } },
    async () => {
      await app.catalog.tierUsage();
      return { status: 'ok' as const, catalog: app.catalog.kind, bus: app.bus.kind };
    },
  );
}
