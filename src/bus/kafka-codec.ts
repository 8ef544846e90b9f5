/**
 * How bus messages look on Kafka: the key is the UTF-8 object id, the value UTF-8 JSON, and
 * the partition is the one the Java client's default partitioner picks for that key
 * (murmur2, sign bit cleared), so Tiercast and Java producers agree on where a key lives.
 */
import { murmur2 } from '@platformatic/kafka';
import { invalidInput } from '../domain/errors.js';

export function encodeValue(topic: string, index: number, key: string, value: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw invalidInput(
      `message ${index} (key '${key}') published to '${topic}' has a value that cannot be written as JSON: ${errorText(error)}`,
      'message values must be plain JSON-like data',
    );
  }
  if (json === undefined) {
    throw invalidInput(`message ${index} (key '${key}') published to '${topic}' has no JSON value (got ${typeof value})`, 'message values must be plain JSON-like data');
  }
  return Buffer.from(json, 'utf8');
}

export type Decoded = { ok: true; value: unknown } | { ok: false; error: string; raw: string };

/** A record whose value is not JSON is reported, not thrown: it goes to the dead-letter topic. */
export function decodeValue(value: Buffer | undefined): Decoded {
  const raw = value === undefined ? '' : value.toString('utf8');
  if (value === undefined || value.length === 0) return { ok: false, error: 'the record has no value (expected JSON)', raw };
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, error: `the value is not valid JSON: ${errorText(error)}`, raw };
  }
}

export function partitionFor(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}
