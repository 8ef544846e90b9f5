import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes bytes through at no more than `bytesPerSecond`, so migrations can be kept from
 * saturating a link that user traffic shares. Also reports progress per chunk.
 */
export class ThrottleStream extends Transform {
  private readonly startedAt = Date.now();
  private passed = 0;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly onProgress: (bytes: number) => void = () => {},
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.passed += chunk.length;
    this.onProgress(this.passed);
    if (this.bytesPerSecond <= 0) return callback(null, chunk);
    const dueAt = this.startedAt + (this.passed / this.bytesPerSecond) * 1000;
    const wait = dueAt - Date.now();
    if (wait <= 0) return callback(null, chunk);
    setTimeout(() => callback(null, chunk), wait);
  }
}
