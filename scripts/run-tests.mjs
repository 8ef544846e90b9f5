#!/usr/bin/env node
// Runs every test file under test/ with node's built-in runner (through tsx).
// Node 20's `node --test` does not expand globs, so the file list is built here.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
//
// Tests that need a real service (skipUnless / requireService in test/helpers/services.ts)
// find it through .services.env. When a selected file needs a service that is neither in
// the environment nor answering at the address in .services.env, this script starts it
// (scripts/services.mjs) before the tests and stops it after, so `npm test` works alone on
// a fresh clone. Services that were already running are left alone.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { answers, readServicesEnv, SERVICE_KEYS, SERVICE_NAMES, servicesDown, servicesUp } from './services.mjs';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const log = (line) => process.stderr.write(`run-tests: ${line}\n`);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

/** The services the files ask for, by the names they pass to the helpers. */
function servicesNeededBy(files) {
  const needed = new Set();
  const call = /\b(?:skipUnless|requireService|serviceSettings)\(\s*['"](\w+)['"]/g;
  for (const file of files) {
    for (const match of readFileSync(join(root, file), 'utf8').matchAll(call)) if (SERVICE_NAMES.includes(match[1])) needed.add(match[1]);
  }
  return SERVICE_NAMES.filter((name) => needed.has(name));
}

/** Needed services that nothing provides yet: not set in the environment, not answering where .services.env says. */
async function servicesToStart(needed) {
  const fileEnv = readServicesEnv();
  const missing = [];
  for (const name of needed) {
    const { keys, address } = SERVICE_KEYS[name];
    if (keys.every((key) => process.env[key])) continue;
    if (keys.every((key) => fileEnv[key]) && (await answers(address(fileEnv)))) continue;
    missing.push(name);
  }
  return missing;
}

function runTests(files) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=2',
      // TAP off a terminal on every Node version (Node 23+ defaults to spec), so CI reads one format.
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  // Ctrl-C reaches the child through the terminal; a signal sent to this process alone is passed on.
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

const files = walk(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}

const started = await servicesToStart(servicesNeededBy(files));
if (started.length > 0) {
  log(`starting ${started.join(', ')} for the service tests (stopped again when they finish; \`npm run services:up\` keeps them running between runs)`);
  try {
    await servicesUp(started, { log });
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    if (process.env.CI === 'true') {
      log('under CI=true the service tests must run: stopping here');
      await servicesDown(started, { log }).catch(() => undefined);
      process.exit(1);
    }
    log('the tests that need these services will be skipped');
  }
}

let status;
try {
  status = await runTests(files);
} finally {
  if (started.length > 0) {
    log(`stopping ${started.join(', ')} (started for this run)`);
    await servicesDown(started, { log }).catch((error) => log(error instanceof Error ? error.message : String(error)));
  }
}
process.exit(status);
