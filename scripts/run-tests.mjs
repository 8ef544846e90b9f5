#!/usr/bin/env node
// Runs every test file under test/ with node's built-in runner (through tsx).
// Node 20's `node --test` does not expand globs, so the file list is built here.
// Usage: node scripts/run-tests.mjs [substring ...]   (only files whose path contains one)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const files = walk(join(root, 'test'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
const result = spawnSync(
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
process.exit(result.status ?? 1);
