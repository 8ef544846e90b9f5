/**
 * The Kafka adapter of the EventBus port (scale-out deployment), on @platformatic/kafka.
 *
 * - publish: JSON values keyed by object id, partitioned like the Java client, written by an
 *   idempotent producer with acks=all; it resolves once the brokers have the messages.
 * - subscribe: one consumer-group member per subscription (see kafka-subscription.ts for
 *   ordering, retries, dead letters and when offsets are committed).
 * - drain: remembers where this process's writes ended in every partition and waits until
 *   every group subscribed in this process has committed past them (dead letters written
 *   meanwhile included).
 *
 * Redelivery is possible (after a crash, a rebalance or a reconnect) and handlers must be
 * idempotent; during a rebalance two members may briefly run the same key.
 */
import { Admin, Producer, ProduceAcks } from '@platformatic/kafka';
import { pino } from 'pino';
import { invalidInput, TiercastError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { TOPICS, type BusHandler, type DeadLetter, type EventBus, type SubscribeOptions, type Subscription, type Topic } from './event-bus.js';
import { encodeValue, partitionFor } from './kafka-codec.js';
import { checkBrokers, kafkaUnavailable, positiveInteger, topicNames, type KafkaBusOptions, type TopicNames } from './kafka-options.js';
import { KafkaSubscription } from './kafka-subscription.js';
import { KafkaWriter, type OutgoingRecord } from './kafka-writer.js';
import { checkTopicsExist, createTopics } from './kafka-topics.js';

export type { KafkaBusOptions } from './kafka-options.js';

const DEFAULT_MAX_ATTEMPTS = 5;
/** How often a waiting drain() asks the broker about partitions owned by other processes. */
const DRAIN_BROKER_POLL_MS = 250;

export async function createKafkaBus(options: KafkaBusOptions): Promise<EventBus> {
  const brokers = checkBrokers(options.brokers);
  if (typeof options.clientId !== 'string' || !/^\S+$/.test(options.clientId)) {
    throw invalidInput(`Kafka clientId must be a non-empty string without spaces, got ${JSON.stringify(options.clientId)}`);
  }
  const names = topicNames(options);
  if (options.createTopics) await createTopics(options);
  else await checkTopicsExist(options);
  const partitions = await partitionCounts(options, names);
  const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
    clientId: `${options.clientId}-producer`,
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    retries: 5,
    retryDelay: 200,
    connectTimeout: 5_000,
    timeout: 30_000,
  });
  return new KafkaBus(options, brokers, names, partitions, producer);
}

/** One (topic, group) pair subscribed in this process. */
interface GroupState {
  physical: string;
  name: string;
  subscriptions: Set<KafkaSubscription>;
  /** Highest offset committed per partition, as this process knows it. */
  committed: Map<number, bigint>;
  /**
   * False for a group that started at 'latest' (a live view): it never handles what was
   * written before it joined, so it cannot hold drain() for those writes.
   */
  holdsDrain: boolean;
}

class KafkaBus implements EventBus {
  readonly kind = 'kafka';

  private readonly log: Logger;
  private readonly groups = new Map<string, GroupState>();
  /** Per physical topic and partition: the offset after the last message this process wrote. */
  private readonly written = new Map<string, Map<number, bigint>>();
  private writes = 0;
  private readonly writer: KafkaWriter;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: KafkaBusOptions,
    private readonly brokers: string[],
    private readonly names: TopicNames,
    private readonly partitions: ReadonlyMap<string, number>,
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
  ) {
    this.log = options.log ?? pino({ enabled: false });
    producer.on('error', (error: Error) => this.log.warn({ err: error }, 'Kafka producer error'));
    this.writer = new KafkaWriter(producer, (topic, partition, end) => {
      let ends = this.written.get(topic);
      if (!ends) this.written.set(topic, (ends = new Map()));
      if ((ends.get(partition) ?? -1n) < end) ends.set(partition, end);
    });
  }

  async publish<T>(topic: Topic, messages: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
    if (this.closing) throw closedError(`publish to '${topic}'`);
    const physical = this.names.physical(topic);
    if (messages.length === 0) return;
    const count = this.partitions.get(physical) as number;
    const records = messages.map((message, i) => {
      if (typeof message?.key !== 'string') throw invalidInput(`message ${i} published to '${topic}' has no string key (got ${typeof message?.key})`);
      const key = Buffer.from(message.key, 'utf8');
      return { topic: physical, key, value: encodeValue(topic, i, message.key, message.value), partition: partitionFor(key, count) };
    });
    await this.write(records, `publishing to '${physical}'`);
  }

  async subscribe<T>(topic: Topic, handler: BusHandler<T>, options: SubscribeOptions): Promise<Subscription> {
    if (this.closing) throw closedError(`subscribe to '${topic}'`);
    const physical = this.names.physical(topic);
    if (typeof handler !== 'function') throw invalidInput(`subscribe to '${topic}': handler must be a function`);
    if (typeof options?.group !== 'string' || !/^\S+$/.test(options.group)) {
      throw invalidInput(`subscribe to '${topic}': options.group must be a non-empty string without spaces`);
    }
    if (options.beforeCommit !== undefined && typeof options.beforeCommit !== 'function') {
      throw invalidInput(`subscribe to '${topic}': options.beforeCommit must be a function`);
    }
    const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    const group = this.groupFor(physical, options.group);
    if (options.startAt === 'latest') group.holdsDrain = false;
    const { options: o } = this;
    const subscription = new KafkaSubscription({
      brokers: this.brokers,
      clientId: this.options.clientId,
      logical: topic,
      physical,
      group: options.group,
      handler: handler as BusHandler<unknown>,
      maxAttempts,
      beforeCommit: options.beforeCommit,
      startAt: options.startAt ?? 'earliest',
      isDeadLetterTopic: topic === TOPICS.deadLetter,
      retryDelayMs: nonNegative('retryDelayMs', o.retryDelayMs ?? 50),
      commitIntervalMs: positiveInteger('commitIntervalMs', o.commitIntervalMs ?? 200),
      sessionTimeoutMs: positiveInteger('sessionTimeoutMs', o.sessionTimeoutMs ?? 10_000),
      heartbeatIntervalMs: positiveInteger('heartbeatIntervalMs', o.heartbeatIntervalMs ?? 1_000),
      maxBuffered: 10_000,
      log: this.log,
      deadLetter: (key, letter) => this.sendDeadLetter(key, letter),
      onCommitted: (partition, offset) => {
        if ((group.committed.get(partition) ?? -1n) < offset) group.committed.set(partition, offset);
      },
    });
    await subscription.start();
    group.subscriptions.add(subscription);
    let closed: Promise<void> | undefined;
    return {
      close: () => {
        closed ??= (async () => {
          // No longer holds drain() from the moment it starts leaving.
          group.subscriptions.delete(subscription);
          await subscription.close();
        })();
        return closed;
      },
    };
  }

  async drain(): Promise<void> {
    for (;;) {
      if (this.closing) return;
      const writesBefore = this.writes;
      const targets = new Map([...this.written].map(([topic, ends]) => [topic, new Map(ends)]));
      let lastBrokerPoll = Date.now();
      while (!this.caughtUp(targets)) {
        if (this.closing) return;
        for (const group of this.groups.values()) for (const s of group.subscriptions) s.commitSoon();
        if (Date.now() - lastBrokerPoll >= DRAIN_BROKER_POLL_MS) {
          lastBrokerPoll = Date.now();
          await this.askBroker(targets);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Handlers may have published (dead letters above all): wait for those too.
      if (this.writes === writesBefore) return;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const subscriptions = [...this.groups.values()].flatMap((g) => [...g.subscriptions]);
      this.groups.clear();
      await Promise.allSettled(subscriptions.map((s) => s.close()));
      await this.producer.close().catch((error: unknown) => this.log.warn({ err: error }, 'closing the Kafka producer failed'));
    })();
    return this.closing;
  }

  private async write(records: OutgoingRecord[], doing: string): Promise<void> {
    try {
      await this.writer.write(records);
    } catch (error) {
      throw kafkaUnavailable(this.brokers, doing, error);
    } finally {
      this.writes++;
    }
  }

  private async sendDeadLetter(key: string, letter: DeadLetter): Promise<void> {
    const physical = this.names.physical(TOPICS.deadLetter);
    const keyBuffer = Buffer.from(key, 'utf8');
    const record = {
      topic: physical,
      key: keyBuffer,
      value: encodeValue(TOPICS.deadLetter, 0, key, letter),
      partition: partitionFor(keyBuffer, this.partitions.get(physical) as number),
    };
    await this.write([record], `publishing a dead letter to '${physical}'`);
  }

  private groupFor(physical: string, name: string): GroupState {
    const id = `${physical}\u0000${name}`;
    let group = this.groups.get(id);
    if (!group) {
      group = { physical, name, subscriptions: new Set(), committed: new Map(), holdsDrain: true };
      this.groups.set(id, group);
    }
    return group;
  }

  /** Every group with a subscriber here has committed past every write this process made to its topic. */
  private caughtUp(targets: ReadonlyMap<string, ReadonlyMap<number, bigint>>): boolean {
    for (const group of this.groups.values()) {
      if (group.subscriptions.size === 0 || !group.holdsDrain) continue;
      const ends = targets.get(group.physical);
      if (!ends) continue;
      for (const [partition, end] of ends) if ((group.committed.get(partition) ?? -1n) < end) return false;
    }
    return true;
  }

  /** Partitions owned by members in other processes commit there: learn their progress from the broker. */
  private async askBroker(targets: ReadonlyMap<string, ReadonlyMap<number, bigint>>): Promise<void> {
    for (const group of this.groups.values()) {
      const ends = targets.get(group.physical);
      const member = group.subscriptions.values().next().value as KafkaSubscription | undefined;
      if (!ends || !member || !group.holdsDrain) continue;
      const behind = [...ends].filter(([p, end]) => (group.committed.get(p) ?? -1n) < end).map(([p]) => p);
      if (behind.length === 0) continue;
      try {
        for (const [partition, offset] of await member.brokerCommitted(behind)) {
          if ((group.committed.get(partition) ?? -1n) < offset) group.committed.set(partition, offset);
        }
      } catch (error) {
        this.log.debug({ err: error, group: group.name }, 'drain: reading committed offsets failed; will ask again');
      }
    }
  }
}

/** The partition count of every topic, needed to place keys the way Java clients do. */
async function partitionCounts(options: KafkaBusOptions, names: TopicNames): Promise<Map<string, number>> {
  const admin = new Admin({ clientId: `${options.clientId}-admin`, bootstrapBrokers: options.brokers, retries: 3, retryDelay: 250 });
  try {
    const topics = names.all().map((t) => t.physical);
    const metadata = await admin.metadata({ topics });
    return new Map(topics.map((topic) => [topic, metadata.topics.get(topic)?.partitionsCount ?? 1]));
  } catch (error) {
    throw kafkaUnavailable(options.brokers, 'reading topic metadata', error);
  } finally {
    await admin.close().catch(() => {});
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidInput(`Kafka bus option ${name} must be a non-negative number, got ${value}`);
  return value;
}

function closedError(action: string): TiercastError {
  return new TiercastError('internal', `cannot ${action}: the Kafka event bus is closed`, {
    hint: 'the service is shutting down; publish before calling close()',
  });
}
