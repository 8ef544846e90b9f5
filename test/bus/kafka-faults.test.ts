/**
 * The Kafka bus under faults, against real brokers: a record that is not JSON, and a broker
 * that stops and starts again under running publishers and consumers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '@platformatic/kafka';
import { TOPICS, type BusMessage, type DeadLetter, type EventBus } from '../../src/bus/event-bus.js';
import { createKafkaBus, type KafkaBusOptions } from '../../src/bus/kafka-bus.js';
import { partitionFor } from '../../src/bus/kafka-codec.js';
import { deleteKafkaTopics, freshKafkaOptions } from '../helpers/kafka-topics.js';
import { requireService, skipUnless } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';
import { gate } from '../conformance/event-bus.suite.js';

interface KafkaService {
  start(options: { stateDir: string }): Promise<{ env: Record<string, string> }>;
  stop(options: { stateDir: string }): Promise<void>;
}

function optionsFor(brokers: string[]): KafkaBusOptions {
  return freshKafkaOptions(brokers, 'tiercast-faults');
}

const deleteTopics = deleteKafkaTopics;

describe('Kafka bus: a record that is not JSON', { skip: skipUnless('kafka') }, () => {
  it('goes to the dead-letter topic with the reason, and the next good message is still handled', async () => {
    const options = optionsFor(requireService('kafka').KAFKA_BOOTSTRAP_SERVERS!.split(','));
    const bus = await createKafkaBus(options);
    const raw = new Producer({ clientId: 'tiercast-faults-raw', bootstrapBrokers: options.brokers });
    try {
      const letters: Array<BusMessage<DeadLetter>> = [];
      const handled: Array<BusMessage<{ seq: number }>> = [];
      await bus.subscribe<DeadLetter>(TOPICS.deadLetter, async (m) => void letters.push(m), { group: 'dlq' });
      await bus.subscribe<{ seq: number }>(TOPICS.accessEvents, async (m) => void handled.push(m), { group: 'aggregator' });
      // Same key, so the good messages sit behind the bad ones in one partition.
      await bus.publish(TOPICS.accessEvents, [{ key: 'obj-1', value: { seq: 1 } }]);
      const topic = options.topics!.accessEvents!;
      const partition = partitionFor(Buffer.from('obj-1'), 6); // where the bus puts this key
      await raw.send({
        messages: [
          { topic, partition, key: Buffer.from('obj-1'), value: Buffer.from('{"seq": 2, truncated') },
          { topic, partition, key: Buffer.from('obj-1'), value: Buffer.alloc(0) },
        ],
      });
      await bus.publish(TOPICS.accessEvents, [{ key: 'obj-1', value: { seq: 3 } }]);
      await waitFor(() => handled.length >= 2 && letters.length >= 2, { description: 'two good messages and two dead letters' });
      await bus.drain();
      assert.deepEqual(handled.map((m) => m.value.seq), [1, 3]);
      const [truncated, empty] = letters.map((l) => l.value);
      assert.equal(truncated?.originalTopic, TOPICS.accessEvents);
      assert.equal(truncated?.key, 'obj-1');
      assert.equal(truncated?.value, '{"seq": 2, truncated', 'the raw text is kept for inspection');
      assert.match(truncated?.error ?? '', /not valid JSON/);
      assert.equal(truncated?.attempts, 0, 'no handler ran');
      assert.match(empty?.error ?? '', /no value/);
      assert.equal(letters[0]?.key, 'obj-1');
    } finally {
      await raw.close();
      await bus.close();
      await deleteTopics(options);
    }
  });
});

// A broker of its own (its own stateDir and port, started by the project's service module),
// so stopping it does not disturb the tests that share the main broker.
describe('Kafka bus: the broker restarts', { skip: skipUnless('kafka') }, () => {
  let service: KafkaService;
  let stateDir: string;
  let brokers: string[];

  before(async () => {
    const modulePath = new URL('../../scripts/services/kafka.mjs', import.meta.url).href;
    service = (await import(modulePath)) as KafkaService;
    stateDir = await mkdtemp(join(tmpdir(), 'tiercast-kafka-restart-'));
    brokers = [(await service.start({ stateDir })).env.KAFKA_BOOTSTRAP_SERVERS!];
  });
  after(async () => {
    await service?.stop({ stateDir });
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('loses no message, and the same subscriptions resume on their own', async () => {
    const bus: EventBus = await createKafkaBus(optionsFor(brokers));
    try {
      const seen = new Set<number>();
      const letters: DeadLetter[] = [];
      // Messages 200-399 stay in their handlers until the broker is back: fetched, not committed.
      const held = gate();
      let holding = 0;
      await bus.subscribe<{ seq: number }>(
        TOPICS.accessEvents,
        async (m) => {
          if (m.value.seq >= 200 && m.value.seq < 400) {
            holding++;
            await held.opened;
          }
          seen.add(m.value.seq);
        },
        { group: 'aggregator' },
      );
      await bus.subscribe<DeadLetter>(TOPICS.deadLetter, async (m) => void letters.push(m.value), { group: 'dlq' });
      const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ key: `obj-${(from + i) % 40}`, value: { seq: from + i } }));

      await bus.publish(TOPICS.accessEvents, batch(0, 200));
      await bus.drain();
      assert.equal(seen.size, 200);
      await bus.publish(TOPICS.accessEvents, batch(200, 200));
      await waitFor(() => holding > 0, { description: 'a handler holding one of the messages 200-399' });
      await service.stop({ stateDir });
      const restarted = (await service.start({ stateDir })).env.KAFKA_BOOTSTRAP_SERVERS!;
      assert.equal(restarted, brokers[0], 'the broker comes back on the same address');
      // The same bus publishes again; the same subscriptions consume, without being recreated.
      await bus.publish(TOPICS.accessEvents, batch(400, 200));
      held.open();
      await waitFor(() => seen.size >= 600, { timeoutMs: 60_000, description: 'all 600 messages after the restart' });
      await bus.drain();
      const missing = Array.from({ length: 600 }, (_, i) => i).filter((seq) => !seen.has(seq));
      assert.deepEqual(missing, []);
      assert.deepEqual(letters, [], 'nothing was dead-lettered');
    } finally {
      await bus.close();
    }
  });
});
