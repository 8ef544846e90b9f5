/**
 * Writes records to Kafka one produce request at a time, coalescing every publish that
 * arrived meanwhile into the next request.
 *
 * One request in flight is what keeps @platformatic/kafka 1.x's idempotent producer
 * correct: it advances a partition's sequence number only when a response arrives, so two
 * concurrent sends to one partition carried the same sequence and the broker dropped the
 * second as a duplicate while reporting success (seen with 1.35 against Kafka 4.1). It also
 * keeps publish order per partition across retries. Coalescing gives the batching back.
 */
import type { Producer } from '@platformatic/kafka';

export interface OutgoingRecord {
  topic: string;
  key: Buffer;
  value: Buffer;
  partition: number;
}

/** Broker default message.max.bytes is 1 MiB per record batch (one batch per partition per request). */
const MAX_REQUEST_BYTES = 768 * 1024;
const MAX_REQUEST_RECORDS = 8_192;

interface Pending {
  records: OutgoingRecord[];
  /** Records of this publish not yet written. */
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class KafkaWriter {
  private readonly queue: Array<{ record: OutgoingRecord; owner: Pending }> = [];
  private head = 0;
  private sending = false;

  constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    /** Told the offset after the last record written to a partition (for drain()). */
    private readonly written: (topic: string, partition: number, end: bigint) => void,
  ) {}

  /** Resolves once the brokers acknowledged every record (acks=all); rejects if any failed. */
  write(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const owner: Pending = { records, remaining: records.length, failed: false, resolve, reject };
      for (const record of records) this.queue.push({ record, owner });
      if (!this.sending) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.sending = true;
    try {
      while (this.head < this.queue.length) {
        const batch = this.takeBatch();
        if (batch.length === 0) continue;
        try {
          const result = await this.producer.send({ messages: batch.map((item) => item.record) });
          this.report(batch, result.offsets ?? []);
          for (const { owner } of batch) if (--owner.remaining === 0 && !owner.failed) owner.resolve();
        } catch (error) {
          // The whole publish fails, including its records still queued: the caller decides
          // whether to publish again (handlers are idempotent, so a repeat is harmless).
          for (const { owner } of batch) {
            if (owner.failed) continue;
            owner.failed = true;
            owner.reject(error);
          }
        }
      }
    } finally {
      this.queue.length = 0;
      this.head = 0;
      this.sending = false;
    }
  }

  /** The next records in publish order, skipping those of failed publishes, within the request limits. */
  private takeBatch(): Array<{ record: OutgoingRecord; owner: Pending }> {
    const batch: Array<{ record: OutgoingRecord; owner: Pending }> = [];
    let bytes = 0;
    while (this.head < this.queue.length && batch.length < MAX_REQUEST_RECORDS) {
      const item = this.queue[this.head] as { record: OutgoingRecord; owner: Pending };
      const size = item.record.key.length + item.record.value.length + 64;
      if (batch.length > 0 && bytes + size > MAX_REQUEST_BYTES) break;
      this.queue[this.head++] = undefined as never;
      if (item.owner.failed) continue;
      batch.push(item);
      bytes += size;
    }
    if (this.head > 4_096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return batch;
  }

  private report(batch: ReadonlyArray<{ record: OutgoingRecord }>, offsets: ReadonlyArray<{ topic: string; partition: number; offset: bigint }>): void {
    const counts = new Map<string, number[]>();
    for (const { record } of batch) {
      let perPartition = counts.get(record.topic);
      if (!perPartition) counts.set(record.topic, (perPartition = []));
      perPartition[record.partition] = (perPartition[record.partition] ?? 0) + 1;
    }
    // `offset` is the base offset of the batch written to that partition.
    for (const { topic, partition, offset } of offsets) {
      this.written(topic, partition, offset + BigInt(counts.get(topic)?.[partition] ?? 0));
    }
  }
}
