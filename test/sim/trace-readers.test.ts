import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TiercastError } from '../../src/domain/errors.js';
import { detectFormat, inTimeOrder, readTrace, readTraceBatches } from '../../src/sim/readers/index.js';
import { generateAccesses, toCsvLines } from '../../src/sim/synthetic.js';
import { TraceError, type TraceRecord } from '../../src/sim/trace-record.js';

/** The shared samples: ../shared/traces beside the repository, here and in CI. */
const TRACES = new URL('../../../shared/traces/', import.meta.url);
const sample = (relative: string) => fileURLToPath(new URL(relative, TRACES));
const MiB = 1024 * 1024;

async function collect(path: string, options: Parameters<typeof readTrace>[1] = {}): Promise<TraceRecord[]> {
  const records: TraceRecord[] = [];
  for await (const record of readTrace(path, options)) records.push(record);
  return records;
}

interface Stats {
  requests: number;
  objects: number;
  spanSeconds: number;
  reads: number;
  writes: number;
  others: number;
  bytes: number;
  stepsBack: number;
}

function stats(records: TraceRecord[]): Stats {
  const ids = new Set<string>();
  let min = Infinity;
  let max = -Infinity;
  let previous = -Infinity;
  const s = { requests: records.length, objects: 0, spanSeconds: 0, reads: 0, writes: 0, others: 0, bytes: 0, stepsBack: 0 };
  for (const r of records) {
    ids.add(r.objectId);
    min = Math.min(min, r.at);
    max = Math.max(max, r.at);
    if (r.at < previous) s.stepsBack++;
    previous = r.at;
    s.bytes += r.sizeBytes;
    if (r.op === 'read') s.reads++;
    else if (r.op === 'write') s.writes++;
    else s.others++;
  }
  s.objects = ids.size;
  s.spanSeconds = (max - min) / 1000;
  return s;
}

function distinct(records: TraceRecord[]): number {
  return new Set(records.map((r) => r.objectId)).size;
}

/** Calls `fn`, expecting it to reject with a TraceError, and returns that error. */
async function traceError(fn: () => Promise<unknown>): Promise<TraceError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof TraceError, `expected a TraceError, got ${String(error)}`);
    assert.ok(error instanceof TiercastError);
    assert.equal(error.code, 'invalid_input');
    return error;
  }
  assert.fail('expected a TraceError');
}

describe('cloudphysics-io: one trace in three encodings', () => {
  const files = {
    vscsi: sample('cloudphysics-io/cloudPhysicsIO.vscsi'),
    csv: sample('cloudphysics-io/cloudPhysicsIO.csv'),
    oracle: sample('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin'),
  };
  let vscsi: TraceRecord[];
  let csv: TraceRecord[];
  let oracle: TraceRecord[];
  before(async () => {
    [vscsi, csv, oracle] = await Promise.all([collect(files.vscsi), collect(files.csv), collect(files.oracle)]);
  });

  it('reads 113,872 requests from every encoding, as FORMAT.md says', () => {
    assert.equal(vscsi.length, 113_872);
    assert.equal(csv.length, 113_872);
    assert.equal(oracle.length, 113_872);
  });

  it('vscsi: 46,974 reads and 66,898 writes over 7,200.09 s, on 2,602 one-MiB extents', () => {
    const s = stats(vscsi);
    assert.equal(s.reads, 46_974);
    assert.equal(s.writes, 66_898);
    assert.equal(s.others, 0);
    assert.ok(Math.abs(s.spanSeconds - 7200.09) < 0.005, `span ${s.spanSeconds}`);
    assert.equal(s.objects, 2_602);
    assert.equal(s.stepsBack, 0);
    assert.ok(vscsi.every((r) => r.sizeBytes === MiB), 'each record has its extent size');
    // Relative clock: t0 ≈ 5.63e6 s, in ms with the µs kept as a fraction.
    assert.equal(vscsi[0]!.at, 5_633_898_368.802);
  });

  it('csv: the same reads, writes and extents; whole-second times over 7,200 s', () => {
    const s = stats(csv);
    assert.deepEqual([s.reads, s.writes, s.objects, s.stepsBack], [46_974, 66_898, 2_602, 0]);
    assert.equal(s.spanSeconds, 7200);
  });

  it('oracleGeneral: 48,974 distinct lbns as object ids, all reads, over 7,200 s', () => {
    const s = stats(oracle);
    assert.equal(s.objects, 48_974);
    assert.equal(s.reads, 113_872);
    assert.equal(s.spanSeconds, 7200);
  });

  it('the encodings agree record by record on time, object and operation', () => {
    for (let i = 0; i < vscsi.length; i++) {
      const [v, c, o] = [vscsi[i]!, csv[i]!, oracle[i]!];
      const second = Math.floor(v.at / 1000) * 1000;
      if (c.at !== second || o.at !== second || c.objectId !== v.objectId || c.op !== v.op) {
        assert.fail(`record ${i + 1}: vscsi ${JSON.stringify(v)}, csv ${JSON.stringify(c)}, oracleGeneral ${JSON.stringify(o)}`);
      }
      // oracleGeneral's id is the lbn itself; its 1-MiB extent is the vscsi object.
      if (String(Math.floor((Number(o.objectId) * 512) / MiB)) !== v.objectId) assert.fail(`record ${i + 1}: lbn ${o.objectId} is not in extent ${v.objectId}`);
    }
  });

  it('extentBytes: one-sector extents give back the lbns, larger extents fewer objects', async () => {
    const sectors = await collect(files.vscsi, { extentBytes: 512 });
    assert.equal(distinct(sectors), 48_974);
    assert.deepEqual(
      sectors.slice(0, 1000).map((r) => r.objectId),
      oracle.slice(0, 1000).map((r) => r.objectId),
    );
    const large = await collect(files.csv, { extentBytes: 4 * MiB });
    assert.ok(distinct(large) < 2_602 && distinct(large) > 2_602 / 4, `${distinct(large)} four-MiB extents`);
    assert.ok(large.every((r) => r.sizeBytes === 4 * MiB));
  });

  it('batches carry the same records in the same order', async () => {
    const flat: TraceRecord[] = [];
    let batches = 0;
    for await (const batch of readTraceBatches(files.vscsi)) {
      batches++;
      flat.push(...batch);
    }
    assert.ok(batches > 1, 'a 3.6 MB file is read in more than one chunk');
    assert.deepEqual(flat, vscsi);
  });
});

describe('elastic-apache-semicomplete: Combined Log Format', () => {
  const path = sample('elastic-apache-semicomplete/apache_logs');
  let records: TraceRecord[];
  before(async () => {
    records = await collect(path);
  });

  it('parses all 10,000 lines: 1,368 paths, 2,747,282,740 bytes over 3.46 days', () => {
    const s = stats(records);
    assert.equal(s.requests, 10_000);
    assert.equal(s.objects, 1_368, 'query strings stripped');
    assert.equal(s.bytes, 2_747_282_740);
    assert.equal((s.spanSeconds / 86_400).toFixed(2), '3.46');
    const times = records.map((r) => r.at);
    assert.equal(new Date(Math.min(...times)).toISOString().slice(0, 16), '2015-05-17T10:05');
    assert.equal(new Date(Math.max(...times)).toISOString().slice(0, 16), '2015-05-20T21:05');
  });

  it('maps methods to ops (9,952 GET + 42 HEAD read; 5 POST and 1 OPTIONS are other)', () => {
    const s = stats(records);
    assert.deepEqual([s.reads, s.writes, s.others], [9_994, 0, 6]);
  });

  it('is not in time order, as FORMAT.md warns; inTimeOrder sorts it when it fits', async () => {
    assert.ok(stats(records).stepsBack > 0);
    const sorted: TraceRecord[] = [];
    for await (const r of inTimeOrder(readTrace(path), { maxBuffered: 10_000 })) sorted.push(r);
    assert.equal(sorted.length, 10_000);
    assert.equal(stats(sorted).stepsBack, 0);
    const error = await traceError(async () => {
      for await (const _ of inTimeOrder(readTrace(path), { maxBuffered: 9_999, path })) void _;
    });
    assert.match(error.message, /not in time order/);
    assert.ok(error.record !== undefined && error.record > 1);
  });
});

describe('CSV layouts of the shared samples', () => {
  const cases: { file: string; requests: number; objects: number; span?: number; reads?: number; writes?: number; note: string }[] = [
    { file: 'meta-cachelib-samples/meta_cdn_short_bigcache_traces.csv', requests: 9_999, objects: 3_125, span: 258, reads: 9_999, note: 'CDN' },
    { file: 'meta-cachelib-samples/meta_cdn_bigcache.csv', requests: 199, objects: 99, span: 5, note: 'CDN' },
    // Rows with op_count > 1 stand for that many operations: 999 rows, Σ op_count 1,023.
    { file: 'meta-cachelib-samples/meta_tectonic_block_traces_1.csv', requests: 1_023, objects: 625, span: 39, writes: 400, note: 'Tectonic' },
    { file: 'meta-cachelib-samples/meta_tectonic_block_traces_2.csv', requests: 1_016, objects: 646, span: 39, writes: 420, note: 'Tectonic' },
    { file: 'meta-cachelib-samples/meta_kv_traces_1.csv', requests: 691, objects: 52, span: 8, note: 'KV, 99 rows' },
    { file: 'meta-cachelib-samples/meta_kv_traces_2.csv', requests: 433, objects: 62, span: 2, note: 'KV, 99 rows, other column order' },
    { file: 'meta-cachelib-samples/twitter_sample.csv', requests: 100, objects: 85, span: 0, note: 'Twitter, headerless' },
    { file: 'msr-systor-samples/msr-cambridge1-sample.csv', requests: 1_000, objects: 144, reads: 508, writes: 492, note: 'MSR, headerless' },
    { file: 'msr-systor-samples/systor17-traces-sample.csv', requests: 999, objects: 274, reads: 826, writes: 173, note: "SYSTOR'17" },
    { file: 'msr-systor-samples/systor17-additional-sample.csv', requests: 999, objects: 387, reads: 700, writes: 299, note: "SYSTOR'17" },
    { file: 'tencent-cbs-sample/cloud_storage-sample.csv', requests: 50_000, objects: 20_574, span: 1, reads: 24_521, writes: 25_479, note: 'Tencent CBS, headerless' },
  ];
  for (const c of cases) {
    it(`${c.file} (${c.note}): ${c.requests.toLocaleString('en')} requests, ${c.objects.toLocaleString('en')} objects`, async () => {
      const s = stats(await collect(sample(c.file)));
      assert.equal(s.requests, c.requests);
      assert.equal(s.objects, c.objects);
      if (c.span !== undefined) assert.equal(Math.round(s.spanSeconds), c.span);
      if (c.reads !== undefined) assert.equal(s.reads, c.reads);
      if (c.writes !== undefined) assert.equal(s.writes, c.writes);
    });
  }

  it('block layouts with one-sector extents count distinct (device, offset) pairs as FORMAT.md does', async () => {
    const bySector = async (file: string) => distinct(await collect(sample(file), { extentBytes: 512 }));
    assert.equal(await bySector('msr-systor-samples/msr-cambridge1-sample.csv'), 713);
    assert.equal(await bySector('msr-systor-samples/systor17-traces-sample.csv'), 988);
    assert.equal(await bySector('msr-systor-samples/systor17-additional-sample.csv'), 950);
    assert.equal(await bySector('tencent-cbs-sample/cloud_storage-sample.csv'), 44_687);
  });

  it('MSR FILETIME becomes epoch ms (2007-02-22, 127.2 s); Tencent volumes are the id prefix (2,038)', async () => {
    const msr = await collect(sample('msr-systor-samples/msr-cambridge1-sample.csv'));
    assert.equal(new Date(msr[0]!.at).toISOString().slice(0, 10), '2007-02-22');
    assert.equal(stats(msr).spanSeconds.toFixed(1), '127.2');
    const cbs = await collect(sample('tencent-cbs-sample/cloud_storage-sample.csv'));
    assert.equal(new Set(cbs.map((r) => r.objectId.split(':')[0])).size, 2_038);
  });

  it("meta CDN: objectSize -1 (14 rows) falls back to the response body's bytes", async () => {
    const records = await collect(sample('meta-cachelib-samples/meta_cdn_short_bigcache_traces.csv'));
    // Line 707: objectSize -1, responseSize 45570, responseHeaderSize 448.
    assert.equal(records[705]!.sizeBytes, 45_570 - 448);
    assert.ok(records.every((r) => r.sizeBytes >= 0));
  });
});

describe("Tiercast's own CSV", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercast-trace-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads epoch seconds with a fraction and ISO-8601, an optional op, and quoted ids', async () => {
    const path = join(dir, 'own.csv');
    writeFileSync(
      path,
      [
        'timestamp,object_id,size,op',
        '1700000000.250,a,10,read',
        '2026-01-31T09:15:00Z,b,20,PUT',
        '2026-01-31T09:15:00,c,0,',
        '2026-01-31T10:15:00+01:00,"d,1",5,delete',
        '',
      ].join('\r\n'),
    );
    assert.equal(detectFormat(path, readFileSync(path)), 'csv');
    assert.deepEqual(await collect(path), [
      { at: 1_700_000_000_250, objectId: 'a', sizeBytes: 10, op: 'read' },
      { at: Date.UTC(2026, 0, 31, 9, 15), objectId: 'b', sizeBytes: 20, op: 'write' },
      { at: Date.UTC(2026, 0, 31, 9, 15), objectId: 'c', sizeBytes: 0, op: 'read' },
      { at: Date.UTC(2026, 0, 31, 9, 15), objectId: 'd,1', sizeBytes: 5, op: 'other' },
    ]);
  });

  it('without an op column every record is a read', async () => {
    const path = join(dir, 'no-op.csv');
    writeFileSync(path, 'timestamp,object_id,size\n1.001,x,1\n2,y,2');
    assert.deepEqual(
      (await collect(path)).map((r) => [r.at, r.objectId, r.op]),
      [
        [1001, 'x', 'read'],
        [2000, 'y', 'read'],
      ],
    );
  });

  it('reads back what the synthetic generator writes, access for access', async () => {
    const accesses = [...generateAccesses({ seed: 7, objects: 50, days: 2, start: Date.UTC(2026, 0, 5) })];
    const path = join(dir, 'synthetic.csv');
    writeFileSync(path, [...toCsvLines(accesses)].join('\n') + '\n');
    const expected = accesses.flatMap((a) => Array.from({ length: a.count }, () => ({ at: a.at, objectId: a.objectId, sizeBytes: a.sizeBytes, op: 'read' })));
    assert.ok(expected.length > 100);
    assert.deepEqual(await collect(path), expected);
  });
});

describe('malformed traces', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercast-trace-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const head = (file: string, bytes: number) => readFileSync(sample(file)).subarray(0, bytes);

  it('oracleGeneral: a trailing partial record names its byte offset; skipBad keeps the whole ones', async () => {
    const path = join(dir, 'cut.oracleGeneral.bin');
    writeFileSync(path, head('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin', 10 * 24 + 7));
    const error = await traceError(() => collect(path));
    assert.equal(error.byteOffset, 240);
    assert.equal(error.line, undefined);
    assert.match(error.message, /byte offset 240: truncated record: the file ends 7 bytes into a 24-byte oracleGeneral record/);
    const bad: TraceError[] = [];
    assert.equal((await collect(path, { skipBad: true, onBad: (e) => bad.push(e) })).length, 10);
    assert.deepEqual(
      bad.map((e) => e.byteOffset),
      [240],
    );
  });

  it('vscsi: a truncated record and a record with the wrong version byte name their offsets', async () => {
    const cut = join(dir, 'cut.vscsi');
    writeFileSync(cut, head('cloudphysics-io/cloudPhysicsIO.vscsi', 5 * 32 + 3));
    const truncated = await traceError(() => collect(cut));
    assert.equal(truncated.byteOffset, 160);
    assert.match(truncated.problem, /truncated record: the file ends 3 bytes into a 32-byte vscsi record/);

    const wrong = join(dir, 'wrong.vscsi');
    const bytes = Buffer.from(head('cloudphysics-io/cloudPhysicsIO.vscsi', 4 * 32));
    bytes.writeUInt16LE(0x0200, 2 * 32 + 14);
    writeFileSync(wrong, bytes);
    const version = await traceError(() => collect(wrong, { format: 'vscsi' }));
    assert.equal(version.byteOffset, 64);
    assert.match(version.problem, /version byte is 2, not 1/);
    let skipped = 0;
    assert.equal((await collect(wrong, { format: 'vscsi', skipBad: true, onBad: () => skipped++ })).length, 3);
    assert.equal(skipped, 1);
  });

  it('CSV: a bad line stops the read with its line number and what was wrong; skipBad counts them', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, ['timestamp,object_id,size', '1,a,1', '2,b,1', 'yesterday,c,1', '4,d,-3', '5,e', '6,,1', '7,f,1'].join('\n'));
    const error = await traceError(() => collect(path));
    assert.equal(error.line, 4);
    assert.equal(error.byteOffset, undefined);
    assert.match(error.message, /bad\.csv, line 4: timestamp 'yesterday' is not epoch seconds or ISO-8601/);
    const bad: TraceError[] = [];
    const records = await collect(path, { skipBad: true, onBad: (e) => bad.push(e) });
    assert.deepEqual(
      records.map((r) => r.objectId),
      ['a', 'b', 'f'],
    );
    assert.deepEqual(
      bad.map((e) => [e.line, e.problem]),
      [
        [4, "timestamp 'yesterday' is not epoch seconds or ISO-8601"],
        [5, "size '-3' is not a whole number of bytes"],
        [6, 'expected at least 3 comma-separated fields (tiercast layout), found 2'],
        [7, 'object_id is empty'],
      ],
    );
  });

  it('CSV: an unknown header is refused on line 1, even with skipBad', async () => {
    const path = join(dir, 'unknown.csv');
    writeFileSync(path, 'when,what\n1,a\n');
    const error = await traceError(() => collect(path, { format: 'csv', skipBad: true }));
    assert.equal(error.line, 1);
    assert.match(error.message, /neither a known CSV header nor a known headerless record/);
  });

  it('CLF: a bad timestamp names its line', async () => {
    const path = join(dir, 'bad.log');
    const lines = readFileSync(sample('elastic-apache-semicomplete/apache_logs'), 'utf8').split('\n').slice(0, 5);
    lines[2] = lines[2]!.replace('[17/May/2015:10:05:47 +0000]', '[17/Mai/2015:10:05:47 +0000]');
    lines[3] = lines[3]!.replace(/" 200 (\d+)/, '" 200 lots');
    writeFileSync(path, lines.join('\n'));
    const error = await traceError(() => collect(path));
    assert.equal(error.line, 3);
    assert.equal(error.problem, "timestamp '17/Mai/2015:10:05:47 +0000' is not a valid dd/Mon/yyyy:HH:MM:SS ±hhmm");
    const bad: number[] = [];
    assert.equal((await collect(path, { skipBad: true, onBad: (e) => bad.push(e.line!) })).length, 3);
    assert.deepEqual(bad, [3, 4]);
  });

  it('CLF: the UTC offset counts, the query string is cut off and a "-" size is 0', async () => {
    const path = join(dir, 'small.log');
    writeFileSync(
      path,
      [
        '10.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif?v=2 HTTP/1.0" 200 2326',
        '10.0.0.2 - - [10/Oct/2000:20:55:37 +0000] "PUT /upload/a.bin HTTP/1.1" 304 - "-" "curl/8"',
      ].join('\n'),
    );
    assert.equal(detectFormat(path, readFileSync(path)), 'clf');
    assert.deepEqual(await collect(path), [
      { at: Date.UTC(2000, 9, 10, 20, 55, 36), objectId: '/apache_pb.gif', sizeBytes: 2326, op: 'read' },
      { at: Date.UTC(2000, 9, 10, 20, 55, 37), objectId: '/upload/a.bin', sizeBytes: 0, op: 'write' },
    ]);
  });

  it('a file of unknown content, a missing file and an unknown --format are named as such', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'just some notes\n');
    const unknown = await traceError(() => collect(path));
    assert.match(unknown.message, /cannot tell the trace format/);
    assert.match(unknown.hint ?? '', /--format/);
    await assert.rejects(collect(join(dir, 'missing.csv')), (e: unknown) => e instanceof TiercastError && e.code === 'not_found');
    await assert.rejects(collect(path, { format: 'parquet' as never }), /unknown trace format 'parquet'/);
  });

  it('a record split between two reads of a pipe is put back together', { skip: process.platform === 'win32' }, async () => {
    const fifo = join(dir, 'pipe.oracleGeneral');
    execFileSync('mkfifo', [fifo]);
    const bytes = head('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin', 100 * 24);
    const writing = (async () => {
      const handle = await open(fifo, 'w');
      // Pieces of 7 bytes, each written on its own, so reads end inside records.
      for (let p = 0; p < bytes.length; p += 7) {
        await handle.write(bytes.subarray(p, p + 7));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await handle.close();
    })();
    const [records] = await Promise.all([collect(fifo, { format: 'oracle-general' }), writing]);
    const whole = await collect(sample('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin'));
    assert.deepEqual(records, whole.slice(0, 100));
  });
});

describe('detectFormat', () => {
  const detect = (file: string) => detectFormat(sample(file), readFileSync(sample(file)).subarray(0, 64 * 1024));

  it('tells every shared sample by its content', () => {
    assert.equal(detect('cloudphysics-io/cloudPhysicsIO.vscsi'), 'vscsi');
    assert.equal(detect('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin'), 'oracle-general');
    assert.equal(detect('cloudphysics-io/cloudPhysicsIO.csv'), 'csv');
    assert.equal(detect('elastic-apache-semicomplete/apache_logs'), 'clf');
    for (const file of [
      'meta-cachelib-samples/meta_cdn_short_bigcache_traces.csv',
      'meta-cachelib-samples/meta_cdn_bigcache.csv',
      'meta-cachelib-samples/meta_tectonic_block_traces_1.csv',
      'meta-cachelib-samples/meta_tectonic_block_traces_2.csv',
      'meta-cachelib-samples/meta_kv_traces_1.csv',
      'meta-cachelib-samples/meta_kv_traces_2.csv',
      'meta-cachelib-samples/twitter_sample.csv',
      'msr-systor-samples/msr-cambridge1-sample.csv',
      'msr-systor-samples/systor17-traces-sample.csv',
      'msr-systor-samples/systor17-additional-sample.csv',
      'tencent-cbs-sample/cloud_storage-sample.csv',
    ]) {
      assert.equal(detect(file), 'csv', file);
    }
    // Not traces Tiercast reads: ids without time, and a space-separated layout.
    assert.equal(detect('cloudphysics-io/cloudPhysicsIO.txt'), undefined);
    assert.equal(detect('tencent-photo-sample/cloud_photos-sample.txt'), undefined);
  });

  it('goes by content over the file name, and by the name when the content cannot tell', () => {
    const vscsi = readFileSync(sample('cloudphysics-io/cloudPhysicsIO.vscsi')).subarray(0, 64 * 1024);
    const oracle = readFileSync(sample('cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin')).subarray(0, 64 * 1024);
    assert.equal(detectFormat('trace.bin', vscsi), 'vscsi');
    assert.equal(detectFormat('trace.vscsi', oracle), 'oracle-general');
    const noise = new Uint8Array(96);
    noise.fill(0xab);
    noise[5] = 0;
    assert.equal(detectFormat('x.bin', noise), undefined);
    assert.equal(detectFormat('x.vscsi', noise), 'vscsi');
    assert.equal(detectFormat('x.oracleGeneral.bin', noise), 'oracle-general');
    assert.equal(detectFormat('x.csv', new Uint8Array(0)), undefined);
  });
});

describe('inTimeOrder', () => {
  const record = (at: number, objectId: string): TraceRecord => ({ at, objectId, sizeBytes: 1, op: 'read' });
  const all = async (source: AsyncIterable<TraceRecord>) => {
    const out: TraceRecord[] = [];
    for await (const r of source) out.push(r);
    return out;
  };
  // A fixed shuffle of times 0..19, with two records at time 7 in a known order.
  const times = [5, 17, 7, 2, 19, 11, 0, 14, 9, 3, 7, 18, 1, 12, 6, 16, 10, 4, 15, 13, 8];
  const shuffled = times.map((t, i) => record(t, `r${i}`));

  it('sorts a shuffled trace that fits in memory, keeping equal times in file order', async () => {
    const sorted = await all(inTimeOrder(shuffled, { maxBuffered: 21 }));
    assert.deepEqual(
      sorted.map((r) => r.at),
      [...times].sort((a, b) => a - b),
    );
    assert.deepEqual(
      sorted.filter((r) => r.at === 7).map((r) => r.objectId),
      ['r2', 'r10'],
    );
  });

  it('refuses a shuffled trace that does not fit, naming the first record that went back and how far', async () => {
    const error = await traceError(() => all(inTimeOrder(shuffled, { maxBuffered: 20, path: 'shuffled.csv' })));
    assert.equal(error.record, 3);
    assert.equal(error.path, 'shuffled.csv');
    assert.match(error.message, /^shuffled\.csv, record 3: the trace is not in time order: this record \(at 0\.007 s\) goes back 0\.01 s behind record 2 \(at 0\.017 s\)/);
    assert.match(error.message, /more than 20 records, too many to sort in memory/);
  });

  it('streams an ordered trace longer than the buffer, and refuses one that goes back later on', async () => {
    const ordered = Array.from({ length: 50 }, (_, i) => record(i * 1000, `o${i}`));
    assert.deepEqual(await all(inTimeOrder(ordered, { maxBuffered: 10 })), ordered);
    const late = [...ordered, record(30_500, 'late')];
    const error = await traceError(() => all(inTimeOrder(late, { maxBuffered: 10 })));
    assert.equal(error.record, 51);
    assert.match(error.problem, /goes back 18\.5 s behind record 50 \(at 49 s\)/);
  });
});
