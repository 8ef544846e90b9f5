/**
 * Benchmark: the trace simulator. Prints figures only; nothing passes or fails.
 *
 *   node --import tsx bench/simulate.ts [--objects 20000] [--days 20] [--seed 1]
 *        [--parts speed,regret,e2e] [--cpu-prof DIR] [--policies hybrid,...]
 *
 * 1. speed: replay speed of each policy alone, then of all of them together, on a seeded
 *    synthetic workload (about 2 M requests with the defaults) held in memory as
 *    TraceRecord batches, so that reading is not measured. Each run is a child process of
 *    its own (same seed, same trace), so its peak RSS is its own. Targets from the issue:
 *    ≥ 1,000,000 requests/s for the rule baselines, ≥ 200,000/s for hybrid.
 *    With --cpu-prof DIR, each child also writes a V8 CPU profile there and the functions
 *    with the most self time are printed.
 * 2. regret: total cost ÷ optimal's for every policy on every trace in ../shared/traces/
 *    that simulate reads, and on the synthetic workload, with the seed and hybrid-cloud
 *    profiles. A trace shorter than 3 days is stretched to about 3 days (K = 3 days ÷ span,
 *    rounded), and K is printed.
 * 3. e2e: `tiercast simulate` from a CSV file of the synthetic workload (written to a temp
 *    folder), through the built binary (dist/), wall time including start-up and reading;
 *    and the CSV reader alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyResult, SimProfile } from '../src/sim/model.js';
import { policyNames, resolvePolicies } from '../src/sim/policy-set.js';
import { BUILT_IN_PROFILES, loadProfile } from '../src/sim/profiles.js';
import { inTimeOrderBatches, readTraceBatches } from '../src/sim/readers/index.js';
import { replay } from '../src/sim/replay.js';
import type { SimulationResult } from '../src/sim/report/simulation-result.js';
import { generateAccesses, toCsvLines } from '../src/sim/synthetic.js';
import type { TraceRecord } from '../src/sim/trace-record.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const OBJECTS = Number(option('objects', '20000'));
const DAYS = Number(option('days', '20'));
const SEED = Number(option('seed', '1'));
const PARTS = option('parts', 'speed,regret,e2e').split(',');
const CPU_PROF_DIR = option('cpu-prof', '');
const START = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;
const BATCH = 4096;
const REPO = fileURLToPath(new URL('..', import.meta.url));
const TRACES_DIR = fileURLToPath(new URL('../../shared/traces/', import.meta.url));
const RULES = ['seed-thresholds', 's3-intelligent-tiering', 'fabricpool-auto', 'static-onprem', 'static-private', 'static-public'];
const TARGETS: Record<string, number> = { hybrid: 200_000, ...Object.fromEntries(RULES.map((r) => [r, 1_000_000])) };

const MiB = 2 ** 20;
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

/** The synthetic workload as TraceRecord batches, built once (an access of count n is n records). */
function syntheticBatches(): { batches: TraceRecord[][]; requests: number } {
  const batches: TraceRecord[][] = [];
  let batch: TraceRecord[] = [];
  let requests = 0;
  for (const a of generateAccesses({ seed: SEED, objects: OBJECTS, days: DAYS, start: START })) {
    for (let i = 0; i < a.count; i++) {
      batch.push({ at: a.at, objectId: a.objectId, sizeBytes: a.sizeBytes, op: 'read' });
      requests++;
      if (batch.length === BATCH) {
        batches.push(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, requests };
}

async function* fromMemory(batches: TraceRecord[][]): AsyncGenerator<TraceRecord[]> {
  for (const batch of batches) yield batch;
}

const meta = (trace: string, format: string) => ({ trace, format, skippedBadRecords: () => 0, sortedInMemory: () => false });

// ---------------------------------------------------------------------------------------
// Child: one replay of the in-memory synthetic trace, figures as one JSON line.

interface ChildReport {
  policy: string;
  profile: string;
  requests: number;
  objects: number;
  buildSeconds: number;
  replaySeconds: number;
  rssBeforeBytes: number;
  peakRssBytes: number;
  policies: Array<Pick<PolicyResult, 'name' | 'totalCostUsd' | 'regret' | 'migrations'>>;
}

async function child(policy: string, profileName: string): Promise<void> {
  const built = performance.now();
  const { batches } = syntheticBatches();
  const buildSeconds = (performance.now() - built) / 1000;
  const profile = loadProfile(profileName);
  // One policy alone really alone (resolvePolicies would add optimal); `all` as simulate runs it.
  const policies = policy === 'all' ? resolvePolicies('all', profile.tiers.map((t) => t.name)) : [policy];
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await replay(fromMemory(batches), meta('synthetic', 'synthetic'), { profile, policies, timeScale: 1 });
  const replaySeconds = (performance.now() - started) / 1000;
  const report: ChildReport = {
    policy,
    profile: profileName,
    requests: result.requests,
    objects: result.objects,
    buildSeconds,
    replaySeconds,
    rssBeforeBytes: rssBefore,
    peakRssBytes: Math.max(result.peakRssBytes, process.memoryUsage().rss),
    policies: result.policies.map(({ name, totalCostUsd, regret, migrations }) => ({ name, totalCostUsd, regret, migrations })),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(policy: string, profile = 'seed'): ChildReport {
  const flags = ['--expose-gc', '--import', 'tsx'];
  if (CPU_PROF_DIR) flags.push('--cpu-prof', '--cpu-prof-dir', join(CPU_PROF_DIR, `${policy}-${profile}`));
  const run = spawnSync(
    process.execPath,
    [...flags, fileURLToPath(import.meta.url), '--child', policy, '--child-profile', profile, '--objects', String(OBJECTS), '--days', String(DAYS), '--seed', String(SEED)],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * MiB },
  );
  if (run.status !== 0) throw new Error(`child for ${policy} failed (${run.status ?? run.signal}):\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ChildReport;
}

/** Self time per function from a V8 .cpuprofile, largest first. */
function topFunctions(dir: string, count: number): Array<{ name: string; ms: number; share: number }> {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return [];
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
    samples: number[];
    timeDeltas: number[];
  };
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodeById.get(id)!.callFrame;
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    const us = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
}

function speed(): void {
  const seedTiers = loadProfile('seed').tiers.map((t) => t.name);
  const asked = option('policies', '');
  const policies = asked ? asked.split(',') : policyNames(seedTiers);
  console.log(`\n## 1. Replay speed, in-memory synthetic trace (seed ${SEED}, ${fmt(OBJECTS)} objects, ${DAYS} days), seed profile, one child process per row\n`);
  console.log(`${pad('policy', 24)} ${lpad('requests', 10)} ${lpad('seconds', 8)} ${lpad('requests/s', 11)} ${lpad('target', 10)}  ${lpad('RSS before', 10)} ${lpad('peak RSS', 9)}  migrations`);
  const rows: ChildReport[] = [];
  for (const policy of [...policies, 'all']) {
    const r = runChild(policy);
    rows.push(r);
    const rate = r.requests / r.replaySeconds;
    const target = TARGETS[policy];
    const mark = target === undefined ? '' : rate >= target ? ' ok' : ' MISSED';
    const migrations = policy === 'all' ? '' : fmt(r.policies[0]!.migrations);
    console.log(
      `${pad(policy === 'all' ? `all ${r.policies.length} together` : policy, 24)} ${lpad(fmt(r.requests), 10)} ${lpad(fmt(r.replaySeconds, 2), 8)} ${lpad(fmt(rate), 11)} ${lpad(target ? fmt(target) : '', 10)}${pad(mark, 7)} ${lpad(fmt(r.rssBeforeBytes / MiB), 7)} MiB ${lpad(fmt(r.peakRssBytes / MiB), 6)} MiB  ${migrations}`,
    );
  }
  console.log(`\n(${fmt(rows[0]!.objects)} objects; building the trace in memory took ${fmt(rows[0]!.buildSeconds, 1)} s per child, not counted; RSS before = after building the trace)`);
  if (CPU_PROF_DIR) {
    for (const r of rows) {
      const dir = join(CPU_PROF_DIR, `${r.policy}-seed`);
      if (!existsSync(dir)) continue;
      console.log(`\nCPU profile of ${r.policy} (${dir}): self time, top 12 (trace building included)`);
      for (const f of topFunctions(dir, 12)) console.log(`  ${lpad(fmt(f.ms), 8)} ms ${lpad(fmt(100 * f.share, 1), 5)} %  ${f.name}`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Regret tables.

interface TraceCase {
  label: string;
  timeScale: number;
  run: (profile: SimProfile) => Promise<SimulationResult>;
}

async function readAll(path: string): Promise<{ records: TraceRecord[][]; count: number; spanMs: number; format: string }> {
  const records: TraceRecord[][] = [];
  let format = '?';
  let count = 0;
  let first = Infinity;
  let last = -Infinity;
  for await (const batch of inTimeOrderBatches(readTraceBatches(path, { skipBad: true, onFormat: (f) => (format = f) }), { maxBuffered: 10_000_000, path })) {
    records.push(batch);
    count += batch.length;
    if (batch.length > 0) {
      first = Math.min(first, batch[0]!.at);
      last = Math.max(last, batch.at(-1)!.at);
    }
  }
  return { records, count, spanMs: count > 0 ? last - first : 0, format };
}

function stretchToDays(spanMs: number, days = 3): number {
  return spanMs > 0 && spanMs < days * DAY_MS ? Math.round((days * DAY_MS) / spanMs) : 1;
}

async function traceCases(): Promise<{ cases: TraceCase[]; unread: string[] }> {
  const cases: TraceCase[] = [];
  const unread: string[] = [];
  for (const folder of readdirSync(TRACES_DIR).sort()) {
    const dir = join(TRACES_DIR, folder);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (file.endsWith('.md')) continue;
      const path = join(dir, file);
      let trace;
      try {
        trace = await readAll(path);
      } catch (error) {
        unread.push(`${folder}/${file}: ${(error as Error).message.replace(`${path}: `, '')}`);
        continue;
      }
      const timeScale = stretchToDays(trace.spanMs);
      cases.push({
        label: `${file} (${trace.format}, ${fmt(trace.count)} req, ${fmt(trace.spanMs / 1000)} s ×${fmt(timeScale)})`,
        timeScale,
        run: (profile) =>
          replay(fromMemory(trace.records), meta(file, trace.format), { profile, policies: resolvePolicies('all', profile.tiers.map((t) => t.name)), timeScale }),
      });
    }
  }
  return { cases, unread };
}

const SHORT: Record<string, string> = {
  hybrid: 'hybrid',
  reactive: 'reactive',
  'seed-thresholds': 'seed-thr',
  's3-intelligent-tiering': 's3-int-t',
  'fabricpool-auto': 'fabricpool',
  'optimal-reactive': 'opt-react',
};
/** Column headers: static-<tier> becomes =<tier>. */
const shortName = (name: string) => SHORT[name] ?? name.replace(/^static-/, '=');
const regretText = (r: number) => (r >= 100 ? fmt(r) : fmt(r, 3));

function printRegretTable(profile: SimProfile, rows: Array<{ label: string; result: SimulationResult; seconds: number }>): void {
  const names = policyNames(profile.tiers.map((t) => t.name)).filter((n) => n !== 'optimal');
  const rules = names.filter((n) => n !== 'hybrid' && n !== 'reactive' && !n.startsWith('optimal'));
  const statics = rules.filter((n) => n.startsWith('static-'));
  const widths = names.map((n) => Math.max(8, shortName(n).length) + 1);
  const width = Math.max(...rows.map((r) => r.label.length), 10);
  console.log(`\n### profile ${profile.name} (${profile.tiers.map((t) => t.name).join(' > ')}; ingest ${profile.ingestTier}): regret = cost ÷ optimal's cost; =TIER is static-TIER\n`);
  console.log(`${pad('trace', width)} ${names.map((n, i) => lpad(shortName(n), widths[i]!)).join('')} ${lpad('optimal $', 11)}  ≤1.15 | ≤ best static | ≤ best rule | ≤ 2×opt-react | replay s`);
  const hybrids: number[] = [];
  for (const { label, result, seconds } of rows) {
    const regret = (name: string) => result.policies.find((p) => p.name === name)?.regret ?? NaN;
    const hybrid = regret('hybrid');
    hybrids.push(hybrid);
    const bestRule = Math.min(...rules.map(regret));
    const bestStatic = Math.min(...statics.map(regret));
    const optimal = result.policies.find((p) => p.name === 'optimal')!.totalCostUsd;
    const verdict = (ok: boolean, other: number) => (ok ? 'yes' : `no (${fmt(other, 3)})`);
    console.log(
      `${pad(label, width)} ${names.map((n, i) => lpad(regretText(regret(n)), widths[i]!)).join('')} ${lpad(optimal.toPrecision(4), 11)}  ${pad(hybrid <= 1.15 ? 'yes' : 'no', 5)} | ${pad(verdict(hybrid <= bestStatic, bestStatic), 13)} | ${pad(verdict(hybrid <= bestRule, bestRule), 11)} | ${pad(verdict(hybrid <= 2 * regret('optimal-reactive'), 2 * regret('optimal-reactive')), 12)} | ${fmt(seconds, 1)}`,
    );
  }
  const sorted = [...hybrids].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  console.log(`\nhybrid regret under ${profile.name}: median ${fmt(median, 3)}, worst ${regretText(sorted.at(-1)!)} over ${sorted.length} traces`);
}

async function regret(): Promise<void> {
  console.log('\n## 2. Regret per policy and trace (all policies replayed together)');
  const { cases, unread } = await traceCases();
  const synthetic = syntheticBatches();
  cases.push({
    label: `synthetic (seed ${SEED}, ${fmt(OBJECTS)} obj, ${DAYS} d, ${fmt(synthetic.requests)} req ×1)`,
    timeScale: 1,
    run: (profile) => replay(fromMemory(synthetic.batches), meta('synthetic', 'synthetic'), { profile, policies: resolvePolicies('all', profile.tiers.map((t) => t.name)), timeScale: 1 }),
  });
  for (const name of BUILT_IN_PROFILES) {
    const profile = loadProfile(name);
    const rows = [];
    for (const c of cases) {
      const started = performance.now();
      const result = await c.run(profile);
      rows.push({ label: c.label, result, seconds: (performance.now() - started) / 1000 });
    }
    printRegretTable(profile, rows);
  }
  console.log('\nNot read (not traces simulate knows):');
  for (const u of unread) console.log(`  ${u}`);
}

// ---------------------------------------------------------------------------------------
// End to end from a file.

async function endToEnd(): Promise<void> {
  console.log(`\n## 3. End to end: tiercast simulate from a CSV file (the synthetic workload), wall time including start-up\n`);
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) {
    console.log('dist/ is missing: run `npm run build` first. Skipped.');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tiercast-bench-simulate-'));
  try {
    const csv = join(dir, 'synthetic.csv');
    const lines: string[] = [];
    for (const line of toCsvLines(generateAccesses({ seed: SEED, objects: OBJECTS, days: DAYS, start: START }))) lines.push(line);
    await writeFile(csv, `${lines.join('\n')}\n`);
    const bytes = statSync(csv).size;
    lines.length = 0;

    let records = 0;
    const readStarted = performance.now();
    for await (const batch of readTraceBatches(csv)) records += batch.length;
    const readSeconds = (performance.now() - readStarted) / 1000;
    console.log(`CSV reader alone: ${fmt(records)} records, ${fmt(bytes / MiB, 1)} MiB in ${fmt(readSeconds, 2)} s = ${fmt(records / readSeconds)} records/s, ${fmt(bytes / MiB / readSeconds, 1)} MiB/s\n`);

    console.log(`${pad('--policies', 54)} ${lpad('wall s', 7)} ${lpad('requests/s', 11)} ${lpad('replay s', 9)} ${lpad('peak RSS', 9)}`);
    for (const policies of ['static-public', 'seed-thresholds,s3-intelligent-tiering,fabricpool-auto', 'all']) {
      const started = performance.now();
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [join(REPO, 'bin', 'tiercast.js'), 'simulate', '--trace', csv, '--policies', policies, '--json'], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
        child.once('error', reject);
        child.once('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`simulate exited with ${code}`))));
      });
      const wall = (performance.now() - started) / 1000;
      const json = JSON.parse(out) as { requests: number; replay: { seconds: number; peak_rss_bytes: number } };
      console.log(`${pad(policies, 54)} ${lpad(fmt(wall, 2), 7)} ${lpad(fmt(json.requests / wall), 11)} ${lpad(fmt(json.replay.seconds, 2), 9)} ${lpad(fmt(json.replay.peak_rss_bytes / MiB), 5)} MiB`);
    }
    console.log('\n(replay s is measured inside simulate from its first record read to the end, so it includes reading; wall adds start-up and output)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------

if (args.includes('--child')) {
  await child(option('child', 'all'), option('child-profile', 'seed'));
} else {
  if (CPU_PROF_DIR) mkdirSync(CPU_PROF_DIR, { recursive: true });
  console.log(`# Simulator benchmark — node ${process.version}`);
  if (PARTS.includes('speed')) speed();
  if (PARTS.includes('regret')) await regret();
  if (PARTS.includes('e2e')) await endToEnd();
}
