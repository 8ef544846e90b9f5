import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { TOPICS, type EventBus } from './bus/event-bus.js';
import { InProcessBus } from './bus/in-process-bus.js';
import type { Catalog } from './catalog/catalog.js';
import { openSqliteCatalog } from './catalog/sqlite-catalog.js';
import type { BusConfig, CatalogConfig, KafkaBusConfig, TierConfig, TiercastConfig } from './config/schema.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { TierProfile } from './domain/tier.js';
import { AccessAggregator, type AccessEvent } from './engine/access-aggregator.js';
import { AccessImport } from './engine/access-import.js';
import { lockDataDir } from './engine/data-dir-lock.js';
import { MigrationEvents } from './engine/migration-events.js';
import { MigrationExecutor } from './engine/migration-executor.js';
import { MigrationPlanner, type MigrationCommand } from './engine/migration-planner.js';
import { ObjectService } from './engine/object-service.js';
import { OrphanSweeper } from './engine/orphan-sweeper.js';
import { every } from './engine/periodic.js';
import { Forecaster } from './engine/forecaster.js';
import { ProactiveSweep } from './engine/proactive-sweep.js';
import { ReactiveTrigger, type PlacementTrigger } from './engine/reactive-trigger.js';
import { BreakEvenTrigger } from './engine/break-even-trigger.js';
import { Reconciler } from './engine/reconciler.js';
import { TierSet } from './engine/tier-set.js';
import { IngestPlacement } from './engine/ingest-placement.js';
import type { Logger } from './log.js';
import { FsTierBackend } from './storage/fs-backend.js';
import type { TierBackend } from './storage/tier-backend.js';

const HOUR_MS = 3_600_000;

/** Every long-lived part of a running Tiercast, wired once here (the composition root). */
export interface Tiercast {
  readonly config: Readonly<TiercastConfig>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly catalog: Catalog;
  readonly tiers: TierSet;
  readonly bus: EventBus;
  readonly objects: ObjectService;
  readonly accessImport: AccessImport;
  readonly aggregator: AccessAggregator;
  readonly reactive: PlacementTrigger;
  readonly planner: MigrationPlanner;
  readonly executor: MigrationExecutor;
  readonly reconciler: Reconciler;
  readonly orphans: OrphanSweeper;
  readonly migrationEvents: MigrationEvents;
  readonly forecaster: Forecaster;
  readonly proactive: ProactiveSweep;
  /** The name this process holds migration leases under. */
  readonly owner: string;
  /** Starts the workers and timers (not in role 'api'); the API can serve before this. */
  start(): Promise<void>;
  /** Stops timers and workers, flushes pending accesses, closes the catalog. */
  stop(): Promise<void>;
}

export interface CreateOptions {
  clock?: Clock;
  log: Logger;
  /** Run the periodic loops (reactive sweep, reconciler, orphan sweep, roll-ups). Tests turn this off and call them. */
  timers?: boolean;
}

export function tierProfiles(config: TiercastConfig): TierProfile[] {
  return config.tiers.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
}

export async function createTiercast(config: Readonly<TiercastConfig>, options: CreateOptions): Promise<Tiercast> {
  const clock = options.clock ?? systemClock;
  const log = options.log;
  const dataDir = resolve(config.dataDir);
  // The SQLite catalog belongs to one process; PostgreSQL coordinates any number of them.
  const unlock = config.catalog.type === 'sqlite' ? lockDataDir(dataDir) : () => {};
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const backends = new Map<string, TierBackend>();
    for (const tier of config.tiers) backends.set(tier.name, await openTierBackend(tier, dataDir));
    const tiers = new TierSet(tierProfiles(config), backends);
    const catalog = await openCatalog(config.catalog, dataDir);
    opened.push(catalog);
    const bus = await openBus(config.bus, log);
    opened.push(bus);
    return assemble({ config, clock, log, catalog, tiers, bus, owner: leaseOwner(config), unlock, timers: options.timers ?? true });
  } catch (error) {
    for (const part of opened.reverse()) await part.close().catch(() => undefined);
    unlock();
    throw error;
  }
}

/**
 * The name this process holds migration leases under. The embedded catalog has one process
 * per data dir (the lock), so a lease left by a crash is its own and resumes at once; with
 * a shared catalog each process is someone else to the others.
 */
function leaseOwner(config: Readonly<TiercastConfig>): string {
  return config.catalog.type === 'sqlite' ? 'embedded' : `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** The scale-out adapters are imported only when configured: the embedded default starts without loading their clients. */
async function openTierBackend(tier: TierConfig, dataDir: string): Promise<TierBackend> {
  const config = tier.backend;
  let backend: TierBackend;
  if (config.type === 'fs') {
    const path = config.path ?? join('tiers', tier.name);
    backend = new FsTierBackend({ tierName: tier.name, root: isAbsolute(path) ? path : join(dataDir, path) });
  } else {
    const { S3TierBackend } = await import('./storage/s3-backend.js');
    backend = new S3TierBackend({
      tierName: tier.name,
      bucket: config.bucket,
      prefix: config.prefix,
      endpoint: config.endpoint,
      region: config.region,
      forcePathStyle: config.forcePathStyle ?? config.endpoint !== undefined,
      credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
    });
  }
  await backend.check();
  return backend;
}

async function openCatalog(config: CatalogConfig, dataDir: string): Promise<Catalog> {
  if (config.type === 'sqlite') return openSqliteCatalog(join(dataDir, 'catalog.sqlite'));
  const { openPostgresCatalog } = await import('./catalog/postgres-catalog.js');
  return openPostgresCatalog(config.url, { schema: config.schema, poolSize: config.poolSize });
}

async function openBus(config: BusConfig, log: Logger): Promise<EventBus> {
  if (config.type === 'in-process') return new InProcessBus();
  const { createKafkaBus } = await import('./bus/kafka-bus.js');
  return createKafkaBus(kafkaOptions(config, log));
}

/** The Kafka adapter's options from the configuration (shared with `tiercast create-topics`). */
export function kafkaOptions(config: KafkaBusConfig, log: Logger) {
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    topics: config.topics ? { ...config.topics } : undefined,
    partitions: config.partitions,
    createTopics: config.createTopics,
    log,
  };
}

interface Parts {
  config: Readonly<TiercastConfig>;
  clock: Clock;
  log: Logger;
  catalog: Catalog;
  tiers: TierSet;
  bus: EventBus;
  owner: string;
  unlock: () => void;
  timers: boolean;
}

function assemble(parts: Parts): Tiercast {
  const { config, clock, log, catalog, tiers, bus, owner } = parts;
  const migrationEvents = new MigrationEvents(bus, log);
  const planner = new MigrationPlanner(catalog, bus, tiers, migrationEvents, clock, log);
  const executor = new MigrationExecutor(catalog, tiers, migrationEvents, clock, log, owner, {
    maxConcurrent: config.migration.maxConcurrent,
    maxAttempts: config.migration.maxAttempts,
    retryBaseDelayMs: config.migration.retryBaseDelayMs,
    leaseMs: config.migration.leaseSeconds * 1000,
    verify: config.migration.verify,
    bandwidthBytesPerSecond: config.migration.bandwidthBytesPerSecond,
  });
  const reactive: PlacementTrigger =
    config.reactive.rule === 'break-even'
      ? new BreakEvenTrigger(catalog, tiers, planner, clock, log, {
          latencyPenaltyPerSecond: config.proactive.latencyPenaltyPerSecond,
          maxHistoryMs: config.reactive.maxHistoryDays * 24 * HOUR_MS,
        })
      : new ReactiveTrigger(catalog, tiers, planner, clock, log, {
          spikeWindowMs: config.reactive.spikeWindowSeconds * 1000,
          coolingPeriodMs: config.reactive.coolingPeriodSeconds * 1000,
          demoteRatio: config.reactive.demoteRatio,
          minResidencyMs: config.reactive.minResidencySeconds * 1000,
          demote: !config.proactive.enabled,
        });
  const aggregator = new AccessAggregator(catalog, log, config.accounting.flushIntervalMs);
  if (config.reactive.enabled) aggregator.onFlushed((ids) => reactive.notify(ids));
  const reconciler = new Reconciler(catalog, executor, clock, log, owner);
  const orphans = new OrphanSweeper(catalog, tiers, log, config.orphans.graceSeconds * 1000);
  const objects = new ObjectService(catalog, tiers, bus, clock, log, {
    ingestTier: config.ingestTier,
    maxObjectBytes: config.server.maxObjectBytes,
  });
  const accessImport = new AccessImport(catalog, clock);
  const forecaster = new Forecaster(catalog, clock, log, {
    horizonHours: config.proactive.horizonHours,
    trainingDays: config.proactive.trainingDays,
    strideHours: config.proactive.strideHours,
    maxTrainingObjects: config.proactive.maxTrainingObjects,
    minTrainingRows: config.proactive.minTrainingRows,
  });
  const proactive = new ProactiveSweep(catalog, tiers, forecaster, planner, clock, log, {
    latencyPenaltyPerSecond: config.proactive.latencyPenaltyPerSecond,
    moveMargin: config.proactive.moveMargin,
    maxPlanningHours: config.proactive.maxPlanningDays * 24,
    minIdleMsBeforeDemotion: config.proactive.minIdleMinutesBeforeDemotion * 60_000,
    minResidencyMs: config.reactive.minResidencySeconds * 1000,
    newcomersOnly: config.reactive.enabled && config.reactive.rule === 'break-even',
  });
  if (config.proactive.enabled && config.proactive.placeNewObjects) {
    const placement = new IngestPlacement(forecaster, tiers, log, {
      ingestTier: config.ingestTier,
      horizonHours: config.proactive.horizonHours,
      latencyPenaltyPerSecond: config.proactive.latencyPenaltyPerSecond,
    });
    objects.placeNewObjectsWith((draft) => placement.tierFor(draft));
  }
  const stops: Array<() => Promise<void>> = [];

  const rollUp = async () => {
    const now = clock.now();
    await catalog.rollUpAccesses(60, 3600, now - config.accounting.minuteBucketsKeepHours * HOUR_MS);
    await catalog.rollUpAccesses(3600, 86400, now - config.accounting.hourBucketsKeepDays * 24 * HOUR_MS);
  };

  // On Kafka, consumer groups are cluster-wide: the client id keeps one deployment's groups
  // apart from another's on the same brokers.
  const consumerGroup = (name: string) => (config.bus.type === 'kafka' ? `${config.bus.clientId}.${name}` : name);
  // With a shared catalog another process may train and serve a new model: reread the
  // registry's served entry now and then (one small query) so every process forecasts alike.
  const followServedModel = () => every(config.proactive.sweepIntervalSeconds * 1000, 'served-model reload', () => forecaster.load(), log);

  return {
    config, clock, log, catalog, tiers, bus, objects, accessImport, aggregator, reactive, planner, executor, reconciler, orphans, migrationEvents, forecaster, proactive, owner,
    async start() {
      await forecaster.load();
      if (parts.timers && config.catalog.type === 'postgres') stops.push(followServedModel());
      // An API process only serves and publishes (accesses, migration commands); workers consume.
      if (config.role === 'api') return;
      const accessSub = await bus.subscribe<AccessEvent>(TOPICS.accessEvents, async (m) => aggregator.record(m.value), {
        group: consumerGroup('access-aggregator'),
        // Offsets are committed only once the counts they carried are in the catalog.
        beforeCommit: () => aggregator.flush(),
      });
      const commandSub = await bus.subscribe<MigrationCommand>(TOPICS.migrationCommands, async (m) => executor.submit(m.value.migration_id), {
        group: consumerGroup('migration-executors'),
      });
      stops.push(() => accessSub.close(), () => commandSub.close());
      aggregator.start();
      // Sweep before resuming: a resumed copy's fresh temp file must not meet a sweep.
      const orphaned = await orphans.sweep();
      if (orphaned > 0) log.info(`orphan sweep: ${orphaned} leftover copies removed`);
      const resumed = await reconciler.reconcile();
      if (resumed > 0) log.info(`reconciler: ${resumed} unfinished migration(s) resumed`);
      await rollUp();
      if (parts.timers) {
        // Jobs that look at every object run in one worker at a time: the holder of the
        // job's lease, renewed at each run. If it dies, another takes over once the lease
        // (1.5 intervals) runs out. The reconciler runs everywhere: migrations have leases of their own.
        const periodic = (job: string, intervalMs: number, run: () => Promise<unknown>) =>
          every(intervalMs, job, async () => {
            if (await catalog.acquireJobLease(job, owner, clock.now(), Math.round(intervalMs * 1.5))) await run();
          }, log);
        if (config.proactive.enabled) stops.push(periodic('proactive sweep', config.proactive.sweepIntervalSeconds * 1000, () => proactive.sweep()));
        if (config.proactive.trainIntervalHours > 0) stops.push(periodic('model training', config.proactive.trainIntervalHours * HOUR_MS, () => forecaster.train()));
        if (config.reactive.enabled) {
          // Break-even timers are per process (each worker times the objects it decided on), so every worker runs its own.
          const step = () => reactive.sweep();
          stops.push(config.reactive.rule === 'break-even' ? every(config.reactive.sweepIntervalSeconds * 1000, 'placement timers', step, log) : periodic('reactive sweep', config.reactive.sweepIntervalSeconds * 1000, step));
        }
        stops.push(every(config.migration.reconcileIntervalSeconds * 1000, 'reconciler', () => reconciler.reconcile(), log));
        stops.push(periodic('orphan sweep', config.orphans.sweepIntervalSeconds * 1000, () => orphans.sweep()));
        stops.push(periodic('access roll-up', HOUR_MS, rollUp));
      }
    },
    async stop() {
      for (const stop of stops.splice(0)) await stop();
      await executor.stop();
      await bus.drain();
      await aggregator.stop();
      await reactive.settled();
      await bus.close();
      await catalog.close();
      parts.unlock();
    },
  };
}
