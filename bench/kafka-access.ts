/**
 * Benchmark: access events per second through Kafka into the catalog, end to end, the way a
 * scale-out worker counts them (issue target: ≥ 50,000 events/s on this machine). Prints
 * figures only; never fails on them.
 *
 *   node --import tsx bench/kafka-access.ts [--events 1000000] [--objects 1000] [--batch 1000]
 *        [--inflight 4] [--window 200000] [--sample 100] [--flush-ms 250] [--partitions 6]
 *        [--catalog sqlite|postgres|both] [--budget-s 120]
 *
 * Kafka: KAFKA_BOOTSTRAP_SERVERS (environment or .services.env); without it the bench starts
 * a broker of its own with scripts/services/kafka.mjs in a temp folder and stops it at the
 * end. Each run uses fresh topics (deleted afterwards) and a fresh catalog: SQLite in a temp
 * folder, and PostgreSQL in a throwaway schema when DATABASE_URL is set.
 *
 * The pipeline is the service's: KafkaBus.publish of AccessEvents keyed by object id → a
 * consumer group → AccessAggregator.record → catalog.recordAccesses in one batch per flush,
 * with the offsets committed only after `beforeCommit: () => aggregator.flush()`. The
 * producer keeps at most `window` events published and not yet handled.
 *
 * Latency is publish → durable: for every `sample`-th event, from just before publish() to
 * the end of the first aggregator flush that started after its handler ran (the flush that
 * precedes its offset commit), so the count is in the catalog by then.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { TOPICS } from '../src/bus/event-bus.js';
import { createKafkaBus, type KafkaBusOptions } from '../src/bus/kafka-bus.js';
import type { Catalog } from '../src/catalog/catalog.js';
import { openSqliteCatalog } from '../src/catalog/sqlite-catalog.js';
import { AccessAggregator, type AccessEvent } from '../src/engine/access-aggregator.js';
import { createLogger } from '../src/log.js';
import { readServicesEnvFile } from '../test/helpers/services.js';

interface Options {
  events: number;
  objects: number;
  batch: number;
  inflight: number;
  window: number;
  sample: number;
  flushMs: number;
  partitions: number;
  catalogs: Array<'sqlite' | 'postgres'>;
  budgetMs: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got '${raw}'`);
    return Math.floor(value);
  };
  const databaseUrl = process.env.DATABASE_URL ?? readServicesEnvFile().DATABASE_URL;
  const catalog = get('catalog') ?? (databaseUrl ? 'both' : 'sqlite');
  if (!['sqlite', 'postgres', 'both'].includes(catalog)) throw new Error(`--catalog must be sqlite, postgres or both, got '${catalog}'`);
  if (catalog !== 'sqlite' && !databaseUrl) throw new Error('--catalog postgres needs DATABASE_URL (environment or .services.env)');
  return {
    events: num('events', 1_000_000),
    objects: num('objects', 1_000),
    batch: num('batch', 1_000),
    inflight: num('inflight', 4),
    window: num('window', 200_000),
    sample: num('sample', 100),
    flushMs: num('flush-ms', 250),
    partitions: num('partitions', 6),
    catalogs: catalog === 'both' ? ['sqlite', 'postgres'] : [catalog as 'sqlite' | 'postgres'],
    budgetMs: num('budget-s', 120) * 1000,
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MiB`;

function printTable(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

interface KafkaTarget {
  brokers: string[];
  /** Resident memory of the broker JVM, when its pid is known (a broker this repo's script started). */
  brokerRss: () => number | undefined;
  stop: () => Promise<void>;
}

interface KafkaService {
  start(options: { stateDir: string }): Promise<{ env: Record<string, string> }>;
  stop(options: { stateDir: string }): Promise<void>;
}

const repo = new URL('..', import.meta.url).pathname;

function rssOfPidFile(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function kafkaTarget(): Promise<KafkaTarget> {
  const servers = process.env.KAFKA_BOOTSTRAP_SERVERS ?? readServicesEnvFile().KAFKA_BOOTSTRAP_SERVERS;
  if (servers) {
    return { brokers: servers.split(','), brokerRss: () => rssOfPidFile(join(repo, '.services', 'kafka', 'kafka.pid')), stop: async () => {} };
  }
  const service = (await import(new URL('../scripts/services/kafka.mjs', import.meta.url).href)) as KafkaService;
  const stateDir = await mkdtemp(join(tmpdir(), 'tiercast-bench-kafka-'));
  console.log(`no KAFKA_BOOTSTRAP_SERVERS: starting a broker in ${stateDir}`);
  const started = performance.now();
  const { env } = await service.start({ stateDir });
  console.log(`broker up in ${fmt((performance.now() - started) / 1000, 1)} s at ${env.KAFKA_BOOTSTRAP_SERVERS}`);
  return {
    brokers: env.KAFKA_BOOTSTRAP_SERVERS!.split(','),
    brokerRss: () => rssOfPidFile(join(stateDir, 'kafka.pid')),
    stop: async () => {
      await service.stop({ stateDir });
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

interface OpenedCatalog {
  catalog: Catalog;
  cleanup: () => Promise<void>;
}

async function openCatalog(kind: 'sqlite' | 'postgres'): Promise<OpenedCatalog> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'tiercast-bench-catalog-'));
    const catalog = await openSqliteCatalog(join(dir, 'catalog.sqlite'));
    return { catalog, cleanup: async () => { await catalog.close(); await rm(dir, { recursive: true, force: true }); } };
  }
  const url = (process.env.DATABASE_URL ?? readServicesEnvFile().DATABASE_URL)!;
  const { openPostgresCatalog } = await import('../src/catalog/postgres-catalog.js');
  const schema = `bench_kafka_${randomUUID().slice(0, 8)}`;
  const catalog = await openPostgresCatalog(url, { schema });
  return {
    catalog,
    cleanup: async () => {
      await catalog.close();
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await admin.end();
      }
    },
  };
}

async function insertObjects(catalog: Catalog, count: number): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    const objectId = `bench-${String(i).padStart(6, '0')}`;
    await catalog.insertObject({
      objectId, name: `${objectId}.bin`, contentType: 'application/octet-stream', sizeBytes: 64, sha256: '0'.repeat(64), version: 1,
      tier: 'public', storageKey: `${objectId}/v1`, createdAt: now, updatedAt: now, tierSince: now, accessCount: 0, lastAccessedAt: null,
      pinnedUntil: null, prediction: null,
    });
    ids.push(objectId);
  }
  return ids;
}

async function sumAccessCounts(catalog: Catalog): Promise<number> {
  let after: string | null = null;
  let total = 0;
  for (;;) {
    const page = await catalog.objectsAfter(after, 1_000);
    if (page.length === 0) return total;
    for (const o of page) total += o.accessCount;
    after = page[page.length - 1]!.objectId;
  }
}

/** The access event as published, plus the send time of sampled events (ignored by the aggregator). */
type TimedAccessEvent = AccessEvent & { sentAt?: number };

async function run(options: Options, kafka: KafkaTarget, kind: 'sqlite' | 'postgres'): Promise<void> {
  const opened = await openCatalog(kind);
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const busOptions: KafkaBusOptions = {
    brokers: kafka.brokers,
    clientId: 'tiercast-bench',
    topics: {
      accessEvents: `${prefix}.access-events`,
      migrationCommands: `${prefix}.migration-commands`,
      migrationEvents: `${prefix}.migration-events`,
      deadLetter: `${prefix}.dead-letter`,
    },
    partitions: options.partitions,
    createTopics: true,
  };
  const bus = await createKafkaBus(busOptions);
  const log = createLogger('silent');
  try {
    const { catalog } = opened;
    const ids = await insertObjects(catalog, options.objects);
    const aggregator = new AccessAggregator(catalog, log, options.flushMs);
    let handled = 0;
    /** Send times of sampled events handled since the last flush started. */
    let waitingForFlush: number[] = [];
    const latencies: number[] = [];
    let flushes = 0;
    let flushMs = 0;
    await bus.subscribe<TimedAccessEvent>(
      TOPICS.accessEvents,
      async (m) => {
        aggregator.record(m.value);
        handled++;
        if (m.value.sentAt !== undefined) waitingForFlush.push(m.value.sentAt);
      },
      {
        group: 'access-aggregator',
        beforeCommit: async () => {
          const covered = waitingForFlush;
          waitingForFlush = [];
          const t = performance.now();
          await aggregator.flush();
          const end = performance.now();
          flushes++;
          flushMs += end - t;
          for (const sentAt of covered) latencies.push(end - sentAt);
        },
      },
    );
    aggregator.start();

    let published = 0;
    let publishMs = 0;
    let timedOut = false;
    const inflight = new Set<Promise<void>>();
    const rssBefore = process.memoryUsage().rss;
    let peakHeap = 0;
    const t0 = performance.now();
    const at = Date.now();
    while (published < options.events) {
      if (performance.now() - t0 > options.budgetMs) {
        timedOut = true;
        break;
      }
      // Back-pressure: at most `window` events on their way, at most `inflight` publishes at once.
      while (published - handled > options.window) await new Promise((resolve) => setTimeout(resolve, 1));
      while (inflight.size >= options.inflight) await Promise.race(inflight);
      const count = Math.min(options.batch, options.events - published);
      const from = published;
      const messages = Array.from({ length: count }, (_, i) => {
        const seq = from + i;
        const value: TimedAccessEvent = { objectId: ids[seq % ids.length]!, count: 1, at };
        return { key: value.objectId, value };
      });
      const tp = performance.now();
      for (let i = 0; i < count; i += options.sample) messages[i]!.value.sentAt = tp;
      const sent = bus.publish(TOPICS.accessEvents, messages).then(() => {
        publishMs += performance.now() - tp;
      });
      inflight.add(sent);
      void sent.finally(() => inflight.delete(sent));
      published += count;
      if ((published / options.batch) % 50 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
    }
    await Promise.all(inflight);
    const tPublished = performance.now();
    await bus.drain(); // every event handled and its offset committed after a flush
    const tDrained = performance.now();
    await aggregator.stop();
    const seconds = (tDrained - t0) / 1000;
    const total = await sumAccessCounts(catalog);
    latencies.sort((a, b) => a - b);
    const usage = process.resourceUsage();
    printTable(`${kind} catalog${timedOut ? ` (stopped at the ${options.budgetMs / 1000} s budget)` : ''}`, [
      ['events published → durable', `${fmt(published)} in ${fmt(seconds, 2)} s = ${fmt(published / seconds)} events/s`],
      ['publishing alone', `${fmt((tPublished - t0) / 1000, 2)} s for all publishes (${fmt(publishMs / (published / options.batch), 1)} ms per batch of ${fmt(options.batch)} on average, ${options.inflight} at once)`],
      ['publish → durable latency', `p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies.at(-1) ?? Number.NaN, 1)} ms (${fmt(latencies.length)} samples)`],
      ['flushes before commits', `${fmt(flushes)} (${fmt(flushMs / Math.max(1, flushes), 1)} ms on average)`],
      ['check: Σ access_count', `${fmt(total)} ${total === published ? '== events published ✓' : `!= ${fmt(published)} published ✗`}`],
      ['memory (this process)', `RSS ${mib(rssBefore)} before, max RSS ${mib(usage.maxRSS * 1024)}, heap peak ${mib(Math.max(peakHeap, process.memoryUsage().heapUsed))}`],
      ['memory (broker JVM)', kafka.brokerRss() !== undefined ? `RSS ${mib(kafka.brokerRss()!)} (-Xmx512m)` : 'unknown (broker not started by this repo)'],
    ]);
  } finally {
    await bus.close();
    await opened.cleanup();
    const admin = new Admin({ clientId: 'tiercast-bench-cleanup', bootstrapBrokers: kafka.brokers });
    await admin.deleteTopics({ topics: Object.values(busOptions.topics ?? {}) }).catch(() => {});
    await admin.close();
  }
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `kafka access: ${fmt(options.events)} AccessEvents of count 1 over ${fmt(options.objects)} objects, batches of ${fmt(options.batch)} ` +
    `(${options.inflight} publishes at once), ${options.partitions} partitions; target ≥ 50,000 events/s end to end`,
);
const kafka = await kafkaTarget();
try {
  for (const kind of options.catalogs) await run(options, kafka, kind);
} finally {
  await kafka.stop();
}
