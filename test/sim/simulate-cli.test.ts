/**
 * `tiercast simulate` and `tiercast generate-trace` end to end, through the real binary
 * (bin/tiercast.js runs dist/: `npm run build` first): what --json prints, what --report
 * writes, --time-scale, traces out of time order, malformed records, and how user mistakes
 * are reported.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { policyNames } from '../../src/sim/policy-set.js';
import { readTrace } from '../../src/sim/readers/index.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(REPO, 'bin', 'tiercast.js');
const APACHE_LOG = fileURLToPath(new URL('../../../shared/traces/elastic-apache-semicomplete/apache_logs', import.meta.url));
const SEED_POLICIES = policyNames(['onprem', 'private', 'public']);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tiercast(args: string[]): Promise<Run> {
  assert.ok(existsSync(join(REPO, 'dist', 'cli', 'main.js')), 'dist/ is missing: run `npm run build` first');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise<Run>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function simulateJson(args: string[]): Promise<Record<string, any>> {
  const run = await tiercast(['simulate', ...args, '--json']);
  assert.equal(run.code, 0, `simulate ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, any>;
}

/** A user mistake: exit code ≠ 0, nothing on stdout, exactly an error line and a hint line on stderr, no stack. */
function assertUserError(run: Run, message: RegExp): void {
  assert.notEqual(run.code, 0, 'exit code');
  assert.equal(run.stdout, '');
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, `one error line and one hint line, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, message);
  assert.match(lines[1]!, /^hint: \S/);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Requests, objects and span (s) of a CSV written by generate-trace, read as plain text. */
function csvFacts(path: string): { requests: number; objects: number; spanSeconds: number } {
  const rows = readFileSync(path, 'utf8').trimEnd().split('\n').slice(1).map((line) => line.split(','));
  const times = rows.map((r) => Number(r[0]));
  return { requests: rows.length, objects: new Set(rows.map((r) => r[1])).size, spanSeconds: Math.max(...times) - Math.min(...times) };
}

let dir: string;
let trace: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiercast-simulate-'));
  trace = join(dir, 'synthetic.csv');
  const run = await tiercast(['generate-trace', '--objects', '300', '--days', '3', '--seed', '5', '--out', trace]);
  assert.equal(run.code, 0, run.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('tiercast generate-trace', () => {
  it('writes the same bytes for the same seed, other bytes for another seed, and the same to stdout', async () => {
    const again = join(dir, 'again.csv');
    const other = join(dir, 'other.csv');
    assert.equal((await tiercast(['generate-trace', '--objects', '300', '--days', '3', '--seed', '5', '--out', again])).code, 0);
    assert.equal((await tiercast(['generate-trace', '--objects', '300', '--days', '3', '--seed', '6', '--out', other])).code, 0);
    assert.equal(sha256(again), sha256(trace));
    assert.notEqual(sha256(other), sha256(trace));
    const toStdout = await tiercast(['generate-trace', '--objects', '300', '--days', '3', '--seed', '5']);
    assert.equal(toStdout.stdout, readFileSync(trace, 'utf8'));
    assert.match(readFileSync(trace, 'utf8'), /^timestamp,object_id,size\n/);
  });

  it('refuses options that make no trace, with a hint where one helps', async () => {
    assertUserError(await tiercast(['generate-trace', '--objects', '300', '--start', 'yesterday']), /--start 'yesterday' is not a date/);
    const zero = await tiercast(['generate-trace', '--objects', '0']);
    assert.notEqual(zero.code, 0);
    assert.match(zero.stderr, /^error: --objects must be a whole number ≥ 1\n/);
  });
});

describe('tiercast simulate', () => {
  it('--json prints the issue’s fields for every policy, read from the generated trace', async () => {
    const json = await simulateJson(['--trace', trace]);
    const facts = csvFacts(trace);
    assert.equal(json.trace, trace);
    assert.equal(json.requests, facts.requests);
    assert.equal(json.objects, facts.objects);
    assert.ok(Math.abs(json.span_seconds - facts.spanSeconds) < 1e-6, `span ${json.span_seconds} vs ${facts.spanSeconds}`);
    assert.equal(json.format, 'csv');
    assert.equal(json.time_scale, 1);
    assert.deepEqual(json.policies.map((p: { name: string }) => p.name), SEED_POLICIES);
    const fields = ['name', 'total_cost_usd', 'regret', 'mean_latency_ms', 'p99_latency_ms', 'migrations', 'bytes_moved'];
    const optimal = json.policies.find((p: { name: string }) => p.name === 'optimal');
    for (const p of json.policies) {
      for (const field of fields) assert.ok(field in p, `${p.name} has ${field}`);
      assert.equal(typeof p.name, 'string');
      for (const field of fields.slice(1)) assert.equal(typeof p[field], 'number', `${p.name}.${field}`);
      assert.ok(Math.abs(p.regret - p.total_cost_usd / optimal.total_cost_usd) < 1e-12, `${p.name} regret`);
      assert.ok(p.regret >= 1 - 1e-9);
    }
    assert.equal(json.profile.name, 'seed');
  });

  it('without --json prints a table with a row per policy', async () => {
    const run = await tiercast(['simulate', '--trace', trace, '--policies', 'static-public,seed-thresholds']);
    assert.equal(run.code, 0, run.stderr);
    for (const name of ['static-public', 'seed-thresholds', 'optimal']) assert.match(run.stdout, new RegExp(`^${name}\\s+\\$`, 'm'));
    assert.doesNotMatch(run.stdout, /^hybrid\s/m);
  });

  it('--time-scale K stretches the span exactly K times and says so', async () => {
    const plain = await simulateJson(['--trace', trace, '--policies', 'static-public']);
    const scaled = await simulateJson(['--trace', trace, '--policies', 'static-public', '--time-scale', '7']);
    assert.equal(scaled.time_scale, 7);
    assert.ok(Math.abs(scaled.span_seconds - 7 * plain.span_seconds) <= 1e-12 * scaled.span_seconds, `${scaled.span_seconds} vs 7 × ${plain.span_seconds}`);
    const storage = (json: Record<string, any>) => json.policies.find((p: { name: string }) => p.name === 'static-public').costs.storage;
    assert.ok(Math.abs(storage(scaled) / storage(plain) - 7) < 1e-9);
  });

  it('--report DIR writes index.html, result.json and the charts as SVG files', async () => {
    const report = join(dir, 'report');
    const run = await tiercast(['simulate', '--trace', trace, '--policies', 'hybrid,static-public,s3-intelligent-tiering', '--report', report]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`report written to ${join(report, 'index.html')}`));
    const files = readdirSync(report);
    assert.ok(files.includes('index.html') && files.includes('result.json'), files.join(', '));
    const svgs = files.filter((f) => f.endsWith('.svg'));
    // Cost per policy, cumulative cost, and tier occupancy of the online policies.
    assert.ok(svgs.length >= 3, `SVG files: ${svgs.join(', ')}`);
    for (const svg of svgs) assert.match(readFileSync(join(report, svg), 'utf8'), /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<(script|link|img|iframe|object)\b[^>]*\b(src|href|data)="(https?:)?\/\//i, 'nothing loaded from the network');
    assert.doesNotMatch(html, /url\(\s*['"]?(https?:)?\/\/|@import/i, 'no stylesheet from the network');
    const result = JSON.parse(readFileSync(join(report, 'result.json'), 'utf8'));
    assert.equal(result.requests, csvFacts(trace).requests);
    assert.deepEqual(result.policies.map((p: { name: string }) => p.name), ['hybrid', 'static-public', 's3-intelligent-tiering', 'optimal']);
    assert.ok(result.policies[0].timeline.at_ms.length > 1, 'result.json carries the timelines');
  });

  it('sorts a trace that is out of time order when it fits, and says so', async () => {
    const json = await simulateJson(['--trace', APACHE_LOG, '--policies', 'static-public']);
    assert.equal(json.sorted_in_memory, true);
    assert.equal(json.format, 'clf');
    assert.equal(json.requests, 10_000);
  });

  it('refuses an out-of-order trace too long to sort, naming the first record that goes back', async () => {
    // The first record earlier than one before it, found here from the reader's file order.
    let latest = -Infinity;
    let index = 0;
    let firstBack = 0;
    for await (const r of readTrace(APACHE_LOG)) {
      index++;
      if (r.at < latest) {
        firstBack = index;
        break;
      }
      latest = r.at;
    }
    assert.ok(firstBack > 0, 'the sample is out of order');
    const run = await tiercast(['simulate', '--trace', APACHE_LOG, '--policies', 'static-public', '--max-sort-records', '100']);
    assertUserError(run, new RegExp(`record ${firstBack}: the trace is not in time order`));
  });

  it('stops at a malformed record with its line and what was wrong; --skip-bad counts it and goes on', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(
      bad,
      [
        'timestamp,object_id,size,op',
        '1767571200,a,1000,read',
        '1767571260,b,2000,write',
        'noon,a,1000,read',
        '1767571320,a,1000,read',
        '1767571380,c,-5,read',
        '1767574800,b,2000,read',
        '',
      ].join('\n'),
    );
    const stopped = await tiercast(['simulate', '--trace', bad]);
    assertUserError(stopped, /line 4: .*timestamp 'noon'/);
    const skipped = await simulateJson(['--trace', bad, '--skip-bad', '--policies', 'static-public']);
    assert.equal(skipped.skipped_bad_records, 2);
    assert.equal(skipped.requests, 4);
    assert.equal(skipped.objects, 2);
  });

  const mistakes: Array<{ what: string; args: () => string[]; message: RegExp }> = [
    { what: 'an unknown policy', args: () => ['--trace', trace, '--policies', 'hybrid,lru'], message: /unknown policy 'lru'/ },
    { what: 'an unknown profile', args: () => ['--trace', trace, '--profile', 'aws-2019'], message: /profile 'aws-2019' is neither a built-in profile nor a file/ },
    { what: 'a missing trace file', args: () => ['--trace', join(dir, 'nope.csv')], message: /trace file '.*nope\.csv' does not exist/ },
    { what: 'a bad --format', args: () => ['--trace', trace, '--format', 'parquet'], message: /unknown trace format 'parquet'/ },
    { what: 'a --time-scale of 0', args: () => ['--trace', trace, '--time-scale', '0'], message: /--time-scale must be a positive number/ },
    { what: 'a file of no known trace format', args: () => ['--trace', join(dir, 'notes.txt')], message: /cannot tell the trace format/ },
    { what: 'a profile file that lacks a field', args: () => ['--trace', trace, '--profile', join(dir, 'no-penalty.json')], message: /latencyPenaltyPerSecond/ },
  ];
  for (const m of mistakes) {
    it(`names ${m.what} on one line with a hint, exit code ≠ 0, no stack trace`, async () => {
      writeFileSync(join(dir, 'notes.txt'), 'these are not requests\nat all\n');
      const seed = JSON.parse(readFileSync(join(REPO, 'profiles', 'seed.json'), 'utf8'));
      delete seed.latencyPenaltyPerSecond;
      writeFileSync(join(dir, 'no-penalty.json'), JSON.stringify(seed));
      assertUserError(await tiercast(['simulate', ...m.args()]), m.message);
    });
  }
});
