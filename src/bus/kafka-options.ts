/**
 * Options of the Kafka adapter, shared by the bus and by `tiercast create-topics`: which
 * brokers, which physical topic stands for each logical one, how many partitions, and the
 * one error a user sees when the brokers cannot be reached.
 */
import { TiercastError, invalidInput } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { TOPICS, type Topic } from './event-bus.js';

export type LogicalTopic = keyof typeof TOPICS;

export interface KafkaBusOptions {
  /** Bootstrap brokers as host:port (KAFKA_BOOTSTRAP_SERVERS). */
  brokers: string[];
  /** Client id prefix the brokers see; consumers and the producer add their role. */
  clientId: string;
  /** Physical topic names; a logical topic not named here uses its name in TOPICS. */
  topics?: Partial<Record<LogicalTopic, string>> | undefined;
  /**
   * Partitions of the access-events topic when Tiercast creates it (default 6); the
   * migration topics get half as many, the dead-letter topic one. Keys keep their order
   * only within a partition count: changing it later moves keys between partitions.
   */
  partitions?: number | undefined;
  /** Create missing topics when the bus starts (a user may forbid it and run create-topics once). */
  createTopics?: boolean | undefined;
  /** Replicas of each created topic; default the broker's default.replication.factor. */
  replicationFactor?: number | undefined;
  /** Consumer session timeout, ms: a crashed consumer's partitions move after this long. Default 10,000. */
  sessionTimeoutMs?: number | undefined;
  /** Consumer heartbeat, ms: also how soon a member notices a rebalance. Default 1,000. */
  heartbeatIntervalMs?: number | undefined;
  /** Delay before the first in-process retry of a failed handler, ms; doubles per attempt up to 2,000. Default 50. */
  retryDelayMs?: number | undefined;
  /** How often handled offsets are committed (after beforeCommit), ms. Default 200. */
  commitIntervalMs?: number | undefined;
  log?: Logger | undefined;
}

export const DEFAULT_PARTITIONS = 6;

/** The physical name of every logical topic, both ways. */
export interface TopicNames {
  physical(topic: Topic): string;
  logical(physical: string): Topic | undefined;
  all(): Array<{ logical: Topic; physical: string; partitions: number }>;
}

const KAFKA_TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

export function topicNames(options: KafkaBusOptions): TopicNames {
  const partitions = positiveInteger('partitions', options.partitions ?? DEFAULT_PARTITIONS);
  const half = Math.max(1, Math.ceil(partitions / 2));
  const partitionsOf: Record<LogicalTopic, number> = {
    accessEvents: partitions,
    migrationCommands: half,
    migrationEvents: half,
    deadLetter: 1,
  };
  const toPhysical = new Map<Topic, string>();
  const toLogical = new Map<string, Topic>();
  const rows: Array<{ logical: Topic; physical: string; partitions: number }> = [];
  for (const [name, logical] of Object.entries(TOPICS) as Array<[LogicalTopic, Topic]>) {
    const physical = options.topics?.[name] ?? logical;
    if (!KAFKA_TOPIC_NAME.test(physical) || physical === '.' || physical === '..') {
      throw invalidInput(`Kafka topic name for ${name} is not valid: '${physical}'`, 'use 1 to 249 letters, digits, dots, underscores or hyphens');
    }
    if (toLogical.has(physical)) {
      throw invalidInput(`Kafka topic '${physical}' is configured for both ${toLogical.get(physical)} and ${logical}`, 'give every topic its own name');
    }
    toPhysical.set(logical, physical);
    toLogical.set(physical, logical);
    rows.push({ logical, physical, partitions: partitionsOf[name] });
  }
  return {
    physical: (topic) => {
      const physical = toPhysical.get(topic);
      if (physical === undefined) throw invalidInput(`unknown topic '${topic}'`, `use one of ${Object.values(TOPICS).join(', ')}`);
      return physical;
    },
    logical: (physical) => toLogical.get(physical),
    all: () => rows.map((row) => ({ ...row })),
  };
}

export function checkBrokers(brokers: unknown): string[] {
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new TiercastError('config_error', 'no Kafka brokers configured', {
      hint: 'set KAFKA_BOOTSTRAP_SERVERS to host:port[,host:port...] (for example 127.0.0.1:9092)',
    });
  }
  for (const broker of brokers) {
    if (typeof broker !== 'string' || !/^\S+:\d{1,5}$/.test(broker)) {
      throw new TiercastError('config_error', `Kafka broker address ${JSON.stringify(broker)} is not host:port`, {
        hint: 'set KAFKA_BOOTSTRAP_SERVERS to host:port[,host:port...] (for example 127.0.0.1:9092)',
      });
    }
  }
  return brokers as string[];
}

export function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw invalidInput(`Kafka bus option ${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * The error for "Kafka cannot be reached or refused": names the setting to check and the
 * deepest cause the client reported (for example "connect ECONNREFUSED 127.0.0.1:9092").
 */
export function kafkaUnavailable(brokers: readonly string[], doing: string, cause: unknown): TiercastError {
  return new TiercastError('internal', `Kafka at ${brokers.join(',')} (KAFKA_BOOTSTRAP_SERVERS) failed while ${doing}: ${describeKafkaError(cause)}`, {
    cause,
    hint: 'check that the brokers in KAFKA_BOOTSTRAP_SERVERS are running and reachable (npm run services:up starts one for development)',
    permanent: false,
  });
}

/** The client wraps network errors in several layers; the innermost distinct messages say what happened. */
export function describeKafkaError(error: unknown): string {
  const messages: string[] = [];
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number): void => {
    if (e === null || e === undefined || seen.has(e) || depth > 6) return;
    seen.add(e);
    if (e instanceof Error) {
      const detail = (e as { serverErrorMessage?: unknown }).serverErrorMessage;
      const text = typeof detail === 'string' && detail ? `${e.message} (${detail})` : e.message;
      if (text && !messages.includes(text)) messages.push(text);
      const inner = (e as { errors?: unknown }).errors;
      if (Array.isArray(inner)) for (const child of inner) visit(child, depth + 1);
      visit(e.cause, depth + 1);
    } else {
      messages.push(String(e));
    }
  };
  visit(error, 0);
  // The outermost wrappers ("metadata failed 3 times.") say little; keep the last three.
  return messages.slice(-3).join(': ') || 'unknown error';
}
