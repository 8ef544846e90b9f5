/**
 * The Kafka bus against a real broker (scripts/services/kafka.mjs): the shared conformance
 * suite, then what only this adapter promises (topic creation, durability hook, crash
 * redelivery, partitioning, clear errors). Every bus gets its own topics, so tests that run
 * at the same time never see each other's messages.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { freePort } from '../helpers/server-process.js';
import { createInterface } from 'node:readline';
import { Admin } from '@platformatic/kafka';
import { TiercastError } from '../../src/domain/errors.js';
import { TOPICS, type BusMessage, type DeadLetter, type EventBus, type Topic } from '../../src/bus/event-bus.js';
import { createKafkaBus, type KafkaBusOptions } from '../../src/bus/kafka-bus.js';
import { partitionFor } from '../../src/bus/kafka-codec.js';
import { createTopics } from '../../src/bus/kafka-topics.js';
import { eventBusConformance, gate } from '../conformance/event-bus.suite.js';
import { deleteKafkaTopics, freshKafkaOptions } from '../helpers/kafka-topics.js';
import { requireService, skipUnless } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

function freshOptions(overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  return freshKafkaOptions(requireService('kafka').KAFKA_BOOTSTRAP_SERVERS!.split(','), 'tiercast-test', overrides);
}

const deleteTopics = deleteKafkaTopics;

describe('Kafka event bus', { skip: skipUnless('kafka') }, () => {
  eventBusConformance('kafka', async () => {
    const options = freshOptions();
    const bus = await createKafkaBus(options);
    return {
      bus,
      cleanup: async () => {
        await bus.close();
        await deleteTopics(options);
      },
    };
  });
});

/** The group's committed offset per partition of `topic`, as the broker has it (absent: none). */
async function committedOffsets(options: KafkaBusOptions, group: string, topic: string): Promise<Map<number, bigint>> {
  const admin = new Admin({ clientId: 'tiercast-test-offsets', bootstrapBrokers: options.brokers });
  try {
    const [listed] = await admin.listConsumerGroupOffsets({ groups: [group] });
    const offsets = new Map<number, bigint>();
    for (const t of listed?.topics ?? []) {
      if (t.name !== topic) continue;
      for (const p of t.partitions) if (p.committedOffset >= 0n) offsets.set(p.partitionIndex, p.committedOffset);
    }
    return offsets;
  } finally {
    await admin.close();
  }
}

/** Runs `body` with a bus on fresh topics, then closes it and deletes the topics. */
async function withBus(overrides: Partial<KafkaBusOptions>, body: (bus: EventBus, options: KafkaBusOptions) => Promise<void>): Promise<void> {
  const options = freshOptions(overrides);
  const bus = await createKafkaBus(options);
  try {
    await body(bus, options);
  } finally {
    await bus.close();
    await deleteTopics(options);
  }
}

describe('Kafka event bus: topics and configuration', { skip: skipUnless('kafka') }, () => {
  it('creates the four topics with 6 / 3 / 3 / 1 partitions, and reports them as existing the second time', async () => {
    const options = freshOptions({ createTopics: false });
    try {
      const first = await createTopics(options);
      const physical = Object.values(options.topics ?? {});
      assert.deepEqual([...first.created].sort(), [...physical].sort());
      assert.deepEqual(first.existing, []);
      const second = await createTopics(options);
      assert.deepEqual(second.created, []);
      assert.deepEqual([...second.existing].sort(), [...physical].sort());
      const admin = new Admin({ clientId: 'tiercast-test', bootstrapBrokers: options.brokers });
      try {
        const metadata = await admin.metadata({ topics: physical });
        const counts = Object.fromEntries(physical.map((t) => [t.split('.').pop(), metadata.topics.get(t)?.partitionsCount]));
        assert.deepEqual(counts, { 'access-events': 6, 'migration-commands': 3, 'migration-events': 3, 'dead-letter': 1 });
      } finally {
        await admin.close();
      }
    } finally {
      await deleteTopics(options);
    }
  });

  it('refuses to start on missing topics when it may not create them, naming them and create-topics', async () => {
    const options = freshOptions({ createTopics: false });
    await assert.rejects(createKafkaBus(options), (error: unknown) => {
      assert.ok(error instanceof TiercastError);
      assert.equal(error.code, 'config_error');
      assert.match(error.message, new RegExp(`'${options.topics?.accessEvents?.replace(/\./g, '\\.')}'`));
      assert.match(error.hint ?? '', /tiercast create-topics/);
      return true;
    });
  });

  it('fails to connect with an error naming KAFKA_BOOTSTRAP_SERVERS and the cause', async () => {
    const closedPort = await freePort();
    await assert.rejects(createKafkaBus({ ...freshOptions(), brokers: [`127.0.0.1:${closedPort}`] }), (error: unknown) => {
      assert.ok(error instanceof TiercastError);
      assert.match(error.message, new RegExp(`Kafka at 127\\.0\\.0\\.1:${closedPort} \\(KAFKA_BOOTSTRAP_SERVERS\\)`));
      assert.match(error.message, /ECONNREFUSED|Cannot connect/);
      assert.match(error.hint ?? '', /KAFKA_BOOTSTRAP_SERVERS/);
      return true;
    });
  });

  it('rejects bad options and bad messages with errors that name the problem', async () => {
    await assert.rejects(createKafkaBus({ ...freshOptions(), brokers: [] }), /no Kafka brokers configured/);
    await assert.rejects(createKafkaBus({ ...freshOptions(), brokers: ['localhost'] }), /"localhost" is not host:port/);
    await assert.rejects(createKafkaBus(freshOptions({ topics: { accessEvents: 'bad name' } })), /topic name for accessEvents is not valid: 'bad name'/);
    await assert.rejects(createKafkaBus(freshOptions({ topics: { accessEvents: 'same', deadLetter: 'same' } })), /'same' is configured for both/);
    await withBus({}, async (bus) => {
      await assert.rejects(bus.publish('tiercast.nope' as Topic, [{ key: 'k', value: 1 }]), /unknown topic 'tiercast\.nope'/);
      await assert.rejects(bus.publish(TOPICS.accessEvents, [{ key: 7 as unknown as string, value: 1 }]), /no string key/);
      await assert.rejects(bus.publish(TOPICS.accessEvents, [{ key: 'k', value: 10n as unknown as number }]), /message 0 \(key 'k'\) .* cannot be written as JSON/);
      await assert.rejects(bus.publish(TOPICS.accessEvents, [{ key: 'k', value: undefined }]), /has no JSON value/);
      await assert.rejects(bus.subscribe(TOPICS.accessEvents, async () => {}, { group: '' }), /group must be a non-empty string/);
      await assert.rejects(bus.subscribe(TOPICS.accessEvents, async () => {}, { group: 'g', maxAttempts: 0 }), /maxAttempts must be a positive integer/);
    });
  });

  it('puts a key on the partition the Java client would (murmur2 test vectors of Kafka\'s UtilsTest)', async () => {
    // Utils.murmur2 values from Apache Kafka's own tests; the partition is toPositive(hash) % count.
    const javaHashes: Record<string, number> = { '21': -973932308, foobar: -790332482, abc: 479470107, 'a-little-bit-long-string': -985981536 };
    for (const [key, hash] of Object.entries(javaHashes)) assert.equal(partitionFor(Buffer.from(key), 6), (hash & 0x7fffffff) % 6, key);
    await withBus({}, async (bus, options) => {
      const topic = options.topics!.accessEvents!;
      await bus.publish(TOPICS.accessEvents, [{ key: 'foobar', value: 1 }, { key: 'foobar', value: 2 }, { key: 'abc', value: 3 }]);
      const admin = new Admin({ clientId: 'tiercast-test', bootstrapBrokers: options.brokers });
      try {
        const [listed] = await admin.listOffsets({ topics: [{ name: topic, partitions: range(6).map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) }] });
        const ends = Object.fromEntries((listed?.partitions ?? []).filter((p) => p.offset > 0n).map((p) => [p.partitionIndex, Number(p.offset)]));
        const expected: Record<number, number> = {};
        expected[(javaHashes.foobar! & 0x7fffffff) % 6] = 2;
        expected[(javaHashes.abc! & 0x7fffffff) % 6] = (expected[(javaHashes.abc! & 0x7fffffff) % 6] ?? 0) + 1;
        assert.deepEqual(ends, expected);
      } finally {
        await admin.close();
      }
    });
  });
});

describe('Kafka event bus: commits and durability', { skip: skipUnless('kafka') }, () => {
  it('commits offsets only after beforeCommit resolved, and never while it fails', async () => {
    await withBus({}, async (bus, options) => {
      const topic = options.topics!.migrationCommands!;
      const group = `before-commit-${randomUUID().slice(0, 8)}`;
      const held = gate();
      let calls = 0;
      let failing = true;
      let handled = 0;
      await bus.subscribe(TOPICS.migrationCommands, async () => void handled++, {
        group,
        beforeCommit: async () => {
          calls++;
          if (failing) throw new Error('catalog unavailable');
          await held.opened;
        },
      });
      await bus.publish(TOPICS.migrationCommands, [{ key: 'obj-1', value: { n: 1 } }]);
      // Several commit rounds call the failing hook; none may commit.
      await waitFor(() => calls >= 3, { description: 'three commit rounds with a failing beforeCommit' });
      assert.equal(handled, 1);
      assert.deepEqual(await committedOffsets(options, group, topic), new Map());
      failing = false;
      const callsBefore = calls;
      await waitFor(() => calls > callsBefore, { description: 'a commit round with a pending beforeCommit' });
      assert.deepEqual(await committedOffsets(options, group, topic), new Map(), 'nothing committed while beforeCommit is pending');
      held.open();
      const committed = await waitFor(async () => {
        const offsets = await committedOffsets(options, group, topic);
        return offsets.size > 0 ? offsets : undefined;
      }, { description: 'the commit after beforeCommit resolved' });
      assert.deepEqual([...committed.values()], [1n]);
      assert.equal(handled, 1, 'the failing hook did not make the handler run again');
    });
  });

  it('redelivers to the next member a message whose consumer was killed before beforeCommit resolved', async () => {
    await withBus({}, async (bus, options) => {
      const topic = options.topics!.accessEvents!;
      const group = `crash-${randomUUID().slice(0, 8)}`;
      // The child handles seq 0 normally (its offset gets committed), then handles seq 1 and
      // holds beforeCommit forever; it is killed with SIGKILL there.
      const child = spawnSubscriber(options, group);
      try {
        await child.line('subscribed');
        await bus.publish(TOPICS.accessEvents, [{ key: 'obj-crash', value: { seq: 0 } }]);
        await child.line('handled 0');
        const afterFirst = await waitFor(async () => {
          const offsets = await committedOffsets(options, group, topic);
          return offsets.size > 0 ? offsets : undefined;
        }, { description: 'the child to commit seq 0' });
        await bus.publish(TOPICS.accessEvents, [{ key: 'obj-crash', value: { seq: 1, hold: true } }]);
        await child.line('holding beforeCommit');
        child.process.kill('SIGKILL');
        await once(child.process, 'exit');
        assert.deepEqual(await committedOffsets(options, group, topic), afterFirst, 'seq 1 was not committed');
      } finally {
        child.process.kill('SIGKILL');
      }
      const seen: Array<BusMessage<{ seq: number }>> = [];
      await bus.subscribe<{ seq: number }>(TOPICS.accessEvents, async (m) => void seen.push(m), { group });
      // The dead member keeps its partitions until its session times out (6 s here).
      await waitFor(() => seen.length >= 1, { timeoutMs: 30_000, description: 'the redelivery of seq 1' });
      await bus.drain();
      assert.deepEqual(seen.map((m) => m.value.seq), [1], 'seq 1 again, and not seq 0 (committed before the crash)');
      assert.equal(seen[0]?.key, 'obj-crash');
    });
  });

  it('leaves the group on close(), so the group is empty at once rather than after the session timeout', async () => {
    await withBus({ sessionTimeoutMs: 30_000 }, async (bus, options) => {
      const group = `leave-${randomUUID().slice(0, 8)}`;
      const subscription = await bus.subscribe(TOPICS.migrationEvents, async () => {}, { group });
      const admin = new Admin({ clientId: 'tiercast-test', bootstrapBrokers: options.brokers });
      try {
        const before = (await admin.describeGroups({ groups: [group] })).get(group);
        assert.equal(before?.members.size, 1);
        await subscription.close();
        const after = (await admin.describeGroups({ groups: [group] })).get(group);
        assert.equal(after?.members.size, 0, 'no member left behind for 30 s');
      } finally {
        await admin.close();
      }
    });
  });

  it("starts a new group at the topic's beginning by default, and at new messages with startAt 'latest'", async () => {
    await withBus({}, async (bus) => {
      await bus.publish(TOPICS.migrationEvents, [{ key: 'old', value: { n: 1 } }]);
      const fromStart: unknown[] = [];
      const fromNow: unknown[] = [];
      await bus.subscribe(TOPICS.migrationEvents, async (m) => void fromStart.push(m.value), { group: 'history' });
      await bus.subscribe(TOPICS.migrationEvents, async (m) => void fromNow.push(m.value), { group: 'live', startAt: 'latest' });
      await bus.publish(TOPICS.migrationEvents, [{ key: 'new', value: { n: 2 } }]);
      await bus.drain(); // the live group, which never sees 'old', must not hold it
      assert.deepEqual(fromStart, [{ n: 1 }, { n: 2 }]);
      await waitFor(() => fromNow.length > 0, { description: 'the live group receives the new message' });
      assert.deepEqual(fromNow, [{ n: 2 }], 'the message from before the live group joined is not replayed');
    });
  });

  it('drain() also waits for the dead letters its handlers caused', async () => {
    await withBus({}, async (bus) => {
      const letters: DeadLetter[] = [];
      await bus.subscribe<DeadLetter>(TOPICS.deadLetter, async (m) => void letters.push(m.value), { group: 'dlq-reader' });
      await bus.subscribe(TOPICS.migrationEvents, async () => {
        throw new Error('always fails');
      }, { group: 'failing', maxAttempts: 2 });
      await bus.publish(TOPICS.migrationEvents, [{ key: 'a', value: { n: 1 } }, { key: 'b', value: { n: 2 } }]);
      await bus.drain(); // no waitFor: drain itself must cover the letters written meanwhile
      assert.deepEqual(letters.map((l) => [l.key, l.attempts, l.error]).sort(), [['a', 2, 'always fails'], ['b', 2, 'always fails']]);
    });
  });

  it('keeps a key on one partition in order while the group grows from one member to three', async () => {
    await withBus({}, async (bus) => {
      const last = new Map<string, number>();
      const violations: string[] = [];
      const seen = new Set<number>();
      const handler = async (m: BusMessage<{ seq: number }>) => {
        // A rebalance may hand a key's uncommitted messages to their new owner again (a
        // redelivery), but a message never comes for the first time before an earlier one.
        const previous = last.get(m.key) ?? -1;
        if (m.value.seq < previous && !seen.has(m.value.seq)) violations.push(`${m.key}: ${m.value.seq} first seen after ${previous}`);
        last.set(m.key, Math.max(previous, m.value.seq));
        seen.add(m.value.seq);
      };
      await bus.subscribe(TOPICS.accessEvents, handler, { group: 'growing' });
      const batches = Array.from({ length: 30 }, (_, b) => Array.from({ length: 100 }, (_, i) => ({ key: `k${i % 12}`, value: { seq: b * 100 + i } })));
      for (const [b, batch] of batches.entries()) {
        await bus.publish(TOPICS.accessEvents, batch);
        if (b === 10 || b === 20) await bus.subscribe(TOPICS.accessEvents, handler, { group: 'growing' });
      }
      await bus.drain();
      assert.equal(seen.size, 3_000);
      assert.deepEqual(violations, []);
    });
  });
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A subscriber in a separate Node process, so that it can be killed like a crashing worker. */
function spawnSubscriber(options: KafkaBusOptions, group: string) {
  const code = `
    const { createKafkaBus } = await import(${JSON.stringify(new URL('../../src/bus/kafka-bus.ts', import.meta.url).href)});
    const bus = await createKafkaBus(JSON.parse(process.env.BUS_OPTIONS));
    let holding = false;
    await bus.subscribe('tiercast.access-events', async (m) => {
      if (m.value.hold) holding = true;
      console.log('handled ' + m.value.seq);
    }, {
      group: process.env.BUS_GROUP,
      beforeCommit: () => {
        if (!holding) return Promise.resolve();
        console.log('holding beforeCommit');
        return new Promise(() => {});
      },
    });
    console.log('subscribed');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { ...process.env, BUS_OPTIONS: JSON.stringify({ ...options, createTopics: false }), BUS_GROUP: group },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let errors = '';
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return {
    process: child,
    line: (text: string) => waitFor(() => lines.includes(text) || (child.exitCode !== null ? fail(`the subscriber exited: ${errors}`) : false), { timeoutMs: 30_000, description: `'${text}' from the subscriber (stderr so far: ${errors.slice(-500)})` }),
  };
}

function fail(message: string): never {
  throw new Error(message);
}
