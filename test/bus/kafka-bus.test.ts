/**
 * The Kafka bus against a real broker (scripts/services/kafka.mjs): the shared conformance
 * suite, then what only this adapter promises (topic creation, durability hook, crash
 * redelivery, partitioning, clear errors). Every bus gets its own topics, so tests that run
 * at the same time never see each other's messages.
 */
import { describe } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';
import { createKafkaBus, type KafkaBusOptions } from '../../src/bus/kafka-bus.js';
import { eventBusConformance } from '../conformance/event-bus.suite.js';
import { requireService, skipUnless } from '../helpers/services.js';

/** Options for a bus on fresh topics; short timings keep rebalances and retries quick. */
function freshOptions(overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  const brokers = requireService('kafka').KAFKA_BOOTSTRAP_SERVERS!.split(',');
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  return {
    brokers,
    clientId: 'tiercast-test',
    topics: {
      accessEvents: `${prefix}.access-events`,
      migrationCommands: `${prefix}.migration-commands`,
      migrationEvents: `${prefix}.migration-events`,
      deadLetter: `${prefix}.dead-letter`,
    },
    createTopics: true,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 200,
    retryDelayMs: 5,
    commitIntervalMs: 50,
    ...overrides,
  };
}

async function deleteTopics(options: KafkaBusOptions): Promise<void> {
  const admin = new Admin({ clientId: 'tiercast-test-cleanup', bootstrapBrokers: options.brokers });
  try {
    await admin.deleteTopics({ topics: Object.values(options.topics ?? {}) });
  } finally {
    await admin.close();
  }
}

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
