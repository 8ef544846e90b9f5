import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { MigrationJson, ObjectJson } from '../../api/schemas.js';
import { CliError, queryString, type ApiClient } from '../api-client.js';
import { formatBytes, formatTable, formatTime } from '../format.js';
import { emit, type Output } from '../output.js';

type Context = () => { client: ApiClient; out: Output };

function describeObject(o: ObjectJson): string {
  return formatTable(
    ['field', 'value'],
    [
      ['object_id', o.object_id],
      ['name', o.name ?? '-'],
      ['current_tier', o.current_tier],
      ['size_bytes', `${o.size_bytes} (${formatBytes(o.size_bytes)})`],
      ['content_type', o.content_type],
      ['sha256', o.sha256],
      ['version', o.version],
      ['access_count', o.access_count],
      ['last_accessed_at', formatTime(o.last_accessed_at)],
      ['created_at', formatTime(o.created_at)],
      ['tier_since', formatTime(o.tier_since)],
      ['pinned_until', o.pinned_until === 'forever' ? 'pinned' : formatTime(o.pinned_until)],
      ['predicted_next_24h', o.predicted_next_24h ?? '-'],
    ],
  );
}

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`${name} must be a whole number ≥ 1, got '${value}'`);
    return Number(value);
  };
}

export function registerObjectCommands(program: Command, context: Context): void {
  program
    .command('ingest-object')
    .description('upload a file as a new object (stored in the ingest tier, "public" by default)')
    .requiredOption('-f, --file <path>', 'file to upload')
    .option('-t, --tier <tier>', 'store into this tier instead of the ingest tier')
    .option('--name <name>', 'name to record (default: the file name)')
    .option('--id <object_id>', 'choose the object id instead of a generated one')
    .action(async (options: { file: string; tier?: string; name?: string; id?: string }) => {
      const { client, out } = context();
      const object = await client.uploadFile<ObjectJson>(options.file, {
        name: options.name ?? basename(options.file),
        tier: options.tier,
        object_id: options.id,
      });
      emit(out, object, () => `object_id: ${object.object_id}\nstored in ${object.current_tier}: ${formatBytes(object.size_bytes)}, sha256 ${object.sha256}`);
    });

  program
    .command('get-objects')
    .description('list objects with their tier and accesses')
    .option('-t, --tier <tier>', 'only objects in this tier')
    .option('-q, --search <text>', 'only ids or names containing this text')
    .option('--sort <field>', 'created_at | size_bytes | access_count | last_accessed_at | object_id | tier', 'created_at')
    .option('--asc', 'ascending order (default: descending)')
    .option('--limit <n>', 'at most this many', parsePositiveInt('--limit'), 100)
    .option('--offset <n>', 'skip this many', (v) => Number(v), 0)
    .action(async (options: { tier?: string; search?: string; sort: string; asc?: boolean; limit: number; offset: number }) => {
      const { client, out } = context();
      const page = await client.json<{ objects: ObjectJson[]; total: number }>(
        'GET',
        `/api/objects${queryString({ tier: options.tier, q: options.search, sort: options.sort, order: options.asc ? 'asc' : 'desc', limit: options.limit, offset: options.offset })}`,
      );
      emit(out, page, () => {
        if (page.objects.length === 0) return 'no objects';
        const table = formatTable(
          ['object_id', 'name', 'current_tier', 'size', 'access_count', 'last_accessed_at', 'predicted_next_24h', 'created_at'],
          page.objects.map((o) => [
            o.object_id,
            o.name ?? '-',
            o.current_tier,
            formatBytes(o.size_bytes),
            o.access_count,
            formatTime(o.last_accessed_at),
            o.predicted_next_24h ?? '-',
            formatTime(o.created_at),
          ]),
        );
        return `${table}\n${page.objects.length} of ${page.total} objects`;
      });
    });

  program
    .command('get-object')
    .description('show one object, or download its content with --out')
    .argument('<object_id>')
    .option('-o, --out <file>', 'write the content to this file (counts as one access)')
    .action(async (objectId: string, options: { out?: string }) => {
      const { client, out } = context();
      if (!options.out) {
        const object = await client.json<ObjectJson>('GET', `/api/objects/${encodeURIComponent(objectId)}`);
        emit(out, object, () => describeObject(object));
        return;
      }
      const response = await client.download(`/api/objects/${encodeURIComponent(objectId)}/content`);
      const partial = `${options.out}.partial`;
      try {
        await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(partial));
        await rename(partial, options.out);
      } catch (error) {
        await rm(partial, { force: true });
        throw new CliError(`download of ${objectId} failed: ${(error as Error).message}`);
      }
      const result = {
        object_id: objectId,
        file: options.out,
        size_bytes: Number(response.headers.get('content-length')),
        tier: response.headers.get('x-tiercast-tier'),
        sha256: response.headers.get('etag')?.replaceAll('"', ''),
      };
      emit(out, result, () => `wrote ${options.out} (${formatBytes(result.size_bytes)}) from tier ${result.tier}`);
    });

  program
    .command('delete-object')
    .description('delete an object and its stored bytes')
    .argument('<object_id>')
    .action(async (objectId: string) => {
      const { client, out } = context();
      const object = await client.json<ObjectJson>('DELETE', `/api/objects/${encodeURIComponent(objectId)}`);
      emit(out, object, () => `deleted ${object.object_id} (${formatBytes(object.size_bytes)} from ${object.current_tier})`);
    });

  program
    .command('simulate-access')
    .description('count accesses to an object as if it were read (a spike promotes it)')
    .argument('<object_id>')
    .option('-c, --count <n>', 'how many accesses', parsePositiveInt('--count'), 1)
    .action(async (objectId: string, options: { count: number }) => {
      const { client, out } = context();
      const result = await client.json<{ object_id: string; accesses_recorded: number; current_tier: string }>(
        'POST',
        `/api/objects/${encodeURIComponent(objectId)}/access`,
        { count: options.count },
      );
      emit(out, result, () => `recorded ${result.accesses_recorded} accesses to ${result.object_id} (now in ${result.current_tier})`);
    });

  program
    .command('migrate')
    .description('move an object to a tier now (reason "manual"); the policies then leave it there for a while')
    .argument('<object_id>')
    .requiredOption('-t, --tier <tier>', 'destination tier')
    .option('--pin', 'keep it in that tier until `unpin`')
    .option('--hold <seconds>', 'how long the policies leave it there (default: the server\'s migration.manualHoldSeconds; 0 = no hold)', (v) => {
      if (!/^\d+$/.test(v)) throw new CliError(`--hold must be a whole number of seconds, got '${v}'`);
      return Number(v);
    })
    .action(async (objectId: string, options: { tier: string; pin?: boolean; hold?: number }) => {
      const { client, out } = context();
      const migration = await client.json<MigrationJson>('POST', `/api/objects/${encodeURIComponent(objectId)}/migrate`, {
        tier: options.tier,
        ...(options.pin ? { pin: true } : {}),
        ...(options.hold !== undefined ? { hold_seconds: options.hold } : {}),
      });
      emit(out, migration, () => `migration ${migration.id} planned: ${migration.object_id} ${migration.source_tier} → ${migration.destination_tier} (see get-migrations)`);
    });

  program
    .command('unpin')
    .description('release a pin or a manual hold: the policies may move the object again')
    .argument('<object_id>')
    .action(async (objectId: string) => {
      const { client, out } = context();
      const object = await client.json<ObjectJson>('DELETE', `/api/objects/${encodeURIComponent(objectId)}/pin`);
      emit(out, object, () => `released ${object.object_id}: the policies may move it again (now in ${object.current_tier})`);
    });
}
