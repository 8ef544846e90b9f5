import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import type { KafkaBusOptions } from '../../src/bus/kafka-bus.js';

/**
 * Bus options on topics of its own (a random prefix), so tests and benches that share one
 * broker never see each other's messages; short timings keep rebalances and retries quick.
 */
export function freshKafkaOptions(brokers: string[], clientId: string, overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  const prefix = `${clientId}-${randomUUID().slice(0, 8)}`;
  return {
    brokers,
    clientId,
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

/** Removes the topics a test's options named. */
export async function deleteKafkaTopics(options: KafkaBusOptions): Promise<void> {
  const admin = new Admin({ clientId: `${options.clientId}-cleanup`, bootstrapBrokers: options.brokers });
  try {
    await admin.deleteTopics({ topics: Object.values(options.topics ?? {}) });
  } finally {
    await admin.close();
  }
}
