/**
 * Conformance suite for the EventBus port: every adapter (in-process, Kafka) must pass it.
 * It uses only the port. Topics are a fixed set and may be shared with other tests running
 * at the same time (a real broker), so each test uses fresh group names and a run id in
 * every value, and ignores messages that are not its own.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TOPICS, type BusMessage, type DeadLetter, type EventBus, type Topic } from '../../src/bus/event-bus.js';

export interface BusUnderTest {
  bus: EventBus;
  /** Closes the bus and releases whatever the adapter started. */
  cleanup: () => Promise<void>;
}

/** What every message in this suite carries: the test's run id and a sequence number. */
interface TestValue {
  run: string;
  seq: number;
  poison?: boolean;
}

/** Polls `predicate` every 10 ms; rejects after `timeoutMs` milliseconds naming `what`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolver outside, to hold a handler until the test lets it go. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

export function eventBusConformance(name: string, makeBus: () => Promise<BusUnderTest>): void {
  describe(`EventBus conformance: ${name}`, () => {
    let bus: EventBus;
    let cleanup: () => Promise<void>;
    let run: string;

    beforeEach(async () => {
      ({ bus, cleanup } = await makeBus());
      run = randomUUID().slice(0, 8);
    });
    afterEach(async () => {
      await cleanup();
    });

    const group = (label: string) => `conformance-${label}-${run}`;
    const mine = (message: BusMessage<unknown>): message is BusMessage<TestValue> =>
      (message.value as Partial<TestValue> | null)?.run === run;
    const batch = (count: number, keys: number, from = 0) =>
      Array.from({ length: count }, (_, i) => ({
        key: `${run}-k${(from + i) % keys}`,
        value: { run, seq: from + i } satisfies TestValue,
      }));
    const seqs = (messages: ReadonlyArray<BusMessage<TestValue>>) => messages.map((m) => m.value.seq).sort((a, b) => a - b);
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);

    /** Subscribes a handler that records this run's messages. */
    async function collect(label: string, options: { topic?: Topic } = {}) {
      const got: Array<BusMessage<TestValue>> = [];
      const subscription = await bus.subscribe(
        options.topic ?? TOPICS.accessEvents,
        async (message) => {
          if (mine(message)) got.push(message);
        },
        { group: group(label) },
      );
      return { got, subscription };
    }

    it('delivers every message to every group', async () => {
      const a = await collect('a');
      const b = await collect('b');
      await bus.publish(TOPICS.accessEvents, batch(50, 10));
      await waitFor(() => a.got.length >= 50 && b.got.length >= 50, undefined, 'both groups to get 50 messages');
      await bus.drain();
      assert.deepEqual(seqs(a.got), range(50));
      assert.deepEqual(seqs(b.got), range(50));
    });

    it('delivers every message of publishes made concurrently, one key in call order', async () => {
      // Caught a client whose idempotent producer gave concurrent sends the same sequence
      // number, so the broker dropped all but the first as duplicates.
      const received = await collect('concurrent');
      await Promise.all(range(30).map((seq) => bus.publish(TOPICS.accessEvents, [{ key: `${run}-same`, value: { run, seq } }])));
      await waitFor(() => received.got.length >= 30, undefined, '30 messages');
      await bus.drain();
      assert.deepEqual(
        received.got.map((m) => m.value.seq),
        range(30),
      );
    });

    it('gives each message to exactly one subscriber of a group, one key to one subscriber', async () => {
      const first = await collect('shared');
      const second = await collect('shared');
      await bus.publish(TOPICS.accessEvents, batch(200, 20));
      await waitFor(() => first.got.length + second.got.length >= 200, undefined, '200 deliveries');
      await bus.drain();
      assert.deepEqual(seqs([...first.got, ...second.got]), range(200), 'each message exactly once');
      const firstKeys = new Set(first.got.map((m) => m.key));
      const shared = second.got.filter((m) => firstKeys.has(m.key)).map((m) => m.key);
      assert.deepEqual(shared, [], 'no key is split between subscribers while membership is stable');
    });

    it('keeps per-key order for 1,000 messages over 10 keys and never runs one key twice at once', async () => {
      const last = new Map<string, number>();
      const active = new Set<string>();
      const violations: string[] = [];
      let handled = 0;
      const handler = async (message: BusMessage<unknown>) => {
        if (!mine(message)) return;
        const { key, value } = message;
        if (active.has(key)) violations.push(`key ${key} ran twice at once at seq ${value.seq}`);
        active.add(key);
        // Yield a random number of turns so that keys interleave and a reorder would show.
        for (let i = Math.floor(Math.random() * 3); i > 0; i--) await nextTurn();
        const previous = last.get(key) ?? -1;
        if (value.seq <= previous) violations.push(`key ${key}: seq ${value.seq} after ${previous}`);
        last.set(key, value.seq);
        active.delete(key);
        handled++;
      };
      // Two subscribers in the group: order must hold whichever one a key lands on.
      await bus.subscribe(TOPICS.accessEvents, handler, { group: group('order') });
      await bus.subscribe(TOPICS.accessEvents, handler, { group: group('order') });
      // Small batches with a turn between them, so that most arrive while their key is busy.
      for (let from = 0; from < 1_000; from += 20) {
        await bus.publish(TOPICS.accessEvents, batch(20, 10, from));
        await nextTurn();
      }
      await waitFor(() => handled >= 1_000, undefined, '1,000 messages handled');
      await bus.drain();
      assert.deepEqual(violations, []);
      assert.equal(handled, 1_000);
      assert.equal(last.size, 10);
      for (const seq of last.values()) assert.ok(seq >= 990, `the last message of each key comes last (got ${seq})`);
    });

    it('redelivers a message that failed twice with attempt 3 and handles it once', async () => {
      const attempts: number[] = [];
      let successes = 0;
      await bus.subscribe(
        TOPICS.migrationCommands,
        async (message) => {
          if (!mine(message)) return;
          attempts.push(message.attempt);
          if (message.attempt < 3) throw new Error(`transient failure ${message.attempt}`);
          successes++;
        },
        { group: group('retry'), maxAttempts: 5 },
      );
      const letters = await collectLetters('retry-dlq');
      await bus.publish(TOPICS.migrationCommands, [{ key: `${run}-m1`, value: { run, seq: 0 } }]);
      await waitFor(() => successes >= 1, undefined, 'the third attempt to succeed');
      await bus.drain();
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(successes, 1);
      assert.deepEqual(letters, [], 'a message that finally succeeded is not dead-lettered');
    });

    it('dead-letters a poison message with its error and attempts, then goes on with its key', async () => {
      const letters = await collectLetters('poison-dlq');
      const events: string[] = [];
      await bus.subscribe(
        TOPICS.migrationCommands,
        async (message) => {
          if (!mine(message)) return;
          if (message.value.poison) {
            events.push(`fail ${message.attempt}`);
            throw new Error(`poison pill ${run}`);
          }
          events.push(`ok ${message.value.seq}`);
        },
        { group: group('poison'), maxAttempts: 3 },
      );
      const key = `${run}-poisoned`;
      const poison: TestValue = { run, seq: 0, poison: true };
      await bus.publish(TOPICS.migrationCommands, [
        { key, value: poison },
        { key, value: { run, seq: 1 } },
        { key, value: { run, seq: 2 } },
      ]);
      await waitFor(() => letters.length >= 1 && events.length >= 5, undefined, 'a dead letter and the later messages');
      await bus.drain();
      assert.deepEqual(events, ['fail 1', 'fail 2', 'fail 3', 'ok 1', 'ok 2']);
      assert.equal(letters.length, 1);
      const [letter] = letters as [BusMessage<DeadLetter>];
      assert.equal(letter.key, key, 'the dead letter keeps the original key');
      assert.equal(letter.value.originalTopic, TOPICS.migrationCommands);
      assert.equal(letter.value.key, key);
      assert.deepEqual(letter.value.value, poison);
      assert.equal(letter.value.attempts, 3);
      assert.match(letter.value.error, new RegExp(`poison pill ${run}`));
    });

    it('round-trips JSON-safe values unchanged', async () => {
      const value = {
        run,
        seq: 0,
        text: 'naïve — 日本語 🚀 "quoted" \\ back\nslash',
        numbers: [0, -1, 1.5, Number.MAX_SAFE_INTEGER, -0.000123],
        flags: { yes: true, no: false, nothing: null },
        nested: { deeper: { list: [[], {}, [1, [2, [3]]]], empty: '' } },
      };
      const received = await collect('json', { topic: TOPICS.migrationEvents });
      await bus.publish(TOPICS.migrationEvents, [{ key: `${run}-json`, value }]);
      await waitFor(() => received.got.length >= 1, undefined, 'the JSON message');
      await bus.drain();
      const events = received.got;
      assert.equal(events.length, 1);
      assert.deepEqual(events[0]?.value, value);
      assert.deepEqual(events[0]?.value, JSON.parse(JSON.stringify(value)));
      assert.equal(events[0]?.topic, TOPICS.migrationEvents);
      assert.equal(events[0]?.attempt, 1);
    });

    it('delivers a value as it was when published, even if the publisher mutates it later', async () => {
      const received = await collect('snapshot');
      const value = { run, seq: 7, tags: ['hot'], where: { tier: 'public' } };
      await bus.publish(TOPICS.accessEvents, [{ key: `${run}-snap`, value }]);
      value.tags.push('mutated');
      value.where.tier = 'onprem';
      value.seq = 8;
      await waitFor(() => received.got.length >= 1, undefined, 'the message');
      assert.deepEqual(received.got[0]?.value, { run, seq: 7, tags: ['hot'], where: { tier: 'public' } });
    });

    it('drain() resolves only after every published message was handled', async () => {
      let handled = 0;
      await bus.subscribe(
        TOPICS.accessEvents,
        async (message) => {
          if (!mine(message)) return;
          await nextTurn();
          handled++;
        },
        { group: group('drain') },
      );
      await bus.publish(TOPICS.accessEvents, batch(100, 7));
      await bus.drain();
      assert.equal(handled, 100);
    });

    it('stops delivering to a closed subscription; the rest of its group gets everything', async () => {
      const leaving = await collect('close');
      const staying = await collect('close');
      await leaving.subscription.close();
      await bus.publish(TOPICS.accessEvents, batch(50, 10));
      await waitFor(() => staying.got.length >= 50, undefined, 'the remaining subscriber to get 50');
      await bus.drain();
      assert.equal(leaving.got.length, 0);
      assert.deepEqual(seqs(staying.got), range(50));
    });

    it('resolves Subscription.close() only after its in-flight handler finished', async () => {
      const held = gate();
      const order: string[] = [];
      let started = false;
      const subscription = await bus.subscribe(
        TOPICS.migrationCommands,
        async (message) => {
          if (!mine(message)) return;
          started = true;
          await held.opened;
          order.push('handler finished');
        },
        { group: group('inflight') },
      );
      await bus.publish(TOPICS.migrationCommands, [{ key: `${run}-slow`, value: { run, seq: 0 } }]);
      await waitFor(() => started, undefined, 'the handler to start');
      const closed = subscription.close().then(() => order.push('close resolved'));
      held.open();
      await closed;
      assert.deepEqual(order, ['handler finished', 'close resolved']);
    });

    it('keeps messages published while a group has no subscriber for its next subscriber', async () => {
      const first = await collect('rejoin');
      await bus.publish(TOPICS.accessEvents, batch(1, 1));
      await waitFor(() => first.got.length >= 1, undefined, 'the first message');
      await bus.drain();
      await first.subscription.close();
      await bus.publish(TOPICS.accessEvents, batch(10, 3, 1));
      const next = await collect('rejoin');
      await waitFor(() => next.got.length >= 10, undefined, 'the new subscriber to get the 10 kept messages');
      await bus.drain();
      assert.deepEqual(seqs(next.got), range(11).slice(1));
      assert.equal(first.got.length, 1);
    });

    /** Records dead letters whose original value belongs to this run. */
    async function collectLetters(label: string): Promise<Array<BusMessage<DeadLetter>>> {
      const letters: Array<BusMessage<DeadLetter>> = [];
      await bus.subscribe<DeadLetter>(
        TOPICS.deadLetter,
        async (message) => {
          if ((message.value.value as Partial<TestValue> | null)?.run === run) letters.push(message);
        },
        { group: group(label) },
      );
      return letters;
    }
  });
}
