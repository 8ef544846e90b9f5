/**
 * Benchmark: simulated-access events per second aggregated by the embedded engine in one
 * process (issue target: ≥ 200,000 events/s). Prints figures only; never fails on them.
 *
 *   node --import tsx bench/access-aggregation.ts [--events 2000000] [--objects 1000]
 *        [--batch 1000] [--window 100000] [--budget-s 60] [--reactive off|on|both]
 *        [--profile /tmp/access]   (CPU profile of the timed phase only, for Chrome DevTools)
 *        [--sql-stats]             (time spent preparing and running each SQL statement)
 *
 * Each run builds a real embedded Tiercast on a temp data dir (silent logger, timers off),
 * ingests `objects` small objects, then publishes `events` access events of count 1 on the
 * access-events topic in batches (what ObjectService publishes one at a time), at most
 * `window` of them unhandled at once. Their aggregator flushes on its own interval during
 * the run; at the end the bus is drained and the aggregator flushed, and the catalog's
 * access_count total must equal the number of events published (printed as a check).
 * A run that exceeds `budget-s` stops publishing and reports what it pushed.
 *
 * Separately it times AccessAggregator.record() alone (no bus) and one catalog write of
 * the resulting per-object minute buckets.
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { Readable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { TOPICS } from '../src/bus/event-bus.js';
import type { Catalog } from '../src/catalog/catalog.js';
import { AccessAggregator, type AccessEvent } from '../src/engine/access-aggregator.js';
import { createLogger } from '../src/log.js';
import { startTestApp, type TestApp } from '../test/helpers/fixture.js';

interface Options {
  events: number;
  objects: number;
  batch: number;
  window: number;
  budgetMs: number;
  reactive: Array<'off' | 'on'>;
  /** Write a CPU profile of each end-to-end run's timed phase to `<prefix>-reactive-<off|on>.cpuprofile`. */
  profile: string | undefined;
  /** Time every SQLite prepare and execution during the timed phase, by statement. */
  sqlStats: boolean;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got '${raw}'`);
    return Math.floor(value);
  };
  const reactive = get('reactive') ?? 'both';
  if (!['off', 'on', 'both'].includes(reactive)) throw new Error(`--reactive must be off, on or both, got '${reactive}'`);
  return {
    events: num('events', 2_000_000),
    objects: num('objects', 1_000),
    batch: num('batch', 1_000),
    window: num('window', 100_000),
    budgetMs: num('budget-s', 60) * 1000,
    reactive: reactive === 'both' ? ['off', 'on'] : [reactive as 'off' | 'on'],
    profile: get('profile'),
    sqlStats: argv.includes('--sql-stats'),
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function printTable(title: string, rows: Array<[string, string]>): void {
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${title}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

async function ingestObjects(test: TestApp, count: number): Promise<string[]> {
  const ids: string[] = [];
  const body = Buffer.alloc(64, 'x');
  for (let i = 0; i < count; i++) {
    const objectId = `bench-${String(i).padStart(6, '0')}`;
    await test.app.objects.ingest({ body: Readable.from([body]), objectId, name: `${objectId}.bin` });
    ids.push(objectId);
  }
  return ids;
}

async function sumAccessCounts(catalog: Catalog): Promise<{ objects: number; total: number }> {
  let after: string | null = null;
  let objects = 0;
  let total = 0;
  for (;;) {
    const page = await catalog.objectsAfter(after, 1_000);
    if (page.length === 0) return { objects, total };
    for (const o of page) total += o.accessCount;
    objects += page.length;
    after = page[page.length - 1]!.objectId;
  }
}

interface SqlStat {
  calls: number;
  prepareMs: number;
  execMs: number;
}

/**
 * Diagnostics only: wraps better-sqlite3's prepare() and Statement all/get/run (process-wide)
 * so that the synchronous SQLite time can be attributed to statements, which a CPU profile
 * cannot do across Kysely's awaits.
 */
function installSqlStats(): { reset(): void; print(title: string): void } {
  const stats = new Map<string, SqlStat>();
  const keyOf = (sql: string) => sql.replace(/\s+/g, ' ').slice(0, 110);
  const statOf = (sql: string) => {
    const key = keyOf(sql);
    let stat = stats.get(key);
    if (!stat) stats.set(key, (stat = { calls: 0, prepareMs: 0, execMs: 0 }));
    return stat;
  };
  type Fn = (this: unknown, ...args: unknown[]) => unknown;
  const dbProto = BetterSqlite3.prototype as unknown as Record<string, Fn>;
  const prepare = dbProto.prepare!;
  dbProto.prepare = function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    const statement = prepare.apply(this, args);
    statOf(String(args[0])).prepareMs += performance.now() - t0;
    return statement;
  };
  const probe = new BetterSqlite3(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, Fn>;
  probe.close();
  for (const method of ['all', 'get', 'run'] as const) {
    const original = statementProto[method]!;
    statementProto[method] = function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const stat = statOf((this as { source: string }).source);
        stat.calls++;
        stat.execMs += performance.now() - t0;
      }
    };
  }
  return {
    reset: () => stats.clear(),
    print(title) {
      const rows = [...stats].sort((a, b) => b[1].prepareMs + b[1].execMs - (a[1].prepareMs + a[1].execMs)).slice(0, 12);
      const total = [...stats.values()].reduce((s, v) => s + v.prepareMs + v.execMs, 0);
      const prepared = [...stats.values()].reduce((s, v) => s + v.prepareMs, 0);
      console.log(`\n${title}: ${fmt(total)} ms in SQLite (${fmt(prepared)} ms of it preparing statements)`);
      console.log(`  ${'calls'.padStart(9)} ${'prepare ms'.padStart(10)} ${'exec ms'.padStart(9)}  statement`);
      for (const [sql, v] of rows) console.log(`  ${fmt(v.calls).padStart(9)} ${fmt(v.prepareMs).padStart(10)} ${fmt(v.execMs).padStart(9)}  ${sql}`);
    },
  };
}

const sqlStats = parseOptions(process.argv.slice(2)).sqlStats ? installSqlStats() : undefined;

/** Wraps the catalog's recordAccesses on this instance to time every write the aggregator makes. */
function timeCatalogWrites(catalog: Catalog): { ms: number; writes: number; rows: number } {
  const stats = { ms: 0, writes: 0, rows: 0 };
  const original = catalog.recordAccesses.bind(catalog);
  (catalog as { recordAccesses: Catalog['recordAccesses'] }).recordAccesses = async (deltas) => {
    const t0 = performance.now();
    try {
      return await original(deltas);
    } finally {
      stats.ms += performance.now() - t0;
      stats.writes++;
      stats.rows += deltas.length;
    }
  };
  return stats;
}

async function endToEnd(options: Options, reactive: 'off' | 'on'): Promise<void> {
  const test = await startTestApp({
    patch: { reactive: { enabled: reactive === 'on' }, logLevel: 'silent' },
    timers: false,
  });
  try {
    const { app } = test;
    const tIngest = performance.now();
    const ids = await ingestObjects(test, options.objects);
    const ingestMs = performance.now() - tIngest;
    const writes = timeCatalogWrites(app.catalog);

    const session = options.profile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    sqlStats?.reset();
    let published = 0;
    let publishMs = 0;
    let drains = 0;
    let timedOut = false;
    const t0 = performance.now();
    while (published < options.events) {
      if (performance.now() - t0 > options.budgetMs) {
        timedOut = true;
        break;
      }
      const n = Math.min(options.batch, options.events - published);
      const at = Date.now();
      const batch = new Array<{ key: string; value: AccessEvent }>(n);
      for (let i = 0; i < n; i++) {
        const objectId = ids[(published + i) % ids.length]!;
        batch[i] = { key: objectId, value: { objectId, count: 1, at } };
      }
      const tp = performance.now();
      await app.bus.publish(TOPICS.accessEvents, batch);
      publishMs += performance.now() - tp;
      published += n;
      // Bounded backlog, as a producer with back-pressure would have.
      if (published - app.aggregator.totalRecorded >= options.window) {
        await app.bus.drain();
        drains++;
      }
    }
    const tDrain = performance.now();
    await app.bus.drain();
    const handledAt = performance.now();
    const tFlush = performance.now();
    await app.aggregator.flush();
    const finalFlushMs = performance.now() - tFlush;
    const totalMs = performance.now() - t0;
    const drainTailMs = handledAt - tDrain;
    sqlStats?.print(`SQLite time during the timed phase, reactive ${reactive}`);
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      const file = `${options.profile}-reactive-${reactive}.cpuprofile`;
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`\n(CPU profile of the timed phase written to ${file})`);
    }

    let migrationsNote = 'n/a (reactive off)';
    if (reactive === 'on') {
      await app.reactive.settled();
      const counts = await app.catalog.migrationCounts();
      const planned = counts.reduce((s, c) => s + c.count, 0);
      migrationsNote = `${planned} planned by the reactive policy during the run (${counts.map((c) => `${c.status}: ${c.count}`).join(', ') || 'none'})`;
    }
    const { objects, total } = await sumAccessCounts(app.catalog);

    printTable(`end to end, reactive policy ${reactive} (bus.publish → aggregator.record → catalog)`, [
      ['objects', `${fmt(objects)} (ingested in ${fmt(ingestMs)} ms)`],
      ['events published', `${fmt(published)}${timedOut ? `  (budget of ${options.budgetMs / 1000} s reached, stopped early)` : ''}`],
      ['batch size / window', `${fmt(options.batch)} / ${fmt(options.window)} (${drains} back-pressure drains)`],
      ['wall time', `${fmt(totalMs)} ms`],
      ['events/s end to end', fmt(published / (totalMs / 1000))],
      ['  of which bus.publish (clone+enqueue)', `${fmt(publishMs)} ms`],
      ['  drain tail after last publish', `${fmt(drainTailMs)} ms`],
      ['  catalog writes during run', `${writes.writes} flushes, ${fmt(writes.rows)} bucket rows, ${fmt(writes.ms, 1)} ms total`],
      ['  final flush', `${fmt(finalFlushMs, 1)} ms`],
      ['check: Σ access_count', `${fmt(total)} ${total === published ? '== events published ✓' : `!= events published (${fmt(published)}) ✗`}`],
      ['migrations', migrationsNote],
    ]);
  } finally {
    await test.close();
  }
}

async function recordAlone(options: Options): Promise<void> {
  const test = await startTestApp({ patch: { reactive: { enabled: false }, logLevel: 'silent' }, timers: false });
  try {
    const ids = await ingestObjects(test, options.objects);
    // Not started: no timer flushes; only record() runs in the timed loop.
    const aggregator = new AccessAggregator(test.app.catalog, createLogger('silent'), 1_000_000);
    const events: AccessEvent[] = [];
    const at = Date.now();
    for (let i = 0; i < Math.min(options.events, 100_000); i++) events.push({ objectId: ids[i % ids.length]!, count: 1, at });
    // Warm-up, then the timed run over pre-built events (the producer's allocation is not counted).
    for (const e of events) aggregator.record(e);
    await aggregator.flush();
    const t0 = performance.now();
    let done = 0;
    while (done < options.events) {
      for (let i = 0; i < events.length && done < options.events; i++, done++) aggregator.record(events[i]!);
    }
    const recordMs = performance.now() - t0;
    const tw = performance.now();
    await aggregator.flush();
    const writeMs = performance.now() - tw;
    const writes: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (const id of ids) aggregator.record({ objectId: id, count: 1, at: Date.now() });
      const t = performance.now();
      await aggregator.flush();
      writes.push(performance.now() - t);
    }
    writes.sort((a, b) => a - b);
    printTable('parts alone', [
      ['aggregator.record() alone', `${fmt(done)} events in ${fmt(recordMs, 1)} ms = ${fmt(done / (recordMs / 1000))} events/s`],
      ['catalog write of those buckets', `${fmt(writeMs, 1)} ms (${fmt(options.objects)} objects × 1 minute bucket, one transaction)`],
      ['catalog write, 5 more flushes', `median ${fmt(writes[2]!, 1)} ms, min ${fmt(writes[0]!, 1)} ms, max ${fmt(writes[4]!, 1)} ms (${fmt(options.objects)} rows each)`],
    ]);
  } finally {
    await test.close();
  }
}

const options = parseOptions(process.argv.slice(2));
console.log(
  `access aggregation: ${fmt(options.events)} events of count 1 over ${fmt(options.objects)} objects, batches of ${fmt(options.batch)}; ` +
    `target ≥ 200,000 events/s end to end`,
);
for (const reactive of options.reactive) await endToEnd(options, reactive);
await recordAlone(options);
