import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TOPICS, type EventBus, type Subscription } from '../bus/event-bus.js';
import { MIGRATION_STATUSES } from '../domain/migration.js';
import type { MigrationEvent } from '../engine/migration-events.js';
import type { Logger } from '../log.js';

/** An object's content now lives in another tier (sent when its migration switched). */
export interface ObjectTierEvent {
  object_id: string;
  tier: string;
  previous_tier: string;
  migration_id: string;
  /** ms since epoch */
  at: number;
}

/** One server-sent event, formatted once and written to every client. */
export interface LiveMessage {
  /** `<process epoch>-<sequence>`: a reconnecting client sends it back as Last-Event-ID. */
  id: string;
  event: 'migration' | 'object-tier';
  /** The whole `id:/event:/data:` block, ready to write. */
  text: string;
}

export type LiveListener = (message: LiveMessage) => void;

export interface LiveFeedOptions {
  /** Messages kept for clients that reconnect with Last-Event-ID. */
  replay?: number;
  /** ms since epoch; default Date.now. */
  now?: () => number;
}

const DEFAULT_REPLAY = 500;
/**
 * Events older than this before the subscription started are history, not news: a new
 * Kafka consumer group starts reading the topic from its beginning. The margin covers
 * clocks of other processes that run a little behind.
 */
const STALE_BEFORE_START_MS = 60_000;

/**
 * Fans migration state changes out to the dashboard's live connections. It subscribes to
 * the bus's migration-events topic once per API process, in a consumer group of its own,
 * because the migration worker may be another process (Kafka): every API process must see
 * every event, and the connected browsers share that one subscription.
 */
export class LiveFeed {
  private readonly listeners = new Set<LiveListener>();
  private readonly recent: LiveMessage[] = [];
  /** Per process: ids from an earlier process (or another API node) are never replayed against this one's. */
  private readonly epoch = randomBytes(4).toString('hex');
  private sequence = 0;
  private subscription: Subscription | undefined;
  private readonly replay: number;
  private readonly now: () => number;
  private startedAt = Number.POSITIVE_INFINITY;
  /** The consumer group: unique to this process, so no other process takes its share. */
  readonly group = `dashboard-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly bus: EventBus,
    private readonly log: Logger,
    options: LiveFeedOptions = {},
  ) {
    this.replay = options.replay ?? DEFAULT_REPLAY;
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    this.startedAt = this.now();
    // One attempt: the handler cannot fail in a way a retry would fix, and a lost dashboard
    // line must never hold up the topic.
    this.subscription = await this.bus.subscribe<unknown>(TOPICS.migrationEvents, async (message) => this.receive(message.value), {
      group: this.group,
      maxAttempts: 1,
      // A live feed shows what happens from now on; replaying the topic's history would only be dropped.
      startAt: 'latest',
    });
  }

  async close(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.listeners.clear();
    await subscription?.close();
  }

  get clientCount(): number {
    return this.listeners.size;
  }

  /**
   * Adds a listener; first replays the kept messages after `lastEventId` (from this
   * process only). Returns the function that removes it.
   */
  listen(listener: LiveListener, lastEventId?: string): () => void {
    for (const message of this.missedSince(lastEventId)) listener(message);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private missedSince(lastEventId: string | undefined): LiveMessage[] {
    const [epoch, sequence] = (lastEventId ?? '').split('-');
    if (epoch !== this.epoch || sequence === undefined || !/^\d+$/.test(sequence)) return [];
    const after = Number(sequence);
    return this.recent.filter((m) => Number(m.id.split('-')[1]) > after);
  }

  private receive(value: unknown): void {
    if (!isMigrationEvent(value)) {
      this.log.warn({ value }, 'live feed: ignored a malformed migration event');
      return;
    }
    if (value.at < this.startedAt - STALE_BEFORE_START_MS) return;
    this.emit('migration', value);
    if (value.status === 'switched') {
      const tierChange: ObjectTierEvent = {
        object_id: value.object_id,
        tier: value.destination_tier,
        previous_tier: value.source_tier,
        migration_id: value.migration_id,
        at: value.at,
      };
      this.emit('object-tier', tierChange);
    }
  }

  private emit(event: LiveMessage['event'], data: unknown): void {
    const id = `${this.epoch}-${++this.sequence}`;
    const message: LiveMessage = { id, event, text: `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n` };
    this.recent.push(message);
    if (this.recent.length > this.replay) this.recent.splice(0, this.recent.length - this.replay);
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch (error) {
        this.log.warn({ err: error }, 'live feed: a listener failed');
      }
    }
  }
}

function isMigrationEvent(value: unknown): value is MigrationEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.migration_id === 'string' &&
    typeof v.object_id === 'string' &&
    typeof v.source_tier === 'string' &&
    typeof v.destination_tier === 'string' &&
    typeof v.reason === 'string' &&
    typeof v.at === 'number' &&
    (MIGRATION_STATUSES as readonly unknown[]).includes(v.status)
  );
}
