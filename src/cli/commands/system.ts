import type { Command } from 'commander';
import type { MigrationJson } from '../../api/schemas.js';
import { queryString, type ApiClient } from '../api-client.js';
import { formatBytes, formatTable, formatTime, formatUsd } from '../format.js';
import { emit, type Output } from '../output.js';
import { parsePositiveInt } from './objects.js';

type Context = () => { client: ApiClient; out: Output };

interface MetricsJson {
  total_objects: number;
  total_bytes: number;
  tier_distribution: Record<string, number>;
  bytes_per_tier: Record<string, number>;
  estimated_monthly_cost: number;
  cost_per_tier: Record<string, number>;
  cost_all_in_fastest: number;
  cost_all_in_cheapest: number;
  migrations: Record<string, number>;
  migrations_in_flight: number;
}

interface ImportJson {
  rows: number;
  accesses: number;
  objects: number;
  unknown_object_ids: string[];
  first_timestamp: string | null;
  last_timestamp: string | null;
}

export function registerSystemCommands(program: Command, context: Context): void {
  program
    .command('get-metrics')
    .description('objects, bytes and estimated monthly cost per tier; migrations by status')
    .action(async () => {
      const { client, out } = context();
      const m = await client.json<MetricsJson>('GET', '/api/metrics');
      emit(out, m, () => {
        const tiers = formatTable(
          ['tier', 'objects', 'bytes', 'monthly cost'],
          Object.keys(m.tier_distribution).map((t) => [t, m.tier_distribution[t]!, formatBytes(m.bytes_per_tier[t] ?? 0), formatUsd(m.cost_per_tier[t] ?? 0)]),
        );
        const migrations = Object.entries(m.migrations).map(([s, n]) => `${s} ${n}`).join(', ') || 'none';
        return [
          `total_objects: ${m.total_objects} (${formatBytes(m.total_bytes)})`,
          `estimated_monthly_cost: ${formatUsd(m.estimated_monthly_cost)} (all in fastest tier: ${formatUsd(m.cost_all_in_fastest)}, all in cheapest: ${formatUsd(m.cost_all_in_cheapest)})`,
          '',
          tiers,
          '',
          `migrations: ${migrations}; in flight: ${m.migrations_in_flight}`,
        ].join('\n');
      });
    });

  program
    .command('get-migrations')
    .description('migration history, newest first')
    .option('-s, --status <status>', 'planned | copying | verifying | switched | completed | failed | cancelled')
    .option('-r, --reason <reason>', 'e.g. reactive_access_spike, proactive_prediction, reactive_cooling, manual')
    .option('--object <object_id>', 'only this object')
    .option('-t, --tier <tier>', 'from or to this tier')
    .option('--limit <n>', 'at most this many', parsePositiveInt('--limit'), 50)
    .option('--offset <n>', 'skip this many', (v) => Number(v), 0)
    .action(async (options: { status?: string; reason?: string; object?: string; tier?: string; limit: number; offset: number }) => {
      const { client, out } = context();
      const page = await client.json<{ migrations: MigrationJson[]; total: number }>(
        'GET',
        `/api/migrations${queryString({ status: options.status, reason: options.reason, object_id: options.object, tier: options.tier, limit: options.limit, offset: options.offset })}`,
      );
      emit(out, page, () => {
        if (page.migrations.length === 0) return 'no migrations';
        const table = formatTable(
          ['id', 'object_id', 'timestamp', 'source_tier', 'destination_tier', 'reason', 'status', 'error'],
          page.migrations.map((m) => [m.id, m.object_id, formatTime(m.timestamp), m.source_tier, m.destination_tier, m.reason, m.status, m.error ?? '']),
        );
        return `${table}\n${page.migrations.length} of ${page.total} migrations`;
      });
    });

  program
    .command('get-migration')
    .description('one migration with its explanation: the policy inputs, forecast, expected costs and saving')
    .argument('<migration_id>')
    .action(async (migrationId: string) => {
      const { client, out } = context();
      const m = await client.json<MigrationJson>('GET', `/api/migrations/${encodeURIComponent(migrationId)}`);
      emit(out, m, () =>
        [
          formatTable(
            ['field', 'value'],
            [
              ['id', m.id],
              ['object_id', m.object_id],
              ['timestamp', formatTime(m.timestamp)],
              ['move', `${m.source_tier} → ${m.destination_tier}`],
              ['reason', m.reason],
              ['status', m.status],
              ['bytes', `${m.bytes_copied} of ${m.size_bytes}`],
              ['attempts', m.attempts],
              ['error', m.error ?? '-'],
              ['finished_at', formatTime(m.finished_at)],
            ],
          ),
          '',
          'why:',
          JSON.stringify(m.explanation, null, 2),
        ].join('\n'),
      );
    });

  program
    .command('import-accesses')
    .description('load an access log (CSV: timestamp,object_id[,count]; ISO-8601 or epoch seconds) into the history')
    .requiredOption('-f, --file <path>', 'CSV file')
    .action(async (options: { file: string }) => {
      const { client, out } = context();
      const result = await client.postTextFile<ImportJson>(options.file, '/api/accesses');
      emit(out, result, () => {
        const span = result.first_timestamp ? ` from ${formatTime(result.first_timestamp)} to ${formatTime(result.last_timestamp)}` : '';
        const unknown = result.unknown_object_ids.length > 0 ? `\nskipped rows of unknown objects: ${result.unknown_object_ids.join(', ')}` : '';
        return `imported ${result.accesses} accesses of ${result.objects} objects (${result.rows} rows)${span}${unknown}`;
      });
    });

  program
    .command('get-tiers')
    .description('the configured tiers, fastest first, with prices, latency and contents')
    .action(async () => {
      const { client, out } = context();
      const body = await client.json<{ tiers: Array<Record<string, number | string>> }>('GET', '/api/tiers');
      emit(out, body, () =>
        formatTable(
          ['tier', 'backend', '$/GB-month', 'first byte', 'promote at', 'objects', 'bytes'],
          body.tiers.map((t) => [t.name!, t.backend!, t.storage_gb_month!, `${t.first_byte_ms} ms`, t.promote_at!, t.objects!, formatBytes(Number(t.bytes))]),
        ),
      );
    });
}
