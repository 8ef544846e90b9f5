/**
 * One subscriber of the Kafka bus: a consumer-group member on one topic.
 *
 * - Each assigned partition is a lane handled strictly in offset order (same key → same
 *   partition → in order); different partitions run concurrently.
 * - A failed handler is retried in process with backoff; after maxAttempts the message goes
 *   to the dead-letter topic. A record that is not JSON goes there at once. Either way the
 *   lane goes on with the next message.
 * - Offsets are committed every commitIntervalMs, only for messages whose handler resolved,
 *   and only after `beforeCommit` resolved. A crash therefore redelivers, never loses.
 * - If the consumer or its stream fails (broker restart, network), the member is rebuilt
 *   with backoff under the same group; handled-but-uncommitted offsets are committed by the
 *   new member and messages already handled are not run again.
 */
import { once } from 'node:events';
import { Consumer, type Message, type MessagesStream } from '@platformatic/kafka';
import type { Logger } from '../log.js';
import type { BusHandler, DeadLetter, Topic } from './event-bus.js';
import { Fifo } from './fifo.js';
import { decodeValue, errorText } from './kafka-codec.js';
import { kafkaUnavailable } from './kafka-options.js';

type Record = Message<Buffer, Buffer, Buffer, Buffer>;
type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

export interface SubscriptionSettings {
  brokers: string[];
  clientId: string;
  logical: Topic;
  physical: string;
  group: string;
  handler: BusHandler<unknown>;
  maxAttempts: number;
  beforeCommit: (() => Promise<void>) | undefined;
  /** Where a group with no committed offsets starts reading. */
  startAt: 'earliest' | 'latest';
  /** Dead letters are dropped (with a log line) instead of re-dead-lettered on this topic. */
  isDeadLetterTopic: boolean;
  retryDelayMs: number;
  commitIntervalMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Messages fetched and not yet handled before the member stops fetching. */
  maxBuffered: number;
  log: Logger;
  /** Publishes a dead letter (keyed like the original); rejects if Kafka does not take it. */
  deadLetter: (key: string, letter: DeadLetter) => Promise<void>;
  /** Called after every successful commit, for drain(). */
  onCommitted: (partition: number, offset: bigint) => void;
}

const MAX_RETRY_DELAY_MS = 2_000;
const RECONNECT_DELAY_MS = 250;
const MAX_RECONNECT_DELAY_MS = 2_000;
const CLOSE_TIMEOUT_MS = 10_000;

/** The queue and progress of one partition. */
class Lane {
  readonly queue = new Fifo<Record>();
  running = false;
  /** Offset after the last message queued: fetched again after a rebalance, it is skipped. */
  queuedUpTo = -1n;
  /** Offset after the last message handled (the offset to commit), -1 when none. */
  handledUpTo = -1n;
  committedUpTo = -1n;
  /** The message whose handler runs now. */
  current: Record | undefined;

  constructor(readonly partition: number) {}
}

export class KafkaSubscription {
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private stream: Stream | undefined;
  private readonly lanes = new Map<number, Lane>();
  private owned = new Set<number>();
  private buffered = 0;
  private paused = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private commitAgain = false;
  private reconnecting: Promise<void> | undefined;
  /** Wakes backoff sleeps when the subscription closes. */
  private readonly abort = new AbortController();
  /** Lanes whose loop runs now, including lanes of partitions that moved away meanwhile. */
  private runningLanes = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly settings: SubscriptionSettings) {}

  /** Joins the group; resolves once this member has its partitions and knows where to read. */
  async start(): Promise<void> {
    await this.connect();
    this.commitTimer = setInterval(() => void this.commit(), this.settings.commitIntervalMs);
    this.commitTimer.unref();
  }

  /** Commits handled offsets now rather than at the next tick (drain() is waiting). */
  commitSoon(): void {
    void this.commit();
  }

  /** Committed offsets of this group according to the broker, -1 where none. */
  async brokerCommitted(partitions: number[]): Promise<Map<number, bigint>> {
    const result = new Map<number, bigint>();
    const consumer = this.consumer;
    if (!consumer || partitions.length === 0) return result;
    const offsets = await consumer.listCommittedOffsets({ topics: [{ topic: this.settings.physical, partitions }] });
    const list = offsets.get(this.settings.physical) ?? [];
    for (const partition of partitions) result.set(partition, list[partition] ?? -1n);
    return result;
  }

  /**
   * Stops fetching, waits for running handlers, commits what they finished (after
   * beforeCommit), then leaves the group so its partitions move to the other members.
   */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    this.abort.abort();
    if (this.commitTimer) clearInterval(this.commitTimer);
    for (const lane of this.lanes.values()) this.dropQueue(lane);
    await this.whenIdle();
    await this.reconnecting?.catch(() => {});
    try {
      // A commit in flight took its snapshot earlier: wait for it, then commit the rest.
      while (this.committing) await this.committing.catch(() => {});
      await this.commit();
    } catch (error) {
      this.settings.log.warn({ err: error, group: this.settings.group }, 'final offset commit failed; the last messages will be redelivered');
    }
    await this.disconnect();
  }

  private async connect(): Promise<void> {
    const { settings } = this;
    const consumer = new Consumer({
      clientId: `${settings.clientId}-${settings.group}`,
      groupId: settings.group,
      bootstrapBrokers: settings.brokers,
      sessionTimeout: settings.sessionTimeoutMs,
      rebalanceTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      autocommit: false,
      maxWaitTime: 500,
      retries: 3,
      retryDelay: 250,
      connectTimeout: 5_000,
      timeout: 15_000,
    });
    // Without a listener an 'error' event would crash the process; a failed member is rebuilt.
    consumer.on('error', (error: Error) => this.failed(consumer, error));
    // Rebalances after the first join (which the code below applies itself).
    consumer.on('consumer:group:join', (payload: { assignments?: Array<{ topic: string; partitions: number[] }> }) => {
      if (this.consumer === consumer) this.assigned(payload.assignments ?? []);
    });
    let stream: Stream;
    try {
      stream = await consumer.consume({
        topics: [settings.physical],
        mode: 'committed',
        // A new group starts at the beginning of the topic by default: commands published
        // before the first worker joined must still run. Live views ask for 'latest'.
        fallbackMode: settings.startAt,
        autocommit: false,
      });
      const positioned = once(stream, 'offsets');
      stream.on('data', (record: Record) => this.received(consumer, record));
      stream.on('error', (error: Error) => this.failed(consumer, error));
      stream.on('close', () => {
        if (!this.closing && this.consumer === consumer) this.failed(consumer, new Error('the consumer stream closed'));
      });
      await positioned;
    } catch (error) {
      await forceClose(consumer);
      throw kafkaUnavailable(settings.brokers, `joining consumer group '${settings.group}' on '${settings.physical}'`, error);
    }
    // Records arrive only after this (the first fetch starts once the offsets are known).
    this.consumer = consumer;
    this.stream = stream;
    this.assigned(consumer.assignments ?? []);
  }

  private async disconnect(): Promise<void> {
    const { consumer, stream } = this;
    this.consumer = undefined;
    this.stream = undefined;
    if (!consumer) return;
    const closing = (async () => {
      await stream?.close().catch(() => {});
      await forceClose(consumer);
    })();
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref())]);
  }

  /** The group (re)assigned partitions: forget the lanes of partitions that moved elsewhere. */
  private assigned(assignments: ReadonlyArray<{ topic: string; partitions: number[] }>): void {
    const now = new Set<number>();
    for (const assignment of assignments) {
      if (assignment.topic === this.settings.physical) for (const p of assignment.partitions) now.add(p);
    }
    for (const [partition, lane] of this.lanes) {
      if (now.has(partition)) continue;
      // Its new owner starts from the committed offset; anything handled here and not yet
      // committed is handled there again (handlers are idempotent).
      this.dropQueue(lane);
      this.lanes.delete(partition);
    }
    this.owned = now;
  }

  private received(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, record: Record): void {
    if (this.closing || consumer !== this.consumer || !this.owned.has(record.partition)) return;
    let lane = this.lanes.get(record.partition);
    if (!lane) {
      lane = new Lane(record.partition);
      this.lanes.set(record.partition, lane);
    }
    // After a rebalance or reconnect the stream fetches again from the committed offset.
    if (record.offset < lane.queuedUpTo) return;
    lane.queuedUpTo = record.offset + 1n;
    lane.queue.push(record);
    this.buffered++;
    if (this.buffered >= this.settings.maxBuffered && !this.paused) {
      this.paused = true;
      this.stream?.pause();
    }
    if (!lane.running) void this.run(lane);
  }

  private dropQueue(lane: Lane): void {
    this.buffered -= lane.queue.size;
    while (lane.queue.size > 0) lane.queue.shift();
    // Fetch from where handling stands: the messages dropped here come again.
    lane.queuedUpTo = lane.current ? lane.current.offset + 1n : lane.handledUpTo;
    this.maybeResume();
  }

  private maybeResume(): void {
    if (this.paused && this.buffered <= this.settings.maxBuffered / 2) {
      this.paused = false;
      this.stream?.resume();
    }
  }

  private async run(lane: Lane): Promise<void> {
    lane.running = true;
    this.runningLanes++;
    try {
      while (!this.closing && lane.queue.size > 0 && this.lanes.get(lane.partition) === lane) {
        const record = lane.queue.shift() as Record;
        this.buffered--;
        this.maybeResume();
        lane.current = record;
        const done = await this.handle(record);
        lane.current = undefined;
        if (!done) break; // closing during a retry: left uncommitted for the next member
        lane.handledUpTo = record.offset + 1n;
      }
    } finally {
      lane.running = false;
      lane.current = undefined;
      this.runningLanes--;
      if (this.runningLanes === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  /** Runs the handler with retries; true once the message is handled or dead-lettered. */
  private async handle(record: Record): Promise<boolean> {
    const { settings } = this;
    const key = record.key?.toString('utf8') ?? '';
    const decoded = decodeValue(record.value);
    if (!decoded.ok) {
      settings.log.warn({ topic: settings.physical, partition: record.partition, offset: String(record.offset), key }, `malformed record: ${decoded.error}; sent to the dead-letter topic`);
      return this.sendToDeadLetter(key, { originalTopic: settings.logical, key, value: decoded.raw, error: decoded.error, attempts: 0 });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await settings.handler({ topic: settings.logical, key, value: decoded.value, attempt });
        return true;
      } catch (error) {
        if (this.closing) return false;
        if (attempt < settings.maxAttempts) {
          const base = settings.retryDelayMs * 2 ** (attempt - 1);
          if (!(await this.sleep(Math.min(MAX_RETRY_DELAY_MS, base * (1 + Math.random() * 0.2))))) return false;
          continue;
        }
        if (settings.isDeadLetterTopic) {
          settings.log.error({ err: error, key, attempts: attempt }, 'a dead letter\'s own handler keeps failing; dropped');
          return true;
        }
        return this.sendToDeadLetter(key, { originalTopic: settings.logical, key, value: decoded.value, error: errorText(error), attempts: attempt });
      }
    }
  }

  /** Keeps trying while Kafka does not take the letter: the lane must not skip the message. */
  private async sendToDeadLetter(key: string, letter: DeadLetter): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.settings.deadLetter(key, letter);
        return true;
      } catch (error) {
        this.settings.log.warn({ err: error, key, attempt }, 'could not publish a dead letter; retrying');
        if (!(await this.sleep(Math.min(MAX_RECONNECT_DELAY_MS, RECONNECT_DELAY_MS * 2 ** attempt)))) return false;
      }
    }
  }

  /** Commits the offsets of handled messages after beforeCommit; one commit at a time. */
  private async commit(): Promise<void> {
    if (this.committing) {
      this.commitAgain = true;
      return this.committing;
    }
    const consumer = this.consumer;
    if (!consumer || this.reconnecting) return;
    const offsets: Array<{ topic: string; partition: number; offset: bigint; leaderEpoch: number }> = [];
    for (const lane of this.lanes.values()) {
      if (lane.handledUpTo > lane.committedUpTo && this.owned.has(lane.partition)) {
        offsets.push({ topic: this.settings.physical, partition: lane.partition, offset: lane.handledUpTo, leaderEpoch: -1 });
      }
    }
    if (offsets.length === 0) return;
    this.committing = (async () => {
      try {
        if (this.settings.beforeCommit) await this.settings.beforeCommit();
        await consumer.commit({ offsets });
        for (const { partition, offset } of offsets) {
          const lane = this.lanes.get(partition);
          if (lane && lane.committedUpTo < offset) lane.committedUpTo = offset;
          this.settings.onCommitted(partition, offset);
        }
      } catch (error) {
        // Nothing is lost: the offsets stay uncommitted and go with the next commit.
        if (!this.closing) this.settings.log.warn({ err: error, group: this.settings.group }, 'offset commit failed; will retry');
        else throw error;
      } finally {
        this.committing = undefined;
      }
    })();
    await this.committing;
    if (this.commitAgain && !this.closing) {
      this.commitAgain = false;
      await this.commit();
    }
  }

  /** The member or its stream broke: rebuild it under the same group until it works or we close. */
  private failed(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>, error: Error): void {
    if (this.closing || consumer !== this.consumer || this.reconnecting) return;
    this.settings.log.warn({ err: error, group: this.settings.group, topic: this.settings.physical }, 'Kafka consumer failed; reconnecting');
    this.reconnecting = (async () => {
      for (const lane of this.lanes.values()) this.dropQueue(lane);
      await this.disconnect();
      for (let attempt = 1; !this.closing; attempt++) {
        if (!(await this.sleep(Math.min(MAX_RECONNECT_DELAY_MS, RECONNECT_DELAY_MS * 2 ** (attempt - 1))))) return;
        try {
          await this.connect();
          this.settings.log.info({ group: this.settings.group, topic: this.settings.physical, attempts: attempt }, 'Kafka consumer reconnected');
          return;
        } catch (reconnectError) {
          this.settings.log.warn({ err: reconnectError, attempt }, 'Kafka consumer reconnect failed; retrying');
        }
      }
    })().finally(() => {
      this.reconnecting = undefined;
      // close() disconnects a member that connected while it was closing.
      if (!this.closing) void this.commit();
    });
  }

  /** Resolves true after `ms`, or false at once when the subscription closes. */
  private sleep(ms: number): Promise<boolean> {
    if (this.abort.signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private whenIdle(): Promise<void> {
    if (this.runningLanes === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** Leaves the group and closes the connections even if a stream did not finish closing; never throws. */
function forceClose(consumer: Consumer<Buffer, Buffer, Buffer, Buffer>): Promise<void> {
  return new Promise((resolve) => consumer.close(true, () => resolve()));
}
