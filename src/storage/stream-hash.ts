import { createHash } from 'node:crypto';
import { TiercastError } from '../domain/errors.js';
import type { Readable } from 'node:stream';

/** sha256 and length of everything a stream yields, without holding it in memory. */
export async function hashStream(stream: Readable): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    sizeBytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

/**
 * Counts and hashes the chunks of an upload as they pass, refusing it once it grows past
 * `maxBytes`: what every backend's put computes itself instead of trusting the store.
 */
export class UploadMeter {
  private readonly hash = createHash('sha256');
  sizeBytes = 0;

  constructor(
    private readonly key: string,
    private readonly maxBytes: number | undefined,
  ) {}

  /** The chunk as a Buffer, counted and hashed; throws payload_too_large past the limit. */
  take(chunk: unknown): Buffer {
    const buffer: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
    this.sizeBytes += buffer.length;
    if (this.maxBytes !== undefined && this.sizeBytes > this.maxBytes) {
      throw new TiercastError('payload_too_large', `object for key '${this.key}' is larger than the limit of ${this.maxBytes} bytes`, {
        hint: 'send a smaller object or raise the configured upload limit',
      });
    }
    this.hash.update(buffer);
    return buffer;
  }

  sha256(): string {
    return this.hash.digest('hex');
  }
}
