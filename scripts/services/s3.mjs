#!/usr/bin/env node
// A real S3-protocol server for tests and local scale-out runs: s3rver (npm, pinned in
// package-lock; tested with s3rver 3.7.1) as a detached Node process on loopback. Data, log,
// pid and port under `stateDir`, so a stop and a start on the same folder keep every object
// and come back on the same port (tests stop it mid-migration and start it again).
//   node scripts/services/s3.mjs up|down [stateDir]
// `up` prints the KEY=value settings that connect to it.
//
// s3rver is a test double of S3, not S3. Where it departs from S3 in ways Tiercast's tier
// conformance suite checks, the server process below corrects it, so tests judge our S3
// backend and not s3rver's shortcuts (MinIO and AWS S3 behave like the corrected server):
//  - puts write a temp file and rename it, so a reader sees the old or the new object, never
//    a half-written one, and concurrent puts to one key leave one whole version;
//  - ListObjectsV2 returns keys in S3's order (UTF-8 bytes), so start-after pages are exact
//    (s3rver walks folders, which puts 'a/b' before 'a-b');
//  - AbortMultipartUpload (DELETE ?uploadId) exists and removes the parts (s3rver: 405).
// Still unlike S3: s3rver checks the access key id but not the SigV4 signature, so a wrong
// secret with the right key id is accepted (a wrong key id is refused: InvalidAccessKeyId).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const S3RVER_TESTED_VERSION = '3.7.1';
export const BUCKETS = { private: 'tiercast-private', public: 'tiercast-public' };
/** Fixed local credentials: the server only listens on loopback. */
const ACCESS_KEY_ID = 'tiercast';
const SECRET_ACCESS_KEY = 'tiercast-local-secret';
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;
const SCRIPT = fileURLToPath(import.meta.url);

const paths = (stateDir) => ({
  data: join(stateDir, 'data'),
  log: join(stateDir, 's3rver.log'),
  pid: join(stateDir, 's3rver.pid'),
  port: join(stateDir, 's3rver.port'),
});

function envFor(port) {
  const endpoint = `http://${HOST}:${port}`;
  return {
    MINIO_ENDPOINT: endpoint,
    MINIO_ACCESS_KEY: ACCESS_KEY_ID,
    MINIO_ROOT_PASSWORD: SECRET_ACCESS_KEY,
    MINIO_BUCKET: BUCKETS.private,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_S3_BUCKET_NAME: BUCKETS.public,
    AWS_REGION: 'us-east-1',
  };
}

export async function start({ stateDir }) {
  stateDir = resolve(stateDir);
  const files = paths(stateDir);
  mkdirSync(files.data, { recursive: true });
  const running = runningPid(files.pid);
  if (running !== undefined) {
    const port = Number(readFileSync(files.port, 'utf8'));
    await waitUntilServing(port, running);
    return { env: envFor(port) };
  }
  let lastFailure;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    // The last port again if it is free, so clients made before a stop reach it after a start.
    const previous = existsSync(files.port) ? Number(readFileSync(files.port, 'utf8')) : undefined;
    const port = previous !== undefined && (await isFree(previous)) ? previous : await freePort();
    try {
      await launch(stateDir, port);
      return { env: envFor(port) };
    } catch (error) {
      lastFailure = error;
      if (!/EADDRINUSE/.test(error.message)) break;
    }
  }
  throw new Error(`s3rver did not start: ${lastFailure.message}`);
}

export async function stop({ stateDir }) {
  stateDir = resolve(stateDir);
  const files = paths(stateDir);
  const pid = runningPid(files.pid);
  if (pid !== undefined) {
    process.kill(pid, 'SIGTERM');
    if (!(await exited(pid, STOP_TIMEOUT_MS))) {
      process.kill(pid, 'SIGKILL');
      await exited(pid, STOP_TIMEOUT_MS);
    }
  }
  rmSync(files.pid, { force: true });
}

// Process management ---------------------------------------------------------------------------

async function launch(stateDir, port) {
  const files = paths(stateDir);
  const log = openSync(files.log, 'a');
  let child;
  try {
    // s3rver encrypts list continuation tokens with single DES, which OpenSSL 3 keeps in its legacy provider.
    child = spawn(process.execPath, ['--openssl-legacy-provider', SCRIPT, 'serve', stateDir, String(port)], { detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  let exit;
  child.once('exit', (code, signal) => (exit = signal ?? `code ${code}`));
  try {
    await waitUntilServing(port, child.pid, () => exit);
  } catch (error) {
    if (exit === undefined) child.kill('SIGKILL');
    throw new Error(`${error.message}\n${logTail(files.log)}`);
  }
  writeFileSync(files.pid, `${child.pid}\n`);
  writeFileSync(files.port, `${port}\n`);
  child.unref();
}

/** The pid in the pid file if that process is alive and is our server (not a reused pid). */
function runningPid(pidFile) {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(SCRIPT) && cmdline.includes('serve') ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exited(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Polls until the server answers HTTP; fails early if `exitReason()` reports the process ended. */
async function waitUntilServing(port, pid, exitReason = () => (alive(pid) ? undefined : 'exited')) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ended = exitReason();
    if (ended !== undefined) throw new Error(`s3rver (pid ${pid}) ended (${ended}) before serving on port ${port}`);
    if (await answers(port)) return;
    if (Date.now() > deadline) throw new Error(`s3rver (pid ${pid}) did not answer on port ${port} within ${START_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function answers(port) {
  return new Promise((resolveAnswer) => {
    const req = request({ host: HOST, port, path: '/', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolveAnswer(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveAnswer(false));
    req.end();
  });
}

function isFree(port) {
  return new Promise((resolveFree) => {
    const server = createServer();
    server.once('error', () => resolveFree(false));
    server.listen(port, HOST, () => server.close(() => resolveFree(true)));
  });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function logTail(path) {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').slice(-15).join('\n');
}

// The server process: node scripts/services/s3.mjs serve <stateDir> <port> ----------------------

const OBJECT_SUFFIX = '._S3rver_object';
const UPLOADS_FOLDER = '._S3rver_uploads';

async function serve(stateDir, port) {
  const require = createRequire(import.meta.url);
  const S3rver = require('s3rver');
  const AWSAccount = require('s3rver/lib/models/account.js');
  const S3Object = require('s3rver/lib/models/object.js');
  const { version } = require('s3rver/package.json');
  if (version !== S3RVER_TESTED_VERSION) console.error(`warning: s3rver ${version}; the corrections here were written for ${S3RVER_TESTED_VERSION}`);

  // Only Tiercast's local key pair: any other access key id is refused.
  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(ACCESS_KEY_ID, SECRET_ACCESS_KEY);

  const server = new S3rver({
    address: HOST,
    port,
    directory: paths(stateDir).data,
    silent: true,
    vhostBuckets: false,
    configureBuckets: Object.values(BUCKETS).map((name) => ({ name, configs: [] })),
  });
  const store = server.store;
  store.putObject = (object) => putObjectAtomically(store, object);
  store.listObjects = (bucket, options) => listObjectsInKeyOrder(store, S3Object, bucket, options);
  // Koa composes its middleware at listen(), so this runs before s3rver's router (which answers 405).
  server.middleware.unshift(abortMultipartUpload(store));
  const address = await server.run();
  console.log(`${new Date().toISOString()} s3rver ${version} serving ${paths(stateDir).data} on http://${address.address}:${address.port} (pid ${process.pid})`);
}

async function putObjectAtomically(store, object) {
  const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
  const temp = join(dirname(objectPath), `${basename(objectPath)}.tmp-${randomBytes(6).toString('hex')}`);
  await mkdir(dirname(objectPath), { recursive: true });
  const md5 = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(object.content)) {
      md5.update(object.content);
      size = object.content.length;
      await writeFile(temp, object.content);
    } else {
      const measure = new Transform({
        transform(chunk, _encoding, callback) {
          md5.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      // pipeline fails on a client that disconnects mid-body, so a cut upload stores nothing.
      await pipeline(object.content, measure, createWriteStream(temp));
    }
    await rename(temp, objectPath);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const digest = md5.digest('hex');
  await store.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}

/** Compares like S3: by UTF-8 bytes (JS `<` compares UTF-16 units). */
const byteOrder = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function objectKeys(folder, relative, out) {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (error.code === 'ENOENT') return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (relative === '' && entry.name === UPLOADS_FOLDER) continue;
      await objectKeys(join(folder, entry.name), `${relative}${entry.name}/`, out);
    } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
      out.push(relative + entry.name.slice(0, -OBJECT_SUFFIX.length));
    }
  }
}

async function listObjectsInKeyOrder(store, S3Object, bucket, options) {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
  const all = [];
  await objectKeys(store.getBucketPath(bucket), '', all);
  const keys = [];
  const commonPrefixes = new Set();
  for (const key of all.sort(byteOrder)) {
    if (!key.startsWith(prefix) || (startAfter && byteOrder(key, startAfter) <= 0)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut !== -1) commonPrefixes.add(key.slice(0, cut + delimiter.length));
    else keys.push(key);
  }
  const page = keys.slice(0, maxKeys);
  const withMetadata = await Promise.all(
    page.map(async (key) => {
      try {
        return [key, await store.getMetadata(bucket, key)];
      } catch (error) {
        if (error.code === 'ENOENT') return undefined; // deleted since the walk
        throw error;
      }
    }),
  );
  const objects = withMetadata.filter(Boolean).map(([key, metadata]) => new S3Object(bucket, key, null, metadata));
  return { objects, commonPrefixes: [...commonPrefixes].sort(byteOrder), isTruncated: objects.length > 0 && keys.length > page.length };
}

function abortMultipartUpload(store) {
  return async (ctx, next) => {
    if (ctx.method !== 'DELETE' || !('uploadId' in ctx.query)) return next();
    const bucket = decodeURIComponent(ctx.path.split('/')[1] ?? '');
    const uploadId = String(ctx.query.uploadId);
    const folder = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    if (!/^[A-Za-z0-9_-]+$/.test(uploadId) || !existsSync(folder)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`;
      return;
    }
    await rm(folder, { recursive: true, force: true });
    ctx.status = 204;
  };
}

// Alone: node scripts/services/s3.mjs up|down [stateDir] ------------------------------------------

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [command, dir, port] = process.argv.slice(2);
  const stateDir = dir ?? join(new URL('../..', import.meta.url).pathname, '.services', 's3');
  try {
    if (command === 'serve') {
      await serve(stateDir, Number(port));
    } else if (command === 'up') {
      const { env } = await start({ stateDir });
      for (const [key, value] of Object.entries(env)) console.log(`${key}=${value}`);
    } else if (command === 'down') {
      await stop({ stateDir });
    } else {
      console.error('usage: node scripts/services/s3.mjs up|down [stateDir]');
      process.exitCode = 2;
    }
  } catch (error) {
    console.error(`s3: ${error.message}`);
    process.exitCode = 1;
  }
}
