/**
 * Creating and checking Tiercast's Kafka topics (`tiercast create-topics`, and the bus at
 * start-up). Creation is idempotent: topics that exist are left as they are, and a topic
 * another process creates at the same moment counts as existing.
 */
import { Admin } from '@platformatic/kafka';
import { TiercastError } from '../domain/errors.js';
import { checkBrokers, kafkaUnavailable, topicNames, type KafkaBusOptions } from './kafka-options.js';

/** How long a new topic may take until every partition has a leader (and so accepts writes). */
const LEADERS_TIMEOUT_MS = 30_000;

export async function createTopics(options: KafkaBusOptions): Promise<{ created: string[]; existing: string[] }> {
  const brokers = checkBrokers(options.brokers);
  const wanted = topicNames(options).all();
  const admin = openAdmin(options);
  try {
    const present = new Set(await call(brokers, 'listing topics', () => admin.listTopics()));
    const created: string[] = [];
    const existing = wanted.filter((t) => present.has(t.physical)).map((t) => t.physical);
    for (const topic of wanted) {
      if (present.has(topic.physical)) continue;
      try {
        await admin.createTopics({ topics: [topic.physical], partitions: topic.partitions, replicas: options.replicationFactor ?? -1 });
        created.push(topic.physical);
      } catch (error) {
        if (!isAlreadyExists(error)) throw kafkaUnavailable(brokers, `creating topic '${topic.physical}'`, error);
        existing.push(topic.physical); // created by another process meanwhile
      }
    }
    if (created.length > 0) await waitForLeaders(admin, brokers, created);
    if (created.length > 0) options.log?.info({ created, existing }, 'created Kafka topics');
    return { created, existing };
  } finally {
    await admin.close().catch(() => {});
  }
}

/** Fails with a clear message when any configured topic is missing (start-up with createTopics off). */
export async function checkTopicsExist(options: KafkaBusOptions): Promise<void> {
  const brokers = checkBrokers(options.brokers);
  const admin = openAdmin(options);
  try {
    const present = new Set(await call(brokers, 'listing topics', () => admin.listTopics()));
    const missing = topicNames(options)
      .all()
      .filter((t) => !present.has(t.physical))
      .map((t) => t.physical);
    if (missing.length > 0) {
      throw new TiercastError('config_error', `Kafka topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `'${t}'`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`, {
        hint: 'run `tiercast create-topics` once, or set bus.createTopics to true',
      });
    }
  } finally {
    await admin.close().catch(() => {});
  }
}

function openAdmin(options: KafkaBusOptions): Admin {
  return new Admin({
    clientId: `${options.clientId}-admin`,
    bootstrapBrokers: options.brokers,
    retries: 3,
    retryDelay: 250,
    connectTimeout: 5_000,
    timeout: 15_000,
  });
}

async function call<T>(brokers: readonly string[], doing: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw kafkaUnavailable(brokers, doing, error);
  }
}

function isAlreadyExists(error: unknown): boolean {
  const found = (error as { findBy?: (property: string, value: unknown) => unknown } | null)?.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS');
  return Boolean(found);
}

/** A topic accepts writes once each partition has a leader; until then producers retry and stall. */
async function waitForLeaders(admin: Admin, brokers: readonly string[], topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    try {
      const metadata = await admin.metadata({ topics, forceUpdate: true });
      const ready = topics.every((name) => {
        const topic = metadata.topics.get(name);
        return topic !== undefined && topic.partitions.length === topic.partitionsCount && topic.partitions.every((p) => p !== undefined && p.leader >= 0);
      });
      if (ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw kafkaUnavailable(brokers, `waiting for leaders of ${topics.join(', ')}`, error);
    }
    if (Date.now() > deadline) {
      throw new TiercastError('internal', `Kafka created ${topics.join(', ')} but some partitions have no leader after ${LEADERS_TIMEOUT_MS / 1000} s`, {
        hint: 'check the brokers\' logs; the topics exist and Tiercast will use them once they have leaders',
        permanent: false,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
