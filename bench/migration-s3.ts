/**
 * Migration throughput from a folder tier to an S3-protocol server (s3rver on loopback, started
 * here through scripts/services/s3.mjs with its own temp state folder) through the real
 * MigrationExecutor, SQLite catalog and S3TierBackend. Prints figures only.
 *
 *   node --import tsx bench/migration-s3.ts [--large-mib 256] [--small-count 200] [--small-mib 1]
 *        [--concurrency 4] [--verify stream|reread] [--part-mib 8] [--queue 4]
 *
 * For each workload (1 × 256 MiB, then 200 × 1 MiB):
 *  1. ingests the objects into the folder tier 'onprem' (random bytes, streamed);
 *  2. plans a manual migration of every object to the S3 tier 'private' and polls the catalog
 *     every 50 ms until all are completed (copy, verify, switch, delete of the folder copy);
 *  3. reports MiB/s and objects/s over that time, this process's RSS sampled every 20 ms during
 *     the migrations (peak), its RSS before, and s3rver's own peak RSS (VmHWM);
 *  4. for the large object, also one plain S3TierBackend.put of as many bytes streamed from
 *     memory, as the ceiling the executor is measured against.
 * Everything runs on this machine: s3rver writes its objects to the same disk, so the figures
 * measure Tiercast's path plus s3rver, not a network.
 */
import { randomFillSync } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as s3Service from '../scripts/services/s3.mjs';
import { openFolderS3Engine, type FolderS3Engine } from '../test/helpers/folder-s3-engine.js';
import { isTerminal } from '../src/domain/migration.js';
import type { ObjectRecord } from '../src/domain/object.js';

const MiB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] ?? fallback : fallback;
}

const settings = {
  largeMiB: Number(arg('large-mib', '256')),
  smallCount: Number(arg('small-count', '200')),
  smallMiB: Number(arg('small-mib', '1')),
  concurrency: Number(arg('concurrency', '4')),
  verify: arg('verify', 'stream') as 'stream' | 'reread',
  partMiB: Number(arg('part-mib', '8')),
  queue: Number(arg('queue', '4')),
};

/** `sizeBytes` of random-looking bytes: a 16 MiB random block repeated, in 1 MiB chunks. */
function randomStream(sizeBytes: number, block: Buffer): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= sizeBytes) return void this.push(null);
      const n = Math.min(MiB, sizeBytes - sent);
      const offset = sent % block.length;
      this.push(block.subarray(offset, Math.min(block.length, offset + n)));
      sent += Math.min(n, block.length - offset);
    },
  });
}

function openEngine(dir: string, s3: Record<string, string>) {
  return openFolderS3Engine(dir, s3, {
    label: 'bench',
    partSizeBytes: settings.partMiB * MiB,
    queueSize: settings.queue,
    maxObjectBytes: 64 * 1024 * MiB,
    executor: {
      maxConcurrent: settings.concurrency,
      maxAttempts: 5,
      retryBaseDelayMs: 1000,
      leaseMs: 60_000,
      verify: settings.verify,
      bandwidthBytesPerSecond: 0,
    },
  });
}

type Engine = FolderS3Engine;

/** Peak resident set of a process in KiB (VmHWM), or undefined. */
async function peakRssKiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) : undefined;
}

interface Row {
  workload: string;
  objects: number;
  totalMiB: number;
  seconds: number;
  failed: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  s3rverPeakMiB: number | undefined;
}

async function migrateAll(engine: Engine, objects: ObjectRecord[], s3rverPid: number, workload: string): Promise<Row> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  const ids = [];
  for (const object of objects) ids.push((await engine.planner.planManual(object, 'private', null)).id);
  let pending = new Set(ids);
  let failed = 0;
  while (pending.size > 0) {
    await new Promise((r) => setTimeout(r, 50));
    const next = new Set<string>();
    for (const id of pending) {
      const m = await engine.catalog.getMigration(id);
      if (!m || !isTerminal(m.status)) next.add(id);
      else if (m.status !== 'completed') {
        failed++;
        console.log(`  migration ${id} ended ${m.status}: ${m.error}`);
      }
    }
    pending = next;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const totalBytes = objects.reduce((sum, o) => sum + o.sizeBytes, 0);
  const s3rverPeak = await peakRssKiB(s3rverPid);
  return {
    workload,
    objects: objects.length,
    totalMiB: totalBytes / MiB,
    seconds,
    failed,
    rssBeforeMiB: rssBefore / MiB,
    rssPeakMiB: rssPeak / MiB,
    s3rverPeakMiB: s3rverPeak === undefined ? undefined : s3rverPeak / 1024,
  };
}

async function ingest(engine: Engine, count: number, sizeBytes: number, block: Buffer): Promise<ObjectRecord[]> {
  const out: ObjectRecord[] = [];
  for (let i = 0; i < count; i++) out.push(await engine.objects.ingest({ body: randomStream(sizeBytes, block) }));
  return out;
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'tiercast-bench-s3-'));
  const stateDir = join(root, 's3');
  let engine: Engine | undefined;
  const cleanup = async () => {
    await engine?.close().catch(() => {});
    await s3Service.stop({ stateDir }).catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const { env } = await s3Service.start({ stateDir });
    const s3rverPid = Number((await readFile(join(stateDir, 's3rver.pid'), 'utf8')).trim());
    console.log(
      `migration folder → S3 (s3rver ${s3Service.S3RVER_TESTED_VERSION} at ${env.MINIO_ENDPOINT}, data under ${root}); ` +
        `executor: ${settings.concurrency} at once, verify=${settings.verify}; S3 parts ${settings.partMiB} MiB × ${settings.queue} in flight`,
    );
    const block = randomFillSync(Buffer.allocUnsafe(16 * MiB));
    const rows: Row[] = [];
    let raw: { seconds: number; sizeMiB: number } | undefined;

    if (settings.largeMiB > 0) {
      engine = await openEngine(join(root, 'large'), env);
      const [object] = await ingest(engine, 1, settings.largeMiB * MiB, block);
      rows.push(await migrateAll(engine, [object!], s3rverPid, `1 × ${settings.largeMiB} MiB`));
      // The ceiling: one plain put of the same bytes into the bucket, outside the executor (after
      // the migration, so its memory does not count in the migration's RSS).
      const t0 = performance.now();
      await engine.bucket.put('raw/v1', randomStream(settings.largeMiB * MiB, block));
      raw = { seconds: (performance.now() - t0) / 1000, sizeMiB: settings.largeMiB };
      await engine.bucket.delete('raw/v1');
      await engine.close();
      engine = undefined;
    }
    if (settings.smallCount > 0) {
      engine = await openEngine(join(root, 'small'), env);
      const objects = await ingest(engine, settings.smallCount, settings.smallMiB * MiB, block);
      rows.push(await migrateAll(engine, objects, s3rverPid, `${settings.smallCount} × ${settings.smallMiB} MiB`));
      await engine.close();
      engine = undefined;
    }

    const header = ['workload', 'seconds', 'MiB/s', 'objects/s', 'failed', 'RSS before MiB', 'peak RSS MiB', 's3rver peak RSS MiB'];
    const table = rows.map((r) => [
      r.workload,
      r.seconds.toFixed(2),
      (r.totalMiB / r.seconds).toFixed(1),
      (r.objects / r.seconds).toFixed(1),
      String(r.failed),
      r.rssBeforeMiB.toFixed(0),
      r.rssPeakMiB.toFixed(0),
      r.s3rverPeakMiB === undefined ? '?' : r.s3rverPeakMiB.toFixed(0),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
    console.log('\n' + header.map((h, i) => h.padStart(widths[i]!)).join('  '));
    for (const row of table) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
    if (raw) console.log(`\nplain S3TierBackend.put of ${raw.sizeMiB} MiB streamed from memory: ${raw.seconds.toFixed(2)} s, ${(raw.sizeMiB / raw.seconds).toFixed(1)} MiB/s`);
    console.log(
      '\nseconds = first plan → last migration completed (copy, verify, catalog switch, delete of the folder copy). ' +
        'peak RSS = this process (node + tsx loader + engine), sampled every 20 ms during the migrations; ' +
        "s3rver peak = the server process's VmHWM over the whole run.",
    );
  } finally {
    process.off('SIGINT', onSignal);
    await cleanup();
  }
}

await main();
