#!/usr/bin/env node
// Runs the benchmarks in bench/ one after another (or the ones named), each in its own
// `node --import tsx` process, with a header per bench. Benchmarks print figures; nothing
// here passes or fails on them. A bench that crashes makes the exit code non-zero.
//
//   npm run bench                       all three
//   npm run bench -- access             one (access | migration | content), or several
//   npm run bench -- access --events 500000     arguments after the names go to each bench
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHES = {
  access: { file: 'bench/access-aggregation.ts', title: 'access aggregation (events/s, embedded engine)' },
  migration: { file: 'bench/migration-throughput.ts', title: 'migration throughput (1 GiB folder → folder vs cp, peak RSS)' },
  content: { file: 'bench/content-get.ts', title: 'GET /api/objects/{id}/content (req/s, latency, 4 KiB object)' },
  forecast: { file: 'bench/forecast.ts', title: 'forecaster: backtest error (baseline vs learned) and scoring speed' },
  'migration-s3': { file: 'bench/migration-s3.ts', title: 'migration folder → S3-protocol server (s3rver): MiB/s, objects/s, peak RSS' },
  kafka: { file: 'bench/kafka-access.ts', title: 'access events through Kafka into the catalog (events/s, publish → durable latency)' },
  simulate: { file: 'bench/simulate.ts', title: 'trace simulator: replay requests/s per policy, peak RSS, regret per trace, simulate end to end' },
  'objects-page': { file: 'bench/objects-page.ts', title: 'dashboard objects page: GET /api/objects with 100,000 objects (ms per page)' },
};
const ALIASES = {
  'access-aggregation': 'access',
  'migration-throughput': 'migration',
  'content-get': 'content',
  get: 'content',
  'kafka-access': 'kafka',
};

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(`usage: npm run bench [-- [${Object.keys(BENCHES).join('|')}]... [bench options]]\nsee bench/README.md`);
  process.exit(0);
}
const names = [];
while (args.length > 0 && !args[0].startsWith('-')) {
  const raw = args.shift();
  const name = ALIASES[raw] ?? raw;
  if (!(name in BENCHES)) {
    console.error(`unknown bench '${raw}': choose from ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  names.push(name);
}
const selected = names.length > 0 ? names : Object.keys(BENCHES);

const line = '='.repeat(100);
console.log(
  `Tiercast benchmarks — ${new Date().toISOString()} — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
);
let failed = 0;
for (const name of selected) {
  const { file, title } = BENCHES[name];
  console.log(`\n${line}\n${name}: ${title}\n$ node --import tsx ${file}${args.length ? ` ${args.join(' ')}` : ''}\n${line}`);
  const started = Date.now();
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repo, file), ...args], { cwd: repo, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    failed++;
    console.log(`\n${name}: ended with ${run.signal ?? `exit code ${run.status}`} after ${seconds} s`);
  } else {
    console.log(`\n(${name} took ${seconds} s)`);
  }
}
process.exit(failed > 0 ? 1 : 0);
