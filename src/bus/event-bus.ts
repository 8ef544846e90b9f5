/**
 * The event bus port: keyed, ordered-per-key streams of JSON messages. The in-process
 * adapter serves the embedded default; a Kafka adapter serves the scale-out deployment.
 */
export const TOPICS = {
  accessEvents: 'tiercast.access-events',
  migrationCommands: 'tiercast.migration-commands',
  migrationEvents: 'tiercast.migration-events',
  deadLetter: 'tiercast.dead-letter',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export interface BusMessage<T = unknown> {
  topic: Topic;
  /** Messages with the same key are delivered in publish order (Kafka: the partition key). */
  key: string;
  value: T;
  /** Delivery attempt, starting at 1; a handler sees a higher number on redelivery. */
  attempt: number;
}

export type BusHandler<T = unknown> = (message: BusMessage<T>) => Promise<void>;

export interface SubscribeOptions {
  /**
   * Consumer group: every group receives every message once; inside a group each message
   * goes to one subscriber. Handlers must be idempotent: a message may be redelivered.
   */
  group: string;
  /** Attempts before a message that keeps failing is sent to the dead-letter topic. */
  maxAttempts?: number;
  /**
   * Durability hook: awaited before the bus records handled messages as done (Kafka: before
   * it commits their offsets), so a handler that only buffers (the access aggregator) can
   * make its effects durable first. While it fails, nothing is committed and the messages
   * are redelivered after a crash. The in-process bus keeps nothing across a crash, so it
   * has nothing to commit and never calls it.
   */
  beforeCommit?: () => Promise<void>;
  /**
   * Where a group that has no committed position yet starts: `earliest` (the default)
   * also gets what was published before it first joined (commands must not be missed);
   * `latest` only what comes after (a live view that would otherwise replay the whole
   * topic). Such a group does not hold drain(). The in-process bus keeps no history, so
   * its new groups always start at new messages.
   */
  startAt?: 'earliest' | 'latest';
}

export interface Subscription {
  /** Stops delivery to this subscriber after in-flight handlers finish. */
  close(): Promise<void>;
}

export interface EventBus {
  readonly kind: string;
  /** Resolves once the bus has accepted the messages durably enough to be delivered. */
  publish<T>(topic: Topic, messages: ReadonlyArray<{ key: string; value: T }>): Promise<void>;
  subscribe<T>(topic: Topic, handler: BusHandler<T>, options: SubscribeOptions): Promise<Subscription>;
  /** Resolves when every message published so far has been handled (or dead-lettered). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** The envelope put on the dead-letter topic. */
export interface DeadLetter {
  originalTopic: Topic;
  key: string;
  value: unknown;
  error: string;
  attempts: number;
}
