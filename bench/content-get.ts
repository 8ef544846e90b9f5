/**
 * Benchmark: GET /api/objects/{id}/content of a 4 KiB object under load — requests per
 * second and latency percentiles. Prints figures only.
 *
 *   node --import tsx bench/content-get.ts [--duration-s 10] [--connections 32]
 *        [--warmup-s 1] [--size 4096] [--no-build] [--profile DIR]
 *   (--profile: the server runs with node --cpu-prof and writes its profile into DIR on exit)
 *
 * Runs `npm run build` (skip with --no-build; an existing dist/ is used if the build
 * fails), starts the real server as a child process (`node bin/tiercast.js serve` on a
 * free loopback port, fresh temp data dir, cwd in that dir so no tiercast.config.json is
 * picked up), ingests one object over HTTP, then drives it with autocannon from this
 * process. Both share the machine's cores, so the figures are for load generator and
 * server together on one host.
 *
 * Every GET counts as one access, so within the first second the reactive policy sees a
 * spike and promotes the object public → onprem: the run measures reads served first from
 * `public` and then from `onprem` (both folders here), with the migration happening under
 * load — as it would in production. The tier before and after and the migrations are
 * printed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got '${argv[i + 1]}'`);
  return value;
}

function ensureBuilt(skip: boolean): void {
  const cli = join(REPO, 'dist', 'cli', 'main.js');
  if (!skip) {
    console.log('building (npm run build)…');
    const build = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8' });
    if (build.status !== 0) {
      if (!existsSync(cli)) throw new Error(`npm run build failed and there is no dist/ to fall back on:\n${build.stdout}${build.stderr}`);
      console.log('note: npm run build failed; using the dist/ already there:\n' + (build.stdout + build.stderr).trim().split('\n').slice(-5).join('\n'));
    }
  }
  if (!existsSync(cli)) throw new Error('dist/ is missing: run npm run build');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(base: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode} before answering`);
    try {
      const response = await fetch(`${base}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server did not answer /api/health within ${timeoutMs / 1000} s`);
}

/** utime + stime of a process in seconds, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ": state is field 3, utime field 14, stime field 15 (1-based) → indexes 11, 12.
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface ObjectJson {
  object_id: string;
  current_tier: string;
  access_count: number;
}

interface MigrationJson {
  source_tier: string;
  destination_tier: string;
  status: string;
  reason: string;
  timestamp: string;
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => server.kill('SIGKILL'), 10_000);
    server.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.kill('SIGTERM');
  });
}

const argv = process.argv.slice(2);
const durationS = arg(argv, 'duration-s', 10);
const connections = arg(argv, 'connections', 32);
const warmupS = arg(argv, 'warmup-s', 1);
const size = arg(argv, 'size', 4096);

ensureBuilt(argv.includes('--no-build'));
const dir = await mkdtemp(join(tmpdir(), 'tiercast-bench-content-'));
const port = await freePort();
const base = `http://${HOST}:${port}`;
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TIERCAST_')));
env.TIERCAST_LOG_FORMAT = 'json';
const serverLog: string[] = [];
const profileAt = argv.indexOf('--profile');
const profile = profileAt >= 0 ? ['--cpu-prof', '--cpu-prof-dir', argv[profileAt + 1]!] : [];
const server = spawn(process.execPath, [...profile, join(REPO, 'bin', 'tiercast.js'), 'serve', '--host', HOST, '--port', String(port), '--data-dir', join(dir, 'data')], {
  cwd: dir,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
const keep = (d: Buffer) => {
  serverLog.push(...d.toString().split('\n').filter(Boolean));
  if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
};
server.stdout!.on('data', keep);
server.stderr!.on('data', keep);
const hardStop = setTimeout(() => {
  console.error('content-get: still running after its time limit; stopping');
  server.kill('SIGKILL');
  void rm(dir, { recursive: true, force: true }).finally(() => process.exit(1));
}, (durationS + warmupS + 90) * 1000);
hardStop.unref();

try {
  await waitHealthy(base, server, 20_000);
  const body = randomBytes(size);
  const created = await fetch(`${base}/api/objects?name=bench-${size}.bin`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body,
  });
  if (created.status !== 201) throw new Error(`ingest failed: ${created.status} ${await created.text()}`);
  const object = (await created.json()) as ObjectJson;
  const url = `${base}/api/objects/${object.object_id}/content`;
  const check = await fetch(url);
  const checkBody = Buffer.from(await check.arrayBuffer());
  if (check.status !== 200 || !checkBody.equals(body)) throw new Error(`GET content returned ${check.status}, ${checkBody.length} bytes (expected ${size})`);
  console.log(`GET ${url}\n${size} bytes, ingested into '${object.current_tier}'; server pid ${server.pid}; ${connections} connections`);

  if (warmupS > 0) {
    const warm = await autocannon({ url, connections, duration: warmupS });
    const tier = (await getJson<ObjectJson>(`${base}/api/objects/${object.object_id}`)).current_tier;
    console.log(`warm-up ${warmupS} s: ${Math.round(warm.requests.average).toLocaleString('en-US')} req/s, object now in '${tier}'`);
  }
  const tierBefore = (await getJson<ObjectJson>(`${base}/api/objects/${object.object_id}`)).current_tier;
  const serverCpu0 = cpuSecondsOf(server.pid!);
  const ownCpu0 = process.cpuUsage();
  const result = await autocannon({ url, connections, duration: durationS });
  const ownCpu = process.cpuUsage(ownCpu0);
  const serverCpu1 = cpuSecondsOf(server.pid!);
  const after = await getJson<ObjectJson>(`${base}/api/objects/${object.object_id}`);
  const migrations = await getJson<{ migrations: MigrationJson[] }>(`${base}/api/migrations?object_id=${object.object_id}`);

  const rows: Array<[string, string]> = [
    ['duration', `${result.duration.toFixed(1)} s, ${result.connections} connections, pipelining ${result.pipelining}`],
    ['requests', `${result.requests.total.toLocaleString('en-US')} (${result['2xx'].toLocaleString('en-US')} 2xx)`],
    ['req/s', `${Math.round(result.requests.average).toLocaleString('en-US')} mean (per-second min ${result.requests.min.toLocaleString('en-US')}, max ${result.requests.max.toLocaleString('en-US')})`],
    ['latency p50', `${result.latency.p50} ms`],
    ['latency p90', `${result.latency.p90} ms`],
    ['latency p99', `${result.latency.p99} ms`],
    ['latency max', `${result.latency.max} ms (mean ${result.latency.average.toFixed(2)} ms)`],
    ['errors', `${result.errors} (timeouts ${result.timeouts}, non-2xx ${result.non2xx})`],
    ['throughput', `${(result.throughput.average / 1024 / 1024).toFixed(1)} MiB/s of responses`],
    [
      'CPU used',
      `server ${serverCpu0 === undefined || serverCpu1 === undefined ? '?' : `${(serverCpu1 - serverCpu0).toFixed(1)} s`}, ` +
        `load generator ${((ownCpu.user + ownCpu.system) / 1e6).toFixed(1)} s, over ${result.duration.toFixed(1)} s wall on 2 cores`,
    ],
    ['object tier', `'${tierBefore}' at the start of the measured run → '${after.current_tier}' at the end; access_count ${after.access_count.toLocaleString('en-US')}`],
    [
      'migrations',
      migrations.migrations.map((m) => `${m.source_tier} → ${m.destination_tier} ${m.status} (${m.reason})`).join('; ') || 'none',
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
} catch (error) {
  console.error(`content-get failed: ${(error as Error).message}\nlast server output:\n${serverLog.slice(-20).join('\n')}`);
  process.exitCode = 1;
} finally {
  await stopServer(server);
  await rm(dir, { recursive: true, force: true });
  clearTimeout(hardStop);
}
