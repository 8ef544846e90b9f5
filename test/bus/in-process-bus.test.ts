/**
 * The in-process bus: the shared conformance suite, then what only this adapter promises
 * (closing rules, concurrency limit, re-routing, input checks, a throughput smoke test).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InProcessBus, type InProcessBusOptions } from '../../src/bus/in-process-bus.js';
import { TOPICS, type BusHandler, type BusMessage, type DeadLetter, type Topic } from '../../src/bus/event-bus.js';
import { eventBusConformance, gate, waitFor } from '../conformance/event-bus.suite.js';

// A short retry delay keeps the suite's retry and dead-letter cases quick.
eventBusConformance('in-process', async () => {
  const bus = new InProcessBus({ retryDelayMs: 5 });
  return { bus, cleanup: () => bus.close() };
});

/** Runs `body` with a fresh bus and always closes it. */
async function withBus(options: InProcessBusOptions, body: (bus: InProcessBus) => Promise<void>): Promise<void> {
  const bus = new InProcessBus(options);
  try {
    await body(bus);
  } finally {
    await bus.close();
  }
}

const keyed = (count: number, keys: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({ key: `k${(from + i) % keys}`, value: { seq: from + i } }));

describe('InProcessBus', () => {
  it('rejects publish and subscribe after close with a clear message', async () => {
    const bus = new InProcessBus();
    await bus.close();
    await assert.rejects(bus.publish(TOPICS.accessEvents, keyed(1, 1)), /cannot publish to 'tiercast\.access-events': the in-process event bus is closed/);
    await assert.rejects(bus.subscribe(TOPICS.accessEvents, async () => {}, { group: 'g' }), /event bus is closed/);
    await bus.drain(); // resolves at once rather than hanging a shutdown sequence
  });

  it('does not run handlers inside publish()', async () => {
    await withBus({}, async (bus) => {
      let handled = 0;
      await bus.subscribe(TOPICS.accessEvents, async () => void handled++, { group: 'g' });
      const published = bus.publish(TOPICS.accessEvents, keyed(10, 2));
      assert.equal(handled, 0);
      await published;
      await bus.drain();
      assert.equal(handled, 10);
    });
  });

  it('drain() waits for messages that are backing off before a retry', async () => {
    await withBus({ retryDelayMs: 20 }, async (bus) => {
      const attempts: number[] = [];
      let handled = false;
      await bus.subscribe(
        TOPICS.migrationCommands,
        async (message) => {
          attempts.push(message.attempt);
          if (message.attempt < 3) throw new Error('not yet');
          handled = true;
        },
        { group: 'g' },
      );
      await bus.publish(TOPICS.migrationCommands, keyed(1, 1));
      await bus.drain();
      assert.equal(handled, true);
      assert.deepEqual(attempts, [1, 2, 3]);
    });
  });

  it('runs different keys concurrently, never more than maxConcurrentPerGroup at once', async () => {
    await withBus({ maxConcurrentPerGroup: 4 }, async (bus) => {
      const held = gate();
      let active = 0;
      let peak = 0;
      let done = 0;
      await bus.subscribe(
        TOPICS.accessEvents,
        async () => {
          active++;
          peak = Math.max(peak, active);
          await held.opened;
          active--;
          done++;
        },
        { group: 'g' },
      );
      await bus.publish(TOPICS.accessEvents, keyed(40, 10));
      await waitFor(() => active === 4, 5_000, 'four handlers to be running');
      held.open();
      await bus.drain();
      assert.equal(done, 40);
      assert.equal(peak, 4);
    });
  });

  it('re-routes the backlog of a closed subscriber to the rest of its group, in key order', async () => {
    await withBus({}, async (bus) => {
      const held = gate();
      const seen = new Map<number, number>();
      const last = new Map<string, number>();
      const outOfOrder: string[] = [];
      const record = (message: BusMessage<{ seq: number }>) => {
        seen.set(message.value.seq, (seen.get(message.value.seq) ?? 0) + 1);
        if ((last.get(message.key) ?? -1) > message.value.seq) outOfOrder.push(`${message.key}#${message.value.seq}`);
        last.set(message.key, message.value.seq);
      };
      let leavingStarted = 0;
      const leaving = await bus.subscribe<{ seq: number }>(
        TOPICS.accessEvents,
        async (message) => {
          leavingStarted++;
          await held.opened; // stays in flight while it is being closed
          record(message);
        },
        { group: 'g' },
      );
      await bus.subscribe<{ seq: number }>(TOPICS.accessEvents, async (m) => record(m), { group: 'g' });
      await bus.publish(TOPICS.accessEvents, keyed(200, 20));
      await waitFor(() => leavingStarted > 0, 5_000, 'the leaving subscriber to start a message');
      const closed = leaving.close();
      held.open();
      await closed;
      await bus.drain();
      assert.equal(seen.size, 200);
      assert.ok([...seen.values()].every((n) => n === 1), 'each message handled exactly once');
      assert.deepEqual(outOfOrder, []);
    });
  });

  it('survives handlers that throw synchronously or throw non-Errors, and dead-letters them', async () => {
    await withBus({ retryDelayMs: 1 }, async (bus) => {
      const letters: DeadLetter[] = [];
      await bus.subscribe<DeadLetter>(TOPICS.deadLetter, async (m) => void letters.push(m.value), { group: 'dlq' });
      const syncThrower = (() => {
        throw new Error('sync boom');
      }) as BusHandler;
      await bus.subscribe(TOPICS.accessEvents, syncThrower, { group: 'sync', maxAttempts: 2 });
      await bus.subscribe(
        TOPICS.migrationEvents,
        async () => {
          throw 'a plain string'; // eslint-disable-line no-throw-literal -- the point of the test
        },
        { group: 'string', maxAttempts: 1 },
      );
      await bus.publish(TOPICS.accessEvents, [{ key: 'a', value: 1 }]);
      await bus.publish(TOPICS.migrationEvents, [{ key: 'b', value: 2 }]);
      await bus.drain();
      const byKey = Object.fromEntries(letters.map((l) => [l.key, l]));
      assert.equal(byKey.a?.error, 'sync boom');
      assert.equal(byKey.a?.attempts, 2);
      assert.equal(byKey.b?.error, 'a plain string');
      assert.equal(byKey.b?.attempts, 1);
    });
  });

  it('drops a dead letter whose own handler keeps failing instead of looping', async () => {
    await withBus({ retryDelayMs: 1 }, async (bus) => {
      let dlqAttempts = 0;
      await bus.subscribe(TOPICS.deadLetter, async () => {
        dlqAttempts++;
        throw new Error('dead-letter store down');
      }, { group: 'dlq', maxAttempts: 2 });
      await bus.subscribe(TOPICS.accessEvents, async () => {
        throw new Error('poison');
      }, { group: 'g', maxAttempts: 1 });
      await bus.publish(TOPICS.accessEvents, keyed(1, 1));
      await bus.drain();
      assert.equal(dlqAttempts, 2);
    });
  });

  it('keeps no messages for topics nobody reads, and a group without subscribers does not hold drain()', async () => {
    await withBus({}, async (bus) => {
      await bus.publish(TOPICS.migrationEvents, keyed(5, 1));
      await bus.drain();
      const sub = await bus.subscribe(TOPICS.migrationEvents, async () => {}, { group: 'g' });
      await bus.publish(TOPICS.migrationEvents, keyed(1, 1));
      const drained = bus.drain(); // waits for the queued message...
      await sub.close(); // ...until its only subscriber leaves before it was dispatched
      await drained;
      await bus.publish(TOPICS.migrationEvents, keyed(5, 1));
      await bus.drain(); // the 5 wait for the group's next subscriber, without blocking drain
      const got: number[] = [];
      await bus.subscribe<{ seq: number }>(TOPICS.migrationEvents, async (m) => void got.push(m.value.seq), { group: 'g' });
      await bus.drain();
      assert.deepEqual(got, [0, 0, 1, 2, 3, 4]);
    });
  });

  it('keeps a message whose subscriber left during its retry backoff for the next subscriber', async () => {
    await withBus({ retryDelayMs: 20 }, async (bus) => {
      let failed = false;
      const leaving = await bus.subscribe(TOPICS.migrationCommands, async () => {
        failed = true;
        throw new Error('first attempt fails');
      }, { group: 'g' });
      await bus.publish(TOPICS.migrationCommands, keyed(1, 1));
      await waitFor(() => failed, 5_000, 'the first attempt');
      const drained = bus.drain();
      await leaving.close();
      await drained; // resolves when the backoff ends and nobody is left to take the retry
      const attempts: number[] = [];
      await bus.subscribe(TOPICS.migrationCommands, async (m) => void attempts.push(m.attempt), { group: 'g' });
      await bus.drain();
      assert.deepEqual(attempts, [2]);
    });
  });

  it('close() waits for running handlers and cancels pending retries', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const bus = new InProcessBus({ retryDelayMs: 60_000 });
    const held = gate();
    const order: string[] = [];
    let started = false;
    await bus.subscribe(TOPICS.accessEvents, async (m) => {
      if (m.key === 'slow') {
        started = true;
        await held.opened;
        order.push('slow handler finished');
      } else {
        throw new Error('fails and would retry in a minute');
      }
    }, { group: 'g' });
    await bus.publish(TOPICS.accessEvents, [{ key: 'failing', value: 0 }, { key: 'slow', value: 1 }]);
    await waitFor(() => started, 5_000, 'the slow handler to start');
    const closed = bus.close().then(() => order.push('close resolved'));
    held.open();
    await closed; // would keep the test process alive for a minute if the timer survived
    assert.deepEqual(order, ['slow handler finished', 'close resolved']);
    assert.equal(timers(), timersBefore, 'no retry timer outlives close()');
  });

  it('rejects bad input with errors that name the problem', async () => {
    await withBus({}, async (bus) => {
      await assert.rejects(bus.publish('tiercast.nope' as Topic, keyed(1, 1)), /unknown topic 'tiercast\.nope'/);
      await assert.rejects(
        bus.publish(TOPICS.accessEvents, [{ key: 'ok', value: 1 }, { key: 'f', value: { run: () => 0 } as unknown as number }]),
        /message 1 \(key 'f'\) published to 'tiercast\.access-events' has a value that cannot be copied/,
      );
      await assert.rejects(bus.publish(TOPICS.accessEvents, [{ key: 7 as unknown as string, value: 1 }]), /no string key/);
      await assert.rejects(bus.subscribe(TOPICS.accessEvents, async () => {}, { group: '' }), /group must be a non-empty string/);
      await assert.rejects(bus.subscribe(TOPICS.accessEvents, async () => {}, { group: 'g', maxAttempts: 0 }), /maxAttempts must be a positive integer/);
      assert.throws(() => new InProcessBus({ maxConcurrentPerGroup: 0 }), /maxConcurrentPerGroup/);
      assert.throws(() => new InProcessBus({ retryDelayMs: -1 }), /retryDelayMs/);
    });
  });

  it('delivers 100,000 messages published in batches of 1,000 (throughput smoke test)', async () => {
    await withBus({}, async (bus) => {
      let received = 0;
      let sum = 0;
      await bus.subscribe<{ seq: number }>(TOPICS.accessEvents, async (m) => {
        received++;
        sum += m.value.seq;
      }, { group: 'aggregator' });
      for (let from = 0; from < 100_000; from += 1_000) {
        await bus.publish(TOPICS.accessEvents, keyed(1_000, 5_000, from));
      }
      await bus.drain();
      assert.equal(received, 100_000);
      assert.equal(sum, (100_000 * 99_999) / 2);
    });
  });
});
