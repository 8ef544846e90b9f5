import type { MigrationEvent, MigrationJson, ObjectTierEvent } from '../api/types.js';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** One migration in the live feed: its latest state and the states seen so far. */
export interface FeedItem {
  migrationId: string;
  objectId: string;
  from: string;
  to: string;
  reason: string;
  status: MigrationEvent['status'];
  error: string | null;
  sizeBytes: number;
  /** ms of the latest change */
  at: number;
  /** States in the order they arrived ('…' first when the feed joined late). */
  trail: string[];
  /** Seen change live, rather than loaded from the history at start. */
  live: boolean;
}

const FEED_SIZE = 30;
const RECONNECT_MS = 3000;

/**
 * The page's one connection to GET /api/events (server-sent events). Keeps the live feed
 * of migrations and tells the views about state and tier changes, so they update in
 * place; EventSource reconnects by itself and resumes with Last-Event-ID.
 */
export class LiveEvents {
  status: LiveStatus = 'connecting';
  feed: FeedItem[] = [];
  private source: EventSource | undefined;
  private readonly changeListeners = new Set<() => void>();
  private readonly migrationListeners = new Set<(event: MigrationEvent) => void>();
  private readonly tierListeners = new Set<(event: ObjectTierEvent) => void>();

  connect(url = '/api/events'): void {
    this.source?.close();
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => this.setStatus('live');
    source.onerror = () => {
      this.setStatus('reconnecting');
      // A stream the browser gave up on (the server answered with an error) is reopened by hand.
      if (source.readyState === EventSource.CLOSED) setTimeout(() => this.source === source && this.connect(url), RECONNECT_MS);
    };
    source.addEventListener('migration', (e) => this.onMigration(JSON.parse((e as MessageEvent<string>).data) as MigrationEvent));
    source.addEventListener('object-tier', (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as ObjectTierEvent;
      this.tierListeners.forEach((l) => l(event));
    });
  }

  /** Fills the feed with the latest migrations from the history, under whatever arrived live. */
  seed(migrations: readonly MigrationJson[]): void {
    const known = new Set(this.feed.map((f) => f.migrationId));
    const seeded: FeedItem[] = migrations
      .filter((m) => !known.has(m.id))
      .map((m) => ({
        migrationId: m.id,
        objectId: m.object_id,
        from: m.source_tier,
        to: m.destination_tier,
        reason: m.reason,
        status: m.status,
        error: m.error,
        sizeBytes: m.size_bytes,
        at: Date.parse(m.updated_at),
        trail: [m.status],
        live: false,
      }));
    this.feed = [...this.feed, ...seeded].sort((a, b) => b.at - a.at).slice(0, FEED_SIZE);
    this.changed();
  }

  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => void this.changeListeners.delete(listener);
  }

  onMigrationEvent(listener: (event: MigrationEvent) => void): () => void {
    this.migrationListeners.add(listener);
    return () => void this.migrationListeners.delete(listener);
  }

  onTierChange(listener: (event: ObjectTierEvent) => void): () => void {
    this.tierListeners.add(listener);
    return () => void this.tierListeners.delete(listener);
  }

  private onMigration(event: MigrationEvent): void {
    const existing = this.feed.find((f) => f.migrationId === event.migration_id);
    const item: FeedItem = {
      migrationId: event.migration_id,
      objectId: event.object_id,
      from: event.source_tier,
      to: event.destination_tier,
      reason: event.reason,
      status: event.status,
      error: event.error,
      sizeBytes: event.size_bytes,
      at: event.at,
      trail: existing ? [...existing.trail.filter((s) => s !== event.status), event.status] : event.status === 'planned' ? ['planned'] : ['…', event.status],
      live: true,
    };
    this.feed = [item, ...this.feed.filter((f) => f.migrationId !== event.migration_id)].slice(0, FEED_SIZE);
    this.migrationListeners.forEach((l) => l(event));
    this.changed();
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  private changed(): void {
    this.changeListeners.forEach((l) => l());
  }
}

export const live = new LiveEvents();
