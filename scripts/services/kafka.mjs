#!/usr/bin/env node
// A real Apache Kafka broker for development and tests: a single KRaft node (broker and
// controller in one JVM, no ZooKeeper) on loopback, with its data and logs under stateDir.
//
//   node scripts/services/kafka.mjs up|down|restart [--state-dir DIR]   (default .services/kafka)
//
// `up` prints KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:<port>. The broker jars come from Maven
// Central through scripts/services/kafka/pom.xml and are cached once per version in
// $TIERCAST_KAFKA_CACHE (default ~/.cache/tiercast/kafka-<version>). Stopping and starting
// again on the same stateDir keeps topics, messages, committed offsets and the port.
//
// Service module contract (scripts/services/<name>.mjs): start({ stateDir }) → { env },
// stop({ stateDir }); both idempotent.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const templateDir = join(here, 'kafka');
const POM = join(templateDir, 'pom.xml');
/** The one place the version is written down is the pom; read it from there. */
const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'))?.[1] ?? 'unknown';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
// The machine has 2 cores and the broker shares them with the tests: a small heap and
// few threads (see server.properties) are plenty for one developer's traffic.
const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

export function jarCacheDir() {
  return process.env.TIERCAST_KAFKA_CACHE ?? join(homedir(), '.cache', 'tiercast', `kafka-${KAFKA_VERSION}`);
}

/**
 * Starts the broker (or finds it running) and resolves once it answers a metadata request.
 * @param {{ stateDir: string }} options
 * @returns {Promise<{ env: Record<string, string> }>}
 */
export async function start({ stateDir }) {
  const paths = layout(stateDir);
  mkdirSync(paths.logs, { recursive: true });
  const running = runningPid(paths);
  if (running) {
    const state = readState(paths);
    if (state && (await answers(state.brokerPort, 15_000))) return envOf(state);
    // A JVM of ours that does not answer: replace it rather than hand out a dead address.
    await stop({ stateDir });
  }

  const libs = await ensureJars();
  const state = await chooseState(paths);
  writeFileSync(paths.properties, renderProperties(state, paths));
  if (!existsSync(join(paths.data, 'meta.properties'))) format(libs, state, paths);

  const out = openSync(paths.stdout, 'a');
  const child = spawn(
    javaBinary(),
    [
      ...JVM_OPTIONS,
      `-Dkafka.logs.dir=${paths.logs}`,
      `-Dlog4j2.configurationFile=${join(templateDir, 'log4j2.xml')}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      paths.properties,
    ],
    { detached: true, stdio: ['ignore', out, out], cwd: stateDir },
  );
  closeSync(out);
  writeFileSync(paths.pid, `${child.pid}\n`);
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));
  child.unref();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(state.brokerPort, 2_000))) {
    if (exited) throw startFailure(`the broker process ended (${exited}) before it answered`, paths);
    if (Date.now() > deadline) {
      await stop({ stateDir });
      throw startFailure(`the broker did not answer on 127.0.0.1:${state.brokerPort} within ${READY_TIMEOUT_MS / 1000} s`, paths);
    }
    await sleep(250);
  }
  return envOf(state);
}

/**
 * Stops the broker of this stateDir (SIGTERM: a controlled shutdown that flushes the log),
 * SIGKILL after 30 s. Keeps the data, so a later start() resumes with every message.
 * @param {{ stateDir: string }} options
 */
export async function stop({ stateDir }) {
  const paths = layout(stateDir);
  const pid = runningPid(paths);
  if (pid) {
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isOurBroker(pid, paths) && Date.now() < deadline) await sleep(100);
    if (isOurBroker(pid, paths)) {
      signal(pid, 'SIGKILL');
      while (isOurBroker(pid, paths)) await sleep(50);
    }
  }
  rmSync(paths.pid, { force: true });
}

/** Stop then start on the same stateDir: same data, same port (unless something took it). */
export async function restart({ stateDir }) {
  await stop({ stateDir });
  return start({ stateDir });
}

function layout(stateDir) {
  const root = resolve(stateDir);
  return {
    root,
    data: join(root, 'data'),
    logs: join(root, 'logs'),
    stdout: join(root, 'logs', 'stdout.log'),
    properties: join(root, 'server.properties'),
    state: join(root, 'state.json'),
    pid: join(root, 'kafka.pid'),
  };
}

function envOf(state) {
  return { env: { KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${state.brokerPort}` } };
}

function readState(paths) {
  try {
    return JSON.parse(readFileSync(paths.state, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Keeps the cluster id and the ports of an earlier start, so clients reconnect to the same address. */
async function chooseState(paths) {
  const previous = readState(paths);
  const state = {
    clusterId: previous?.clusterId ?? clusterId(),
    brokerPort: previous?.brokerPort && (await portIsFree(previous.brokerPort)) ? previous.brokerPort : await freePort(),
    controllerPort: 0,
  };
  state.controllerPort =
    previous?.controllerPort && previous.controllerPort !== state.brokerPort && (await portIsFree(previous.controllerPort))
      ? previous.controllerPort
      : await freePort([state.brokerPort]);
  writeFileSync(paths.state, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}

/** Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding (22 characters). */
function clusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // a leading '-' reads as an option on the tools' command line
  }
}

function renderProperties(state, paths) {
  const template = readFileSync(join(templateDir, 'server.properties'), 'utf8');
  return template
    .replaceAll('{{BROKER_PORT}}', String(state.brokerPort))
    .replaceAll('{{CONTROLLER_PORT}}', String(state.controllerPort))
    .replaceAll('{{LOG_DIRS}}', paths.data);
}

/** `kafka-storage.sh format`: writes meta.properties and the bootstrap metadata once per data dir. */
function format(libs, state, paths) {
  mkdirSync(paths.data, { recursive: true });
  const result = spawnSync(
    javaBinary(),
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${join(templateDir, 'log4j2.xml')}`,
      `-Dkafka.logs.dir=${paths.logs}`,
      '-cp',
      `${libs}/*`,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      state.clusterId,
      '--config',
      paths.properties,
      '--ignore-formatted',
    ],
    { encoding: 'utf8', cwd: paths.root },
  );
  if (result.status !== 0) {
    throw new Error(
      `formatting the Kafka log dir ${paths.data} failed (${result.error?.message ?? `exit code ${result.status}`}):\n${result.stdout}${result.stderr}`,
    );
  }
}

/**
 * Copies kafka_2.13 and its runtime dependencies from Maven Central into the cache once
 * (`mvn dependency:copy-dependencies`); later starts reuse them. A fetch that fails half
 * way leaves no "complete" marker, so the next start fetches again.
 */
async function ensureJars() {
  const cache = jarCacheDir();
  const libs = join(cache, 'libs');
  const marker = join(cache, 'complete');
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === KAFKA_VERSION) return libs;
  mkdirSync(cache, { recursive: true });
  const staging = join(cache, `libs.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  const mvn = spawnSync('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'], {
    encoding: 'utf8',
  });
  if (mvn.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    const why = mvn.error ? `${mvn.error.message} (is Maven installed? apt-get install maven)` : `exit code ${mvn.status}`;
    throw new Error(`fetching the Kafka ${KAFKA_VERSION} broker jars with Maven failed: ${why}\n${mvn.stdout}${mvn.stderr}`);
  }
  if (!readdirSync(staging).some((name) => name.startsWith('kafka_2.13-'))) {
    throw new Error(`Maven finished but ${staging} holds no kafka_2.13 jar`);
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(marker, `${KAFKA_VERSION}\n`);
  process.stderr.write(`kafka: fetched the ${KAFKA_VERSION} broker jars into ${libs} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return libs;
}

function javaBinary() {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** The pid in the pid file if that process is alive and is this stateDir's broker (not a reused pid). */
function runningPid(paths) {
  let pid;
  try {
    pid = Number.parseInt(readFileSync(paths.pid, 'utf8'), 10);
  } catch {
    return undefined;
  }
  return Number.isInteger(pid) && isOurBroker(pid, paths) ? pid : undefined;
}

function isOurBroker(pid, paths) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('kafka.Kafka') || !cmdline.includes(paths.properties)) return false;
    // A killed JVM lingers as a zombie until its parent reaps it; it no longer holds anything.
    return !/^\d+ \([^)]*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** True once the broker answers a metadata request listing itself (so it is unfenced and serving). */
async function answers(port, timeoutMs) {
  const { Admin } = await import('@platformatic/kafka');
  const admin = new Admin({
    clientId: 'tiercast-services',
    bootstrapBrokers: [`127.0.0.1:${port}`],
    connectTimeout: Math.min(timeoutMs, 2_000),
    timeout: timeoutMs,
    retries: 0,
  });
  try {
    const metadata = await admin.metadata({ topics: [] });
    return metadata.brokers.size > 0;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

async function freePort(avoid = []) {
  for (;;) {
    const port = await new Promise((resolvePort, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port: chosen } = server.address();
        server.close(() => resolvePort(chosen));
      });
    });
    if (!avoid.includes(port)) return port;
  }
}

function startFailure(reason, paths) {
  const tail = (file) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-25).join('\n') : '(none)');
  return new Error(`Kafka did not start: ${reason}.\n--- ${paths.stdout} (last lines)\n${tail(paths.stdout)}\n--- see also ${join(paths.logs, 'server.log')}`);
}

// Runnable alone: node scripts/services/kafka.mjs up|down|restart [--state-dir DIR]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command = 'up', ...rest] = process.argv.slice(2);
  const at = rest.indexOf('--state-dir');
  const stateDir = at >= 0 && rest[at + 1] ? resolve(rest[at + 1]) : join(repo, '.services', 'kafka');
  const actions = {
    up: () => start({ stateDir }),
    down: () => stop({ stateDir }),
    restart: () => restart({ stateDir }),
  };
  if (!(command in actions)) {
    console.error(`usage: node scripts/services/kafka.mjs up|down|restart [--state-dir DIR]  (got '${command}')`);
    process.exit(2);
  }
  try {
    const started = Date.now();
    const result = await actions[command]();
    if (result?.env) for (const [key, value] of Object.entries(result.env)) console.log(`${key}=${value}`);
    process.stderr.write(`kafka ${command}: done in ${((Date.now() - started) / 1000).toFixed(1)} s (state in ${stateDir})\n`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
