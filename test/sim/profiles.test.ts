/**
 * The simulator's price/performance profiles: the built-in files, and what a profile file
 * must hold. The seed profile is checked against the service's default tiers so that the
 * simulator and the embedded default can never price the same tier differently.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Value from 'typebox/value';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { TiercastError } from '../../src/domain/errors.js';
import { resolvePolicies } from '../../src/sim/policy-set.js';
import { BUILT_IN_PROFILES, loadProfile, parseProfile, PROFILES_DIR } from '../../src/sim/profiles.js';
import { replay } from '../../src/sim/replay.js';
import type { SimProfile } from '../../src/sim/model.js';

const seedFile = () => JSON.parse(readFileSync(join(PROFILES_DIR, 'seed.json'), 'utf8')) as Record<string, any>;

/** Expects `fn` to throw a TiercastError for bad input whose message matches `message`; returns it. */
function refused(fn: () => unknown, message: RegExp): TiercastError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TiercastError, `expected a TiercastError, got ${String(error)}`);
    assert.equal(error.code, 'invalid_input');
    assert.match(error.message, message);
    assert.ok(error.hint && error.hint.length > 0, 'with a hint');
    return error;
  }
  assert.fail(`expected a refusal matching ${message}`);
}

describe('built-in profiles', () => {
  it('every built-in name has its file in profiles/, and every file there is a built-in', () => {
    const files = readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    assert.deepEqual([...files].sort(), [...BUILT_IN_PROFILES].sort());
    for (const name of BUILT_IN_PROFILES) assert.equal(loadProfile(name).name, name);
  });

  it('seed equals the service’s default tiers, ingest tier and latency penalty, so the two cannot drift apart', () => {
    const seed = loadProfile('seed');
    assert.deepEqual(
      seed.tiers,
      DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt })),
    );
    const config = Value.Default(ConfigSchema, { tiers: DEFAULT_TIERS }) as { ingestTier: string; proactive: { latencyPenaltyPerSecond: number } };
    assert.equal(seed.ingestTier, config.ingestTier);
    assert.equal(seed.latencyPenaltyPerSecond, config.proactive.latencyPenaltyPerSecond);
  });

  it('seed has the figures of the seed description: 0.01 / 0.008 / 0.005 $/GB-month, 10 / 50 / 150 ms', () => {
    const seed = loadProfile('seed');
    assert.deepEqual(seed.tiers.map((t) => t.name), ['onprem', 'private', 'public']);
    assert.deepEqual(seed.tiers.map((t) => t.pricing.storageGbMonth), [0.01, 0.008, 0.005]);
    assert.deepEqual(seed.tiers.map((t) => t.latency.firstByteMs), [10, 50, 150]);
  });

  it('hybrid-cloud carries the AWS us-east-1 list prices, with internet egress on every cloud read, and says where they come from', () => {
    const profile = loadProfile('hybrid-cloud');
    const byName = new Map(profile.tiers.map((t) => [t.name, t.pricing]));
    const egress = 0.09;
    // S3 list prices (us-east-1): storage $/GB-month, GET and PUT per 1,000, retrieval $/GB.
    const aws = {
      's3-standard': { storageGbMonth: 0.023, getPer1000: 0.0004, putPer1000: 0.005, retrievalPerGb: 0 + egress },
      's3-standard-ia': { storageGbMonth: 0.0125, getPer1000: 0.001, putPer1000: 0.01, retrievalPerGb: 0.01 + egress },
      's3-glacier-ir': { storageGbMonth: 0.004, getPer1000: 0.01, putPer1000: 0.02, retrievalPerGb: 0.03 + egress },
    };
    for (const [name, pricing] of Object.entries(aws)) {
      const actual = byName.get(name);
      assert.ok(actual, `a tier ${name}`);
      for (const key of Object.keys(pricing) as Array<keyof typeof pricing>) {
        assert.ok(Math.abs(actual[key] - pricing[key]) < 1e-12, `${name} ${key}: ${actual[key]} vs ${pricing[key]}`);
      }
    }
    assert.equal(profile.tiers[0]!.name, 'onprem-nvme');
    assert.equal(profile.ingestTier, 's3-standard');
    assert.ok((profile.sources ?? []).some((s) => /aws\.amazon\.com\/s3\/pricing/.test(s) && /\d{4}-\d{2}-\d{2}/.test(s)), 'a dated AWS source');
    assert.ok((profile.sources ?? []).some((s) => /on-premise/i.test(s) && /estimate/i.test(s)), 'the on-premise figure is called an estimate');
  });

  for (const name of BUILT_IN_PROFILES) {
    it(`${name}: tiers fastest first and cheaper to keep as they get slower`, () => {
      const tiers = loadProfile(name).tiers;
      for (let i = 1; i < tiers.length; i++) {
        assert.ok(tiers[i]!.latency.firstByteMs >= tiers[i - 1]!.latency.firstByteMs, `${tiers[i]!.name} is no faster than ${tiers[i - 1]!.name}`);
        assert.ok(tiers[i]!.pricing.storageGbMonth < tiers[i - 1]!.pricing.storageGbMonth, `${tiers[i]!.name} is cheaper to keep than ${tiers[i - 1]!.name}`);
      }
      assert.equal(tiers.at(-1)!.promoteAt, 0, 'the slowest tier is never promoted into');
    });
  }
});

describe('profile files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tiercast-profiles-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('loads a file by path; a tier pasted from the service configuration, backend included, is accepted', () => {
    const profile = seedFile();
    profile.name = 'mine';
    profile.tiers[0].pricing.storageGbMonth = 0.02;
    profile.tiers[0].backend = { type: 'fs', path: 'tiers/onprem' };
    const loaded = loadProfile(write('mine.json', profile));
    assert.equal(loaded.name, 'mine');
    assert.equal(loaded.tiers[0]!.pricing.storageGbMonth, 0.02);
    assert.ok(!('backend' in loaded.tiers[0]!), 'the backend is not part of the simulated tier');
  });

  const broken: Array<{ what: string; change: (p: Record<string, any>) => void; message: RegExp }> = [
    { what: 'a missing latency penalty', change: (p) => delete p.latencyPenaltyPerSecond, message: /latencyPenaltyPerSecond/ },
    { what: 'a tier without its GET fee', change: (p) => delete p.tiers[1].pricing.getPer1000, message: /\/tiers\/1\/pricing.*getPer1000/ },
    { what: 'a tier without latency', change: (p) => delete p.tiers[0].latency, message: /\/tiers\/0.*latency/ },
    { what: 'an unknown ingest tier', change: (p) => (p.ingestTier = 'glacier'), message: /ingestTier 'glacier' is not one of its tiers \(onprem, private, public\)/ },
    { what: 'two tiers of one name', change: (p) => (p.tiers[1].name = 'onprem'), message: /tier 'onprem' appears twice/ },
    { what: 'a negative price', change: (p) => (p.tiers[2].pricing.storageGbMonth = -1), message: /\/tiers\/2\/pricing\/storageGbMonth/ },
    { what: 'a price written as text', change: (p) => (p.tiers[2].pricing.retrievalPerGb = '0.09'), message: /\/tiers\/2\/pricing\/retrievalPerGb/ },
    { what: 'no tiers', change: (p) => (p.tiers = []), message: /\/tiers/ },
  ];
  for (const b of broken) {
    it(`refuses ${b.what}, naming the file and the field`, () => {
      const profile = seedFile();
      b.change(profile);
      const path = write(`broken-${broken.indexOf(b)}.json`, profile);
      const error = refused(() => loadProfile(path), b.message);
      assert.ok(error.message.startsWith(path), `names the file: ${error.message}`);
    });
  }

  it('refuses a file that is not JSON, and a name that is neither built in nor a file', () => {
    const path = write('not.json', '{"name": "x",');
    refused(() => loadProfile(path), /is not valid JSON/);
    refused(() => loadProfile('hybrid_cloud'), /'hybrid_cloud' is neither a built-in profile nor a file/);
  });

  it('a profile of any number of tiers runs every policy: one tier, and five', async () => {
    const tier = (name: string, storage: number, firstByteMs: number, promoteAt: number) => ({
      name,
      pricing: { storageGbMonth: storage, getPer1000: 0.001, putPer1000: 0.01, retrievalPerGb: 0.02 },
      latency: { firstByteMs, perMbMs: 1 },
      promoteAt,
    });
    const profiles: SimProfile[] = [
      parseProfile({ name: 'one', ingestTier: 'only', latencyPenaltyPerSecond: 0.0001, tiers: [tier('only', 0.01, 5, 0)] }),
      parseProfile({
        name: 'five',
        ingestTier: 't3',
        latencyPenaltyPerSecond: 0.0001,
        tiers: [tier('t0', 0.05, 1, 50), tier('t1', 0.03, 5, 20), tier('t2', 0.02, 20, 10), tier('t3', 0.01, 50, 5), tier('t4', 0.002, 200, 0)],
      }),
    ];
    const start = Date.UTC(2026, 0, 5);
    const records = Array.from({ length: 3000 }, (_, i) => ({ at: start + i * 60_000, objectId: `o${i % 37}`, sizeBytes: 1 << 20, op: 'read' as const }));
    for (const profile of profiles) {
      async function* batches() {
        yield records;
      }
      const result = await replay(
        batches(),
        { trace: 'test', format: 'csv', skippedBadRecords: () => 0, sortedInMemory: () => false },
        { profile, policies: resolvePolicies('all', profile.tiers.map((t) => t.name)), timeScale: 5 },
      );
      assert.equal(result.policies.length, 5 + profile.tiers.length + 2, profile.name);
      const optimal = result.policies.find((p) => p.name === 'optimal')!;
      for (const p of result.policies) assert.ok(p.totalCostUsd >= optimal.totalCostUsd * (1 - 1e-9), `${profile.name}: ${p.name}`);
      if (profile.tiers.length === 1) for (const p of result.policies) assert.equal(p.migrations, 0, `${p.name} has nowhere to move`);
    }
  });
});
