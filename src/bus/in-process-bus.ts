/**
 * The in-process event bus: the embedded default's adapter for the EventBus port.
 *
 * Model (mirrors Kafka closely enough that the same conformance suite passes on both):
 * - A (topic, group) pair holds one queue per key ("lane"). Routing to a subscriber happens
 *   when a message is dispatched, by hash of its key over the group's current subscribers,
 *   so a closed subscriber's backlog simply flows to the others (a Kafka rebalance).
 * - A lane is busy while its head message runs or waits for a retry, which is what keeps
 *   per-key order: the next message of a key is dispatched only after the previous one was
 *   handled or dead-lettered.
 * - Dispatch is batched: publish only enqueues and schedules one pump per group; the pump
 *   fills free concurrency slots. No timer or promise is created per message except the one
 *   the handler returns, and a retry timer for a message that failed.
 *
 * Values are copied once per publish and that copy is shared by every group, so handlers
 * must treat `message.value` as read-only.
 *
 * Nothing here is durable: messages still queued when the process stops are lost. Call
 * drain() before close() for a graceful shutdown.
 */
import { invalidInput, TiercastError } from '../domain/errors.js';
import {
  TOPICS,
  type BusHandler,
  type BusMessage,
  type DeadLetter,
  type EventBus,
  type SubscribeOptions,
  type Subscription,
  type Topic,
} from './event-bus.js';
import { Fifo } from './fifo.js';

export interface InProcessBusOptions {
  /** Handlers running at once per (topic, group), over all its keys. Default 64. */
  maxConcurrentPerGroup?: number;
  /** Delay before the first retry, in milliseconds; doubles per attempt, capped at 2,000 ms. Default 50. */
  retryDelayMs?: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;
const MAX_RETRY_DELAY_MS = 2_000;
/** Dispatches in one event-loop turn before the pump yields, so fast handlers cannot starve I/O. */
const DISPATCHES_PER_TURN = 8_192;
const KNOWN_TOPICS: ReadonlySet<string> = new Set(Object.values(TOPICS));

interface Delivery {
  key: string;
  value: unknown;
  /** 1 on first delivery. */
  attempt: number;
}

/** The queue of one key inside one group. */
class Lane {
  readonly waiting = new Fifo<Delivery>();
  /** A failed message whose backoff ended; it goes before anything in `waiting`. */
  retry: Delivery | undefined = undefined;
  /** Its head message is running or backing off: nothing else of this key may start. */
  busy = false;
  /** Sits in the group's ready queue. */
  ready = false;
  private hashCache = -1;

  constructor(readonly key: string) {}

  get hasWork(): boolean {
    return this.retry !== undefined || this.waiting.size > 0;
  }

  /** FNV-1a of the key, computed once: the "partition" a key maps to. */
  get hash(): number {
    if (this.hashCache < 0) {
      let h = 0x811c9dc5;
      for (let i = 0; i < this.key.length; i++) h = Math.imul(h ^ this.key.charCodeAt(i), 0x01000193);
      this.hashCache = h >>> 0;
    }
    return this.hashCache;
  }
}

class Subscriber {
  running = 0;
  closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly handler: BusHandler<unknown>,
    readonly maxAttempts: number,
  ) {}

  whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
  finished(): void {
    this.running--;
    if (this.running === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}

class Group {
  readonly subscribers: Subscriber[] = [];
  readonly lanes = new Map<string, Lane>();
  /** Lanes with work that are not busy, in the order they became ready (fair across keys). */
  readonly ready = new Fifo<Lane>();
  /** Handlers running now. */
  running = 0;
  /** Failed messages waiting on their retry timer. */
  backingOff = 0;
  /** Messages accepted and not yet handled or dead-lettered (includes running and backing off). */
  backlog = 0;
  pumpScheduled = false;
  dispatchedThisTurn = 0;

  constructor(
    readonly topic: Topic,
    readonly name: string,
  ) {}

  /** Nothing can progress: either all done, or the rest waits for a subscriber to join. */
  get settled(): boolean {
    return this.running === 0 && this.backingOff === 0 && (this.backlog === 0 || this.subscribers.length === 0);
  }
}

export class InProcessBus implements EventBus {
  readonly kind = 'in-process';

  private readonly maxConcurrent: number;
  private readonly retryDelayMs: number;
  private readonly groupsByTopic = new Map<Topic, Map<string, Group>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private drainWaiters: Array<() => void> = [];
  private closing: Promise<void> | undefined;
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(options: InProcessBusOptions = {}) {
    this.maxConcurrent = positiveInteger('maxConcurrentPerGroup', options.maxConcurrentPerGroup ?? 64);
    const delay = options.retryDelayMs ?? 50;
    if (!Number.isFinite(delay) || delay < 0) {
      throw invalidInput(`event bus option retryDelayMs must be a non-negative number of milliseconds, got ${delay}`);
    }
    this.retryDelayMs = delay;
  }

  async publish<T>(topic: Topic, messages: ReadonlyArray<{ key: string; value: T }>): Promise<void> {
    if (this.closing) throw closedError(`publish to '${topic}'`);
    checkTopic(topic);
    if (messages.length === 0) return;
    for (let i = 0; i < messages.length; i++) {
      const key = messages[i]?.key;
      if (typeof key !== 'string') {
        throw invalidInput(`message ${i} published to '${topic}' has no string key (got ${typeof key})`);
      }
    }
    // One clone per batch is ~40% cheaper than one per message; every group shares the copy.
    const values = cloneValues(topic, messages);
    this.enqueue(topic, messages, values);
  }

  async subscribe<T>(topic: Topic, handler: BusHandler<T>, options: SubscribeOptions): Promise<Subscription> {
    if (this.closing) throw closedError(`subscribe to '${topic}'`);
    checkTopic(topic);
    if (typeof handler !== 'function') throw invalidInput(`subscribe to '${topic}': handler must be a function`);
    if (typeof options?.group !== 'string' || options.group === '') {
      throw invalidInput(`subscribe to '${topic}': options.group must be a non-empty string`);
    }
    const maxAttempts = positiveInteger('maxAttempts', options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    const group = this.groupFor(topic, options.group);
    const subscriber = new Subscriber(handler as BusHandler<unknown>, maxAttempts);
    group.subscribers.push(subscriber);
    // Messages kept while the group had no subscriber can flow now.
    this.schedulePump(group);

    let closed: Promise<void> | undefined;
    return {
      close: () => {
        closed ??= this.unsubscribe(group, subscriber);
        return closed;
      },
    };
  }

  drain(): Promise<void> {
    if (this.isSettled()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Stops accepting publishes and subscriptions, stops dispatching, cancels pending retries,
   * and resolves once the handlers running now have finished. Queued messages are dropped.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    // Nothing will be handled any more; a drain() still waiting must not hang its caller.
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  private async unsubscribe(group: Group, subscriber: Subscriber): Promise<void> {
    subscriber.closed = true;
    const index = group.subscribers.indexOf(subscriber);
    if (index >= 0) group.subscribers.splice(index, 1);
    // Its keys hash onto the remaining subscribers from the next dispatch on; keys still
    // running on it stay busy until they finish, so per-key order holds across the move.
    this.schedulePump(group);
    this.checkDrained(); // a group left without subscribers no longer holds drain()
    await subscriber.whenIdle();
  }

  private groupFor(topic: Topic, name: string): Group {
    let groups = this.groupsByTopic.get(topic);
    if (!groups) {
      groups = new Map();
      this.groupsByTopic.set(topic, groups);
    }
    let group = groups.get(name);
    if (!group) {
      group = new Group(topic, name);
      groups.set(name, group);
    }
    return group;
  }

  private enqueue(topic: Topic, messages: ReadonlyArray<{ key: string }>, values: readonly unknown[]): void {
    const groups = this.groupsByTopic.get(topic);
    if (!groups) return; // nobody reads this topic
    for (const group of groups.values()) {
      for (let i = 0; i < messages.length; i++) {
        const key = (messages[i] as { key: string }).key;
        let lane = group.lanes.get(key);
        if (!lane) {
          lane = new Lane(key);
          group.lanes.set(key, lane);
        }
        lane.waiting.push({ key, value: values[i], attempt: 1 });
        group.backlog++;
        if (!lane.busy && !lane.ready) {
          lane.ready = true;
          group.ready.push(lane);
        }
      }
      this.schedulePump(group);
    }
  }

  private schedulePump(group: Group): void {
    if (group.pumpScheduled || this.closing) return;
    group.pumpScheduled = true;
    setImmediate(() => {
      group.pumpScheduled = false;
      group.dispatchedThisTurn = 0;
      this.pump(group);
    });
  }

  /** Fills the group's free concurrency slots with the next message of each ready key. */
  private pump(group: Group): void {
    while (group.running < this.maxConcurrent && group.ready.size > 0 && group.subscribers.length > 0) {
      if (this.closing) return;
      if (group.dispatchedThisTurn >= DISPATCHES_PER_TURN) {
        this.schedulePump(group);
        return;
      }
      const lane = group.ready.shift() as Lane;
      lane.ready = false;
      const delivery = lane.retry ?? (lane.waiting.shift() as Delivery);
      lane.retry = undefined;
      lane.busy = true;
      const subs = group.subscribers;
      const subscriber = (subs.length === 1 ? subs[0] : subs[lane.hash % subs.length]) as Subscriber;
      group.dispatchedThisTurn++;
      this.run(group, lane, subscriber, delivery);
    }
  }

  private run(group: Group, lane: Lane, subscriber: Subscriber, delivery: Delivery): void {
    group.running++;
    subscriber.running++;
    this.running++;
    const message: BusMessage<unknown> = {
      topic: group.topic,
      key: delivery.key,
      value: delivery.value,
      attempt: delivery.attempt,
    };
    let outcome: unknown;
    try {
      outcome = subscriber.handler(message);
    } catch (error) {
      // A handler that throws synchronously counts as a failed attempt, like a rejection.
      outcome = Promise.reject(error);
    }
    // Promise.resolve also copes with a handler that returned no promise at all.
    Promise.resolve(outcome).then(
      () => {
        this.handlerFinished(group, subscriber);
        this.finish(group, lane);
      },
      (error: unknown) => {
        this.handlerFinished(group, subscriber);
        this.failed(group, lane, subscriber, delivery, error);
      },
    );
  }

  private handlerFinished(group: Group, subscriber: Subscriber): void {
    group.running--;
    subscriber.finished();
    this.running--;
    if (this.running === 0 && this.idleWaiters.length > 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private failed(group: Group, lane: Lane, subscriber: Subscriber, delivery: Delivery, error: unknown): void {
    if (this.closing) return this.finish(group, lane); // no retries once closing: dropped
    if (delivery.attempt < subscriber.maxAttempts) {
      group.backingOff++;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        group.backingOff--;
        // The lane stayed busy during the backoff; now its failed head goes first again.
        lane.retry = { key: delivery.key, value: delivery.value, attempt: delivery.attempt + 1 };
        lane.busy = false;
        lane.ready = true;
        group.ready.push(lane);
        this.schedulePump(group);
        this.checkDrained(); // the group may have lost its subscribers meanwhile
      }, this.backoffMs(delivery.attempt));
      this.retryTimers.add(timer);
      // The group can progress other keys meanwhile.
      this.pump(group);
      return;
    }
    // A dead letter that keeps failing is dropped rather than dead-lettered again (no loop).
    if (group.topic !== TOPICS.deadLetter) {
      const letter: DeadLetter = {
        originalTopic: group.topic,
        key: delivery.key,
        value: delivery.value,
        error: errorText(error),
        attempts: delivery.attempt,
      };
      // Enqueued before finish() so that drain() never sees a moment with nothing pending.
      this.enqueue(TOPICS.deadLetter, [letter], [letter]);
    }
    this.finish(group, lane);
  }

  /** The lane's head message is done (handled, dead-lettered or dropped): free the key. */
  private finish(group: Group, lane: Lane): void {
    group.backlog--;
    lane.busy = false;
    if (lane.hasWork) {
      lane.ready = true;
      group.ready.push(lane);
    } else {
      group.lanes.delete(lane.key); // keys are object ids: unbounded, so idle lanes go
    }
    this.pump(group);
    if (this.drainWaiters.length > 0) this.checkDrained();
  }

  /** Exponential backoff with up to 20 % jitter so that retries of many keys spread out, in ms. */
  private backoffMs(failedAttempt: number): number {
    const base = this.retryDelayMs * 2 ** (failedAttempt - 1);
    return Math.min(MAX_RETRY_DELAY_MS, base * (1 + Math.random() * 0.2));
  }

  private isSettled(): boolean {
    if (this.closing) return this.running === 0;
    for (const groups of this.groupsByTopic.values()) {
      for (const group of groups.values()) if (!group.settled) return false;
    }
    return true;
  }

  private checkDrained(): void {
    if (this.drainWaiters.length > 0 && this.isSettled()) {
      for (const resolve of this.drainWaiters.splice(0)) resolve();
    }
  }
}

function checkTopic(topic: string): void {
  if (!KNOWN_TOPICS.has(topic)) {
    throw invalidInput(`unknown topic '${topic}'`, `use one of ${[...KNOWN_TOPICS].join(', ')}`);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw invalidInput(`event bus option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function closedError(action: string): TiercastError {
  return new TiercastError('internal', `cannot ${action}: the in-process event bus is closed`, {
    hint: 'the service is shutting down; publish before calling close()',
  });
}

/**
 * Copies the values, as Kafka's serialisation would, so a publisher that later mutates its
 * object does not change what consumers see.
 */
function cloneValues(topic: Topic, messages: ReadonlyArray<{ key: string; value: unknown }>): unknown[] {
  const values = messages.map((m) => m.value);
  // Flat records (the access events, hundreds of thousands a second) copy with a spread at
  // a fraction of structuredClone's cost; anything nested takes the full copy.
  if (values.every(isFlatRecord)) return values.map((v) => ({ ...(v as object) }));
  try {
    return structuredClone(values);
  } catch (error) {
    // Rare path: find the culprit so the error names it.
    for (let i = 0; i < values.length; i++) {
      try {
        structuredClone(values[i]);
      } catch {
        throw invalidInput(
          `message ${i} (key '${messages[i]?.key}') published to '${topic}' has a value that cannot be copied: ${errorText(error)}`,
          'message values must be plain JSON-like data',
        );
      }
    }
    throw error;
  }
}

/** A plain object whose own values are all primitives (strings, numbers, booleans, null). */
function isFlatRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (typeof field === 'object' ? field !== null : typeof field === 'function' || typeof field === 'symbol' || typeof field === 'bigint') return false;
  }
  return true;
}

/** The text stored in a dead letter; never throws, whatever was thrown. */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
