#!/usr/bin/env node
// A real PostgreSQL server for tests and local scale-out runs, from Debian's binaries
// (package `postgresql-15`, which `postgresql` brings on Debian 12). Loopback only, on a free
// port (the last one again if still free); data (pid in data/postmaster.pid), log and port
// under `stateDir`, or under /var/tmp with a link from `stateDir` when the `postgres` user
// cannot enter `stateDir` (see serverHome). Role, password and database: tiercast.
//   node scripts/services/postgres.mjs up|down [stateDir]
// `up` prints the KEY=value settings (DATABASE_URL) that connect to it.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The major version the project is tested with; another installed major is used with a warning. */
export const PG_MAJOR = 15;
const INSTALL_HINT = `apt-get update && apt-get install -y postgresql (on Debian 12 that is PostgreSQL ${PG_MAJOR}; elsewhere name postgresql-${PG_MAJOR})`;
const SYSTEM_USER = 'postgres';
const ROLE = 'tiercast';
const PASSWORD = 'tiercast';
const DATABASE = 'tiercast';
const START_TIMEOUT_S = 60;
const START_ATTEMPTS = 3;

// A throwaway server for tests: durability against an OS crash buys nothing here and costs
// an fsync per commit (and per CREATE DATABASE), so it is switched off. Unix sockets are off
// so nothing depends on the length or permissions of the state folder's path.
const SERVER_SETTINGS = `
# --- tiercast test server ---
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_messages = warning
`;

/** The server's files, in `home`: the state folder, or the folder serverHome() chose instead. */
const paths = (home) => ({
  data: join(home, 'data'),
  log: join(home, 'postgres.log'),
  superuserPassword: join(home, 'superuser.password'),
  lastPort: join(home, 'port'),
});

export async function start({ stateDir }) {
  stateDir = resolve(stateDir);
  const bin = findBinDir();
  const home = serverHome(stateDir);
  const files = paths(home);
  if (!existsSync(join(files.data, 'PG_VERSION'))) await initCluster(bin, home);
  checkClusterMajor(bin, files.data);

  let port = await runningPort(bin, files.data);
  if (port === undefined) port = await startServer(bin, home);
  await waitUntilAccepting(bin, port);
  await ensureRoleAndDatabase(bin, home, port);
  return { env: { DATABASE_URL: `postgres://${ROLE}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}` } };
}

export async function stop({ stateDir }) {
  stateDir = resolve(stateDir);
  if (!existsSync(stateDir)) return;
  const home = serverHome(stateDir);
  const { data } = paths(home);
  if (!existsSync(join(data, 'PG_VERSION'))) return;
  const bin = findBinDir();
  if ((await runningPort(bin, data)) === undefined) return;
  // Fast: roll back open transactions and disconnect clients, then a clean shutdown.
  const result = await asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w', '-t', String(START_TIMEOUT_S)], home);
  if (result.status !== 0 && (await runningPort(bin, data)) !== undefined) {
    throw new Error(`pg_ctl stop failed: ${output(result)}`);
  }
}

/**
 * Runs a command to completion without blocking the event loop (the orchestrator starts the
 * other services meanwhile). Resolves to its exit status and output; never rejects.
 */
function run(command, args, { cwd, input, env } = {}) {
  return new Promise((resolveRun) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', (error) => resolveRun({ status: null, stdout, stderr, error }));
    child.on('close', (status) => resolveRun({ status, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

// Binaries ----------------------------------------------------------------------------------

function findBinDir() {
  const complete = (dir) => dir && ['initdb', 'pg_ctl', 'postgres', 'psql', 'pg_isready'].every((b) => existsSync(join(dir, b)));
  const candidates = [process.env.TIERCAST_PG_BINDIR, `/usr/lib/postgresql/${PG_MAJOR}/bin`];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  if (existsSync('/usr/lib/postgresql')) {
    const majors = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  const found = candidates.find(complete);
  if (!found) {
    throw new Error(`PostgreSQL server binaries (initdb, pg_ctl, postgres) not found; install them: ${INSTALL_HINT}`);
  }
  const major = majorOf(found);
  if (major !== undefined && major !== PG_MAJOR) {
    console.error(`warning: using PostgreSQL ${major} from ${found}; Tiercast is tested with ${PG_MAJOR}`);
  }
  return found;
}

function majorOf(bin) {
  const result = spawnSync(join(bin, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
  const match = /(\d+)(?:\.\d+)?/.exec(result.stdout ?? '');
  return match ? Number(match[1]) : undefined;
}

function checkClusterMajor(bin, data) {
  const clusterMajor = Number(readFileSync(join(data, 'PG_VERSION'), 'utf8').trim());
  const binMajor = majorOf(bin);
  if (binMajor !== undefined && clusterMajor !== binMajor) {
    throw new Error(`the data in ${data} was made by PostgreSQL ${clusterMajor} but the binaries are ${binMajor}; stop it and remove that folder to start afresh`);
  }
}

// Running as the postgres system user ---------------------------------------------------------

const isRoot = () => process.getuid?.() === 0;

/** postgres refuses to run as root, so as root the server and initdb run as `postgres`. */
function asPostgres(command, args, cwd) {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', SYSTEM_USER, '--', command, ...args]] : [command, args];
  return run(cmd, argv, { cwd });
}

function systemUserIds() {
  const uid = spawnSync('id', ['-u', SYSTEM_USER], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', SYSTEM_USER], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function ensureSystemUser() {
  let ids = systemUserIds();
  if (ids) return ids;
  const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SYSTEM_USER], {
    encoding: 'utf8',
  });
  ids = systemUserIds();
  if (!ids) throw new Error(`could not create the system user '${SYSTEM_USER}' that runs PostgreSQL: ${output(created)}`);
  return ids;
}

/**
 * The folder for the server's files, owned by the postgres user: the state folder itself,
 * unless that lies under a folder the postgres user may not enter (a clone under /root).
 * Then a folder of its own under /var/tmp, named after the state folder (so `stop` finds
 * it again), with a link to it in the state folder.
 */
function serverHome(stateDir) {
  mkdirSync(stateDir, { recursive: true });
  if (!isRoot()) return stateDir;
  const { uid, gid } = ensureSystemUser();
  chownSync(stateDir, uid, gid);
  if (writableByPostgres(stateDir)) return stateDir;
  const home = join('/var/tmp', `tiercast-postgres-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chownSync(home, uid, gid);
  if (!writableByPostgres(home)) throw new Error(`the '${SYSTEM_USER}' user can write neither to ${stateDir} nor to ${home}`);
  const link = join(stateDir, 'server');
  if (!existsSync(link)) symlinkSync(home, link);
  return home;
}

function writableByPostgres(dir) {
  return spawnSync('runuser', ['-u', SYSTEM_USER, '--', 'test', '-w', dir]).status === 0;
}

// Cluster ---------------------------------------------------------------------------------------

async function initCluster(bin, home) {
  const files = paths(home);
  // Password auth over TCP, also for the superuser: a wrong DATABASE_URL fails like it would
  // against a real deployment instead of being let in by `trust`.
  writeFileSync(files.superuserPassword, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  if (isRoot()) {
    const { uid, gid } = ensureSystemUser();
    chownSync(files.superuserPassword, uid, gid);
  }
  const result = await asPostgres(
    join(bin, 'initdb'),
    ['-D', files.data, '-U', 'postgres', '--pwfile', files.superuserPassword, '--auth-host=scram-sha-256', '--auth-local=peer', '--encoding=UTF8', '--no-locale', '--no-instructions'],
    home,
  );
  if (result.status !== 0) throw new Error(`initdb failed: ${output(result)}`);
  appendFileSync(join(files.data, 'postgresql.conf'), SERVER_SETTINGS);
}

/** The port of the server running on `data`, or undefined if none is. */
async function runningPort(bin, data) {
  const status = await asPostgres(join(bin, 'pg_ctl'), ['status', '-D', data], undefined);
  if (status.status !== 0) return undefined;
  // postmaster.pid: pid, data dir, start time, port, ...
  const lines = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n');
  return Number(lines[3]);
}

async function startServer(bin, home) {
  const files = paths(home);
  let lastFailure = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    // The last run's port if it is still free, so a restart keeps the URL others were given;
    // another process may take a free port before postgres binds it: then try another.
    const port = (attempt === 1 && (await lastPortIfFree(files.lastPort))) || (await freePort());
    const result = await asPostgres(
      join(bin, 'pg_ctl'),
      ['start', '-D', files.data, '-l', files.log, '-w', '-t', String(START_TIMEOUT_S), '-o', `-p ${port}`],
      home,
    );
    if (result.status === 0) {
      writeFileSync(files.lastPort, `${port}\n`);
      return port;
    }
    lastFailure = `${output(result)}\n${logTail(files.log)}`;
    if (!/could not bind|address already in use/i.test(lastFailure)) break;
  }
  throw new Error(`PostgreSQL did not start: ${lastFailure}`);
}

async function lastPortIfFree(file) {
  const port = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : NaN;
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return (await freePort(port).catch(() => undefined)) === port ? port : undefined;
}

/** `wanted` if it can be bound on loopback now, or any free port when `wanted` is 0. */
function freePort(wanted = 0) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(wanted, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitUntilAccepting(bin, port) {
  const deadline = Date.now() + START_TIMEOUT_S * 1000;
  for (;;) {
    const ready = await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2']);
    if (ready.status === 0) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL on port ${port} did not accept connections within ${START_TIMEOUT_S} s: ${output(ready)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the application's role (allowed to create databases, for per-test ones) and database once. */
async function ensureRoleAndDatabase(bin, home, port) {
  const sql = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
    CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}';
  END IF;
END $$;
SELECT 'CREATE DATABASE ${DATABASE} OWNER ${ROLE}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${DATABASE}') \\gexec
`;
  const result = await run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1'], {
    input: sql,
    env: { ...process.env, PGPASSWORD: readFileSync(paths(home).superuserPassword, 'utf8').trim(), PGCONNECT_TIMEOUT: '10' },
  });
  if (result.status !== 0) throw new Error(`creating role and database '${DATABASE}' failed: ${output(result)}`);
}

function output(result) {
  return `${result.error?.message ?? ''}${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}

function logTail(path) {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
}

// Alone: node scripts/services/postgres.mjs up|down [stateDir] -----------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [command, dir] = process.argv.slice(2);
  const stateDir = dir ?? join(new URL('../..', import.meta.url).pathname, '.services', 'postgres');
  try {
    if (command === 'up') {
      const { env } = await start({ stateDir });
      for (const [key, value] of Object.entries(env)) console.log(`${key}=${value}`);
    } else if (command === 'down') {
      await stop({ stateDir });
    } else {
      console.error('usage: node scripts/services/postgres.mjs up|down [stateDir]');
      process.exitCode = 2;
    }
  } catch (error) {
    console.error(`postgres: ${error.message}`);
    process.exitCode = 1;
  }
}
