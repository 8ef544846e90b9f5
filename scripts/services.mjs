#!/usr/bin/env node
// The real services of the scale-out deployment, on loopback and without Docker:
// PostgreSQL, Apache Kafka (KRaft) and an S3-protocol server, one module each in
// scripts/services/<name>.mjs, with their data, logs and pids under .services/<name>.
//
//   npm run services:up [-- name ...]     start them (all by default) and write .services.env
//   npm run services:down [-- name ...]   stop them; .services.env goes when all are down
//   npm run services:status               which ones answer, and where
//
// .services.env holds KEY=value lines of Tiercast's own variables (DATABASE_URL,
// KAFKA_BOOTSTRAP_SERVERS, MINIO_*, AWS_*). The tests read it; a shell can use it with
//   set -a; . ./.services.env; set +a
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SERVICES_ENV_FILE = join(REPO_ROOT, '.services.env');
export const SERVICE_NAMES = ['postgres', 'kafka', 's3'];

/** The variables each service writes, and the one whose address tells whether it answers. */
export const SERVICE_KEYS = {
  postgres: { keys: ['DATABASE_URL'], address: (env) => urlAddress(env.DATABASE_URL) },
  kafka: { keys: ['KAFKA_BOOTSTRAP_SERVERS'], address: (env) => env.KAFKA_BOOTSTRAP_SERVERS?.split(',')[0]?.trim() },
  s3: { keys: ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_ROOT_PASSWORD'], address: (env) => urlAddress(env.MINIO_ENDPOINT) },
};

export const stateDirOf = (name) => join(REPO_ROOT, '.services', name);

async function serviceModule(name) {
  if (!SERVICE_NAMES.includes(name)) throw new Error(`unknown service '${name}': use ${SERVICE_NAMES.join(', ')}`);
  return import(pathToFileURL(join(REPO_ROOT, 'scripts', 'services', `${name}.mjs`)).href);
}

/** KEY=value lines of .services.env (later keys win). */
export function readServicesEnv(path = SERVICES_ENV_FILE) {
  if (!existsSync(path)) return {};
  const values = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) values[match[1]] = match[2].trim();
  }
  return values;
}

/** Writes the settings of every service in `byService` (name → env), replacing the file atomically. */
export function writeServicesEnv(byService, path = SERVICES_ENV_FILE) {
  const lines = [
    '# Settings to connect to the local services, written by `npm run services:up`',
    `# (scripts/services.mjs) at ${new Date().toISOString()}. Tests read this file;`,
    '# a shell can load it with: set -a; . ./.services.env; set +a',
    '# `npm run services:down` stops the services and removes this file.',
  ];
  for (const name of [...SERVICE_NAMES, 'other']) {
    const env = byService[name];
    if (!env || Object.keys(env).length === 0) continue;
    const title = name === 'other' ? '# other settings' : `# ${name} (state in .services/${name})`;
    lines.push('', title, ...Object.entries(env).map(([key, value]) => `${key}=${value}`));
  }
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${lines.join('\n')}\n`);
  renameSync(temp, path);
}

/** Which service a variable belongs to (so a partial up or down keeps the others' lines). */
function serviceOfKey(key) {
  if (key === 'DATABASE_URL' || key.startsWith('PG')) return 'postgres';
  if (key.startsWith('KAFKA_')) return 'kafka';
  if (key.startsWith('MINIO_') || key.startsWith('AWS_')) return 's3';
  return 'other';
}

/** The settings already in .services.env, by service ('other' for keys of none). */
function servicesInFile(path = SERVICES_ENV_FILE) {
  const byService = {};
  for (const [key, value] of Object.entries(readServicesEnv(path))) {
    const name = serviceOfKey(key);
    (byService[name] ??= {})[key] = value;
  }
  return byService;
}

/**
 * Starts the named services (in parallel; each module is idempotent) and merges their
 * settings into .services.env. Resolves to { name: env }; rejects naming every service that
 * failed, after writing the settings of those that started.
 */
export async function servicesUp(names = SERVICE_NAMES, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const results = await Promise.allSettled(
    names.map(async (name) => {
      const started = Date.now();
      const { env } = await (await serviceModule(name)).start({ stateDir: stateDirOf(name) });
      log(`services: ${name} up in ${((Date.now() - started) / 1000).toFixed(1)} s (${SERVICE_KEYS[name].address(env) ?? '?'})`);
      return env;
    }),
  );
  const byService = servicesInFile();
  const failures = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') byService[names[i]] = result.value;
    else failures.push(`${names[i]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
  });
  if (Object.keys(byService).length > 0) writeServicesEnv(byService);
  if (failures.length > 0) throw new Error(`could not start ${failures.length} service(s):\n${failures.join('\n')}`);
  return Object.fromEntries(names.map((name) => [name, byService[name]]));
}

/** Stops the named services and takes their settings out of .services.env (the file goes when none is left). */
export async function servicesDown(names = SERVICE_NAMES, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const results = await Promise.allSettled(names.map(async (name) => (await serviceModule(name)).stop({ stateDir: stateDirOf(name) })));
  const byService = servicesInFile();
  const failures = [];
  results.forEach((result, i) => {
    if (result.status === 'fulfilled') {
      delete byService[names[i]];
      log(`services: ${names[i]} down`);
    } else {
      failures.push(`${names[i]}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
    }
  });
  if (SERVICE_NAMES.every((name) => !byService[name])) rmSync(SERVICES_ENV_FILE, { force: true });
  else writeServicesEnv(byService);
  if (failures.length > 0) throw new Error(`could not stop ${failures.length} service(s):\n${failures.join('\n')}`);
}

/** Whether each service named in .services.env (or the environment) accepts connections now. */
export async function servicesStatus(env = { ...readServicesEnv(), ...process.env }) {
  return Promise.all(
    SERVICE_NAMES.map(async (name) => {
      const address = SERVICE_KEYS[name].keys.every((key) => env[key]) ? SERVICE_KEYS[name].address(env) : undefined;
      return { name, address, answers: address ? await answers(address) : false };
    }),
  );
}

/** A TCP connection to host:port succeeds within `timeoutMs`. */
export function answers(address, timeoutMs = 1_000) {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function urlAddress(value) {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    const port = url.port || (url.protocol === 'https:' ? '443' : url.protocol.startsWith('postgres') ? '5432' : '80');
    return `${url.hostname}:${port}`;
  } catch {
    return undefined;
  }
}

// Command line ---------------------------------------------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, ...names] = process.argv.slice(2);
  const selected = names.length > 0 ? names : SERVICE_NAMES;
  try {
    const unknown = selected.filter((n) => !SERVICE_NAMES.includes(n));
    if (unknown.length > 0) throw new Error(`unknown service(s) ${unknown.join(', ')}: use ${SERVICE_NAMES.join(', ')}`);
    if (command === 'up') {
      await servicesUp(selected);
      console.log(`settings written to ${SERVICES_ENV_FILE}:`);
      console.log(readFileSync(SERVICES_ENV_FILE, 'utf8').split('\n').filter((l) => /^[A-Z]/.test(l)).join('\n'));
    } else if (command === 'down') {
      await servicesDown(selected);
    } else if (command === 'status') {
      const status = await servicesStatus();
      for (const s of status) console.log(`${s.name.padEnd(9)} ${s.answers ? 'up  ' : 'down'}  ${s.address ?? '(not in .services.env)'}`);
      process.exitCode = status.every((s) => s.answers) ? 0 : 1;
    } else {
      console.error('usage: node scripts/services.mjs up|down|status [postgres|kafka|s3 ...]');
      process.exitCode = 2;
    }
  } catch (error) {
    console.error(`services ${command}: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
