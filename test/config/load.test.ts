import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { TiercastError } from '../../src/domain/errors.js';
import { tempDir } from '../helpers/fixture.js';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await tempDir();
});
after(() => dir.cleanup());

function fileWith(content: unknown): string {
  const path = join(dir.path, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function configErrorOf(fn: () => unknown): TiercastError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TiercastError, `expected a TiercastError, got ${String(error)}`);
    assert.equal(error.code, 'config_error');
    return error;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('defaults to the embedded seed setup: port 8000, ./data, three folder tiers, ingest into public', () => {
    const config = loadConfig({}, {});
    assert.equal(config.server.port, 8000);
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.dataDir, './data');
    assert.deepEqual(config.tiers.map((t) => t.name), ['onprem', 'private', 'public']);
    assert.deepEqual(config.tiers.map((t) => t.pricing.storageGbMonth), [0.01, 0.008, 0.005]);
    assert.deepEqual(config.tiers.map((t) => t.latency.firstByteMs), [10, 50, 150]);
    assert.equal(config.ingestTier, 'public');
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.tiers[0]));
  });

  it('takes the environment over the file, and flags over the environment', () => {
    const file = fileWith({ server: { port: 7000 }, reactive: { spikeWindowSeconds: 60 } });
    const fromEnv = loadConfig({ configFile: file }, { TIERCAST_PORT: '7100', TIERCAST_DATA_DIR: '/tmp/x' });
    assert.equal(fromEnv.server.port, 7100);
    assert.equal(fromEnv.dataDir, '/tmp/x');
    assert.equal(fromEnv.reactive.spikeWindowSeconds, 60);
    assert.equal(fromEnv.reactive.coolingPeriodSeconds, 3600, 'unset settings keep their defaults');
    const fromFlags = loadConfig({ configFile: file, port: 7200, dataDir: '/tmp/y' }, { TIERCAST_PORT: '7100', TIERCAST_DATA_DIR: '/tmp/x' });
    assert.equal(fromFlags.server.port, 7200);
    assert.equal(fromFlags.dataDir, '/tmp/y');
  });

  it('names the environment variable that is not a number', () => {
    assert.match(configErrorOf(() => loadConfig({}, { TIERCAST_PORT: 'eighty' })).message, /TIERCAST_PORT=eighty is not a whole number/);
  });

  it('names the setting a bad value sits in, with its path', () => {
    const tiers = [
      { name: 'fast', backend: { type: 'fs' }, pricing: { storageGbMonth: -1 }, latency: { firstByteMs: 1 }, promoteAt: 10 },
      { name: 'slow', backend: { type: 'fs' }, pricing: { storageGbMonth: 0.001 }, latency: { firstByteMs: 100 }, promoteAt: 0 },
    ];
    const error = configErrorOf(() => loadConfig({ configFile: fileWith({ tiers, ingestTier: 'slow' }) }, {}));
    assert.match(error.message, /tiers\[0\]\.pricing\.storageGbMonth must be >= 0/);
    assert.ok(error.hint);
  });

  it('names an unknown setting', () => {
    assert.match(configErrorOf(() => loadConfig({ configFile: fileWith({ reactive: { spikeWindow: 5 } }) }, {})).message, /reactive .*unknown setting: spikeWindow/);
  });

  it('refuses an ingest tier that is not configured', () => {
    assert.match(configErrorOf(() => loadConfig({}, { TIERCAST_INGEST_TIER: 'glacier' })).message, /ingestTier 'glacier' is not one of the tiers \(onprem, private, public\)/);
  });

  it('refuses tiers that are not listed fastest first, duplicate names and a shared folder', () => {
    const tier = (name: string, promoteAt: number, path?: string) => ({
      name,
      backend: { type: 'fs', ...(path ? { path } : {}) },
      pricing: { storageGbMonth: 0.01 },
      latency: { firstByteMs: 1 },
      promoteAt,
    });
    const order = configErrorOf(() => loadConfig({ configFile: fileWith({ tiers: [tier('a', 5), tier('b', 50), tier('c', 0)], ingestTier: 'c' }) }, {}));
    assert.match(order.message, /tiers\[0\]\.promoteAt \(5\) must be greater than tiers\[1\]\.promoteAt \(50\)/);
    const last = configErrorOf(() => loadConfig({ configFile: fileWith({ tiers: [tier('a', 50), tier('b', 5)], ingestTier: 'b' }) }, {}));
    assert.match(last.message, /tiers\[1\]\.promoteAt must be 0/);
    const dup = configErrorOf(() => loadConfig({ configFile: fileWith({ tiers: [tier('a', 50), tier('a', 0)], ingestTier: 'a' }) }, {}));
    assert.match(dup.message, /the name 'a' is used twice/);
    const shared = configErrorOf(() => loadConfig({ configFile: fileWith({ tiers: [tier('a', 50, 'x'), tier('b', 0, 'x')], ingestTier: 'b' }) }, {}));
    assert.match(shared.message, /same folder 'x'/);
  });

  it('explains a config file that is not JSON or does not exist', () => {
    assert.match(configErrorOf(() => loadConfig({ configFile: fileWith('{ port: 1 ') }, {})).message, /is not valid JSON/);
    assert.match(configErrorOf(() => loadConfig({ configFile: join(dir.path, 'missing.json') }, {})).message, /cannot read config file .*missing\.json/);
  });
});
