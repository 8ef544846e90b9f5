/**
 * Benchmark: migration of one large object between two folder tiers on the same disk, as a
 * ratio to `cp` of the same file (issue target ≥ 0.7), and the migrating process's peak RSS
 * (issue target < 200 MB, independent of the object's size). Prints figures only.
 *
 *   node --import tsx bench/migration-throughput.ts [--size-mib 1024] [--small-mib 256]
 *        [--cp-runs 2] [--runtime dist|tsx] [--child-timeout-s 300]
 *        [--profile DIR]   (CPU profile of each migration process, node --cpu-prof)
 *
 * For each size (1 GiB, then 256 MiB to show RSS does not grow with size):
 *  1. writes a source file (a random 16 MiB buffer repeated) and ingests it into tier
 *     `public` with app.objects.ingest from a file stream, in a child process;
 *  2. for verify = 'reread' (default) and 'stream': starts a fresh child process on the
 *     same data dir that plans a manual migration to the other folder tier (public →
 *     private, then back), polls the catalog every 20 ms until 'completed', and reports the
 *     time and its process.resourceUsage().maxRSS. Only the migration runs in that process
 *     (the ingest had its own), so maxRSS is the migration's peak;
 *  3. copies the stored file with `cp` to another path on the same disk, twice, and keeps
 *     the best; also times `cp` followed by an fsync of the copy (`sync FILE`), since a
 *     migration fsyncs before it switches and plain `cp` returns with the data still in the
 *     page cache.
 * Nothing is dropped from the page cache. Before each timed step `sync` writes back dirty
 * pages left by the previous step, and `fincore` reports how much of the file being read is
 * already cached ("warm"). All temp files are removed at the end, also on failure or Ctrl-C.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MiB = 1024 * 1024;
const REPO = fileURLToPath(new URL('..', import.meta.url));
const OBJECT_ID = 'bench-large-object';

// ---------------------------------------------------------------------------------------
// Child side: one process per step, so that maxRSS belongs to that step alone. It is plain
// JavaScript run with `node --input-type=module -e`, importing either the compiled service
// (dist/, plain node: what `tiercast serve` runs; the default) or the sources through tsx
// (--runtime tsx; tsx's loader adds about 60 MB of RSS of its own).

interface IngestResult {
  ms: number;
  tier: string;
  path: string;
  sizeBytes: number;
}

interface MigrateResult {
  ms: number;
  status: string;
  from: string;
  to: string;
  path: string;
  /** ms since the plan at which each status was first seen (20 ms polling). */
  phases: Record<string, number>;
  /** RSS once the app is started, before the migration, KiB. */
  rssBeforeKiB: number;
  /** process.resourceUsage().maxRSS at the end, KiB. */
  maxRssKiB: number;
  error: string | null;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

const CHILD_PROGRAM = String.raw`
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [modulesBase, ext, step, dataDir, verify, source, objectId] = JSON.parse(process.env.TIERCAST_BENCH_ARGS);
const { createTiercast } = await import(modulesBase + 'app' + ext);
const { loadConfig } = await import(modulesBase + 'config/load' + ext);
const { createLogger } = await import(modulesBase + 'log' + ext);
const { isTerminal } = await import(modulesBase + 'domain/migration' + ext);
const configFile = dataDir + '.config.json';
writeFileSync(configFile, JSON.stringify({ dataDir, reactive: { enabled: false }, migration: { verify }, logLevel: 'silent' }));
const app = await createTiercast(loadConfig({ configFile }, {}), { log: createLogger('silent'), timers: false });
await app.start();
const storedPath = (tier, key) => join(app.tiers.backend(tier).root, key);
let result;
try {
  if (step === 'ingest') {
    const t0 = performance.now();
    const object = await app.objects.ingest({ body: createReadStream(source, { highWaterMark: 1024 * 1024 }), objectId, tier: 'public' });
    result = { ms: performance.now() - t0, tier: object.tier, path: storedPath(object.tier, object.storageKey), sizeBytes: object.sizeBytes };
  } else {
    const object = await app.catalog.getObject(objectId);
    const to = object.tier === 'public' ? 'private' : 'public';
    const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
    const t0 = performance.now();
    const planned = await app.planner.planManual(object, to, null);
    let migration = planned;
    const phases = { planned: 0 };
    while (!isTerminal(migration.status)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      migration = await app.catalog.getMigration(planned.id);
      phases[migration.status] ??= Math.round(performance.now() - t0);
    }
    const ms = performance.now() - t0;
    const after = await app.catalog.getObject(objectId);
    result = { ms, status: migration.status, from: object.tier, to, path: storedPath(after.tier, after.storageKey), phases, rssBeforeKiB, maxRssKiB: 0, error: migration.error };
  }
} finally {
  await app.stop();
}
if (step !== 'ingest') result.maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
`;

type Runtime = 'dist' | 'tsx';

interface ChildStep {
  step: 'ingest' | 'migrate';
  dataDir: string;
  verify?: string;
  source?: string;
}

// ---------------------------------------------------------------------------------------
// Parent side.

/** When set, migration children write CPU profiles (node --cpu-prof) into this folder. */
let profileDir: string | undefined;

function runChild<T>(runtime: Runtime, step: ChildStep, timeoutMs: number): Promise<T> {
  const base = pathToFileURL(join(REPO, runtime === 'dist' ? 'dist' : 'src') + '/').href;
  const env = {
    ...process.env,
    TIERCAST_BENCH_ARGS: JSON.stringify([base, runtime === 'dist' ? '.js' : '.ts', step.step, step.dataDir, step.verify ?? 'reread', step.source ?? '', OBJECT_ID]),
  };
  const profile = profileDir && step.step === 'migrate' ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `migrate-${step.verify}-${Date.now()}.cpuprofile`] : [];
  const nodeArgs = [...profile, ...(runtime === 'tsx' ? ['--import', 'tsx'] : []), '--input-type=module', '-e', CHILD_PROGRAM];
  const args = [step.step, step.verify ?? ''];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: REPO });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code === 0 && line) return resolve(JSON.parse(line.slice('RESULT '.length)) as T);
      reject(new Error(`child ${args.join(' ')} ended with ${signal ?? `code ${code}`}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs / 1000} s)` : ''}\n${err || out}`));
    });
  });
}

/** Percentage of the file resident in the page cache, from util-linux fincore; undefined if unavailable. */
function cachedPercent(path: string, sizeBytes: number): number | undefined {
  const r = spawnSync('fincore', ['--bytes', '--noheadings', '--raw', '--output', 'RES', path], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const resident = Number(r.stdout.trim());
  return Number.isFinite(resident) ? (100 * resident) / sizeBytes : undefined;
}

const warmth = (pct: number | undefined) => (pct === undefined ? 'cache ?' : `${pct.toFixed(0)}% cached`);

function writeSourceFile(path: string, sizeBytes: number): void {
  const block = randomFillSync(Buffer.allocUnsafe(16 * MiB));
  const fd = openSync(path, 'w');
  try {
    for (let written = 0; written < sizeBytes; ) {
      const n = Math.min(block.length, sizeBytes - written);
      writeSync(fd, block, 0, n);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
}

const syncAll = () => execFileSync('sync');
const ms = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};

interface Row {
  sizeMiB: number;
  verify: string;
  migration: MigrateResult;
  migrationWarm: number | undefined;
  cpMs: number;
  cpFsyncMs: number;
  cpWarm: string;
}

/** Newest modification time of any .ts file under `dir`, ms. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** dist/ unless asked otherwise or missing; warns when dist/ looks older than src/. */
function chooseRuntime(requested: string | undefined): Runtime {
  if (requested === 'tsx') return 'tsx';
  const distApp = join(REPO, 'dist', 'app.js');
  if (!existsSync(distApp)) {
    console.log('note: dist/ not built (npm run build); running the migration from src/ through tsx, whose loader adds ~60 MB of RSS');
    return 'tsx';
  }
  if (statSync(distApp).mtimeMs < newestMtime(join(REPO, 'src'))) {
    console.log('note: dist/ is older than some file in src/; run `npm run build` to measure the current code');
  }
  return 'dist';
}

async function parent(argv: string[]): Promise<void> {
  const sizes = [Number(arg(argv, 'size-mib') ?? 1024), Number(arg(argv, 'small-mib') ?? 256)].filter((n) => n > 0);
  const childTimeoutMs = Number(arg(argv, 'child-timeout-s') ?? 300) * 1000;
  const cpRuns = Math.max(1, Number(arg(argv, 'cp-runs') ?? 2));
  const runtime = chooseRuntime(arg(argv, 'runtime'));
  profileDir = arg(argv, 'profile');
  const root = await mkdtemp(join(tmpdir(), 'tiercast-bench-migration-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  console.log(
    `migration throughput: folder tier → folder tier under ${root} (same disk), vs cp; service code from ${runtime === 'dist' ? 'dist/ (plain node)' : 'src/ (tsx)'}; ` +
      'targets: ratio ≥ 0.7, peak RSS < 200 MB',
  );
  const rows: Row[] = [];
  try {
    for (const sizeMiB of sizes) {
      const sizeBytes = sizeMiB * MiB;
      const source = join(root, `source-${sizeMiB}.bin`);
      const dataDir = join(root, `data-${sizeMiB}`);
      const tWrite = ms(() => writeSourceFile(source, sizeBytes));
      syncAll();
      const ingest = await runChild<IngestResult>(runtime, { step: 'ingest', dataDir, source }, childTimeoutMs);
      rmSync(source);
      console.log(
        `\n${sizeMiB} MiB: source written in ${(tWrite / 1000).toFixed(1)} s; ingested into '${ingest.tier}' in ${(ingest.ms / 1000).toFixed(1)} s ` +
          `(${(sizeMiB / (ingest.ms / 1000)).toFixed(0)} MiB/s)`,
      );
      let stored = ingest.path;
      for (const verify of ['reread', 'stream']) {
        syncAll();
        const migrationWarm = cachedPercent(stored, sizeBytes);
        const migration = await runChild<MigrateResult>(runtime, { step: 'migrate', dataDir, verify }, childTimeoutMs);
        stored = migration.path;
        const copy = join(root, 'cp-copy.bin');
        let cpMs = Infinity;
        let cpFsyncMs = Infinity;
        const warm: string[] = [];
        for (let trial = 0; trial < cpRuns; trial++) {
          syncAll();
          warm.push(warmth(cachedPercent(stored, sizeBytes)));
          const t0 = performance.now();
          execFileSync('cp', [stored, copy]);
          const t1 = performance.now();
          execFileSync('sync', [copy]);
          const t2 = performance.now();
          cpMs = Math.min(cpMs, t1 - t0);
          cpFsyncMs = Math.min(cpFsyncMs, t2 - t0);
          rmSync(copy);
        }
        rows.push({ sizeMiB, verify, migration, migrationWarm, cpMs, cpFsyncMs, cpWarm: warm.join(', ') });
        const phases = Object.entries(migration.phases).map(([status, at]) => `${status}@${at}`).join(' ');
        console.log(
          `  verify=${verify}: ${migration.from} → ${migration.to} ${migration.status} in ${(migration.ms / 1000).toFixed(2)} s ` +
            `(source ${warmth(migrationWarm)}; status first seen at ms: ${phases})` +
            (migration.error ? `; error: ${migration.error}` : ''),
        );
        console.log(`    cp best of ${cpRuns}: ${(cpMs / 1000).toFixed(2)} s (source ${warm.join(', ')}); cp + fsync of the copy: ${(cpFsyncMs / 1000).toFixed(2)} s`);
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const header = ['size', 'verify', 'migration s', 'to switched s', 'MiB/s', 'cp s', 'ratio cp/mig', 'cp+fsync s', 'ratio (cp+fsync)/mig', 'RSS before MB', 'peak RSS MB'];
  const table = rows.map((r) => [
    `${r.sizeMiB} MiB`,
    r.verify,
    (r.migration.ms / 1000).toFixed(2),
    r.migration.phases.switched === undefined ? '-' : (r.migration.phases.switched / 1000).toFixed(2),
    (r.sizeMiB / (r.migration.ms / 1000)).toFixed(0),
    (r.cpMs / 1000).toFixed(2),
    (r.cpMs / r.migration.ms).toFixed(2),
    (r.cpFsyncMs / 1000).toFixed(2),
    (r.cpFsyncMs / r.migration.ms).toFixed(2),
    (r.migration.rssBeforeKiB / 1024).toFixed(0),
    (r.migration.maxRssKiB / 1024).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  console.log('\n' + header.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const row of table) console.log(row.map((c, i) => c.padStart(widths[i]!)).join('  '));
  console.log(
    '\nmigration = plan → completed (copy, verify, switch, delete of the source copy); "to switched" = until the object reads from ' +
      'the destination. ratio = cp time / migration time (1.0 = as fast as cp; target ≥ 0.7). Peak RSS = maxRSS of a process that ran only the ' +
      `migration (${runtime === 'dist' ? 'node + compiled service' : 'node + tsx loader + service sources'} + SQLite); ` +
      '"RSS before" = that process just before the migration started. MB = MiB.',
  );
}

await parent(process.argv.slice(2));
