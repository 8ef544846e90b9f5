import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDotEnv } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { TiercastError } from '../../src/domain/errors.js';
import { tempDir } from '../helpers/fixture.js';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await tempDir('tiercast-config-scale-out-');
});
after(() => dir.cleanup());

function fileWith(content: unknown): string {
  const path = join(dir.path, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** The message of the config_error `fn` throws (and that it is one, with a hint). */
function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TiercastError, `expected a TiercastError, got ${String(error)}`);
    assert.equal(error.code, 'config_error');
    assert.ok(error.hint, 'a configuration error says what to do');
    return error.message;
  }
  assert.fail('expected a configuration error');
}

const MINIO = { MINIO_ENDPOINT: 'http://127.0.0.1:9000', MINIO_ACCESS_KEY: 'tiercast', MINIO_ROOT_PASSWORD: 's3cret-key' };
const AWS = { AWS_S3_BUCKET_NAME: 'my-bucket', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
const SHARED = { DATABASE_URL: 'postgres://u:p@db:5432/tiercast', KAFKA_BOOTSTRAP_SERVERS: 'kafka:9092' };

const tierNamed = (config: ReturnType<typeof loadConfig>, name: string) => config.tiers.find((t) => t.name === name)!;

describe('scale-out configuration', () => {
  it('keeps the embedded default with no file and no environment: three folder tiers, SQLite, in-process bus, role all', () => {
    const config = loadConfig({}, {});
    assert.deepEqual(config.catalog, { type: 'sqlite' });
    assert.deepEqual(config.bus, { type: 'in-process' });
    assert.equal(config.role, 'all');
    assert.deepEqual(structuredClone(config.tiers), DEFAULT_TIERS);
  });

  it('DATABASE_URL chooses the PostgreSQL catalog and keeps the file\'s schema', () => {
    const file = fileWith({ catalog: { type: 'postgres', url: 'postgres://old@x/y', schema: 'tiercast_a' } });
    const config = loadConfig({ configFile: file }, { DATABASE_URL: 'postgresql://tc:pw@127.0.0.1:5432/tiercast' });
    assert.deepEqual(config.catalog, { type: 'postgres', url: 'postgresql://tc:pw@127.0.0.1:5432/tiercast', schema: 'tiercast_a' });
  });

  it('a malformed DATABASE_URL names the variable and hides the password', () => {
    assert.match(problem(() => loadConfig({}, { DATABASE_URL: 'not a url' })), /DATABASE_URL is not a URL/);
    const wrongScheme = problem(() => loadConfig({}, { DATABASE_URL: 'mysql://root:hunter2@db/x' }));
    assert.match(wrongScheme, /DATABASE_URL must be a postgres:\/\/ URL \(got mysql:/);
    assert.doesNotMatch(wrongScheme, /hunter2/);
    const inFile = problem(() => loadConfig({ configFile: fileWith({ catalog: { type: 'postgres', url: 'mysql://root:hunter2@db/x' } }) }, {}));
    assert.match(inFile, /catalog\.url is "mysql:\/\/root:\*\*\*@db\/x", expected postgres:\/\//);
  });

  it('KAFKA_BOOTSTRAP_SERVERS chooses the Kafka bus; KAFKA_TOPIC_* rename its topics', () => {
    const config = loadConfig({}, {
      KAFKA_BOOTSTRAP_SERVERS: '10.0.0.1:9092, kafka-2:9093',
      KAFKA_TOPIC_ACCESS_EVENTS: 'acc',
      KAFKA_TOPIC_MIGRATION_COMMANDS: 'cmd',
      KAFKA_TOPIC_MIGRATION_EVENTS: 'evt',
      KAFKA_TOPIC_DEAD_LETTER: 'dlq',
    });
    assert.deepEqual(structuredClone(config.bus), {
      type: 'kafka',
      brokers: ['10.0.0.1:9092', 'kafka-2:9093'],
      clientId: 'tiercast',
      createTopics: true,
      topics: { accessEvents: 'acc', migrationCommands: 'cmd', migrationEvents: 'evt', deadLetter: 'dlq' },
    });
  });

  it('refuses a broker that is not host:port, and topic names without a Kafka', () => {
    assert.match(problem(() => loadConfig({}, { KAFKA_BOOTSTRAP_SERVERS: 'kafka:9092,localhost' })), /KAFKA_BOOTSTRAP_SERVERS: "localhost" is not host:port/);
    assert.match(problem(() => loadConfig({}, { KAFKA_TOPIC_DEAD_LETTER: 'dlq' })), /KAFKA_TOPIC_DEAD_LETTER set, but no Kafka is configured/);
    assert.match(
      problem(() => loadConfig({}, { KAFKA_BOOTSTRAP_SERVERS: 'k:9092', KAFKA_TOPIC_ACCESS_EVENTS: 'no spaces allowed' })),
      /bus\.topics\.accessEvents/,
    );
  });

  it('MINIO_ENDPOINT puts the private tier on S3 with path-style URLs and the default bucket', () => {
    const config = loadConfig({}, MINIO);
    assert.deepEqual(structuredClone(tierNamed(config, 'private').backend), {
      type: 's3',
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'tiercast-private',
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'tiercast',
      secretAccessKey: 's3cret-key',
    });
    assert.equal(tierNamed(config, 'onprem').backend.type, 'fs', 'the other tiers stay folders');
    assert.equal(tierNamed(config, 'public').backend.type, 'fs');
    assert.deepEqual(tierNamed(config, 'private').pricing, DEFAULT_TIERS[1]!.pricing, 'the tier keeps its profile');
    const seedForm = loadConfig({}, { ...MINIO, MINIO_ENDPOINT: 'minio:9000', MINIO_BUCKET: 'hot-data' });
    const backend = tierNamed(seedForm, 'private').backend;
    assert.equal(backend.type === 's3' && `${backend.endpoint} ${backend.bucket}`, 'http://minio:9000 hot-data');
  });

  it('MinIO settings that are missing or wrong name the tier and the variable', () => {
    assert.match(
      problem(() => loadConfig({}, { MINIO_ENDPOINT: 'http://127.0.0.1:9000', MINIO_ROOT_PASSWORD: 'x' })),
      /tier 'private' \(MinIO\): MINIO_ENDPOINT is set but MINIO_ACCESS_KEY is not/,
    );
    assert.match(problem(() => loadConfig({}, { ...MINIO, MINIO_ROOT_PASSWORD: '' })), /tier 'private' .*MINIO_ROOT_PASSWORD is not/);
    assert.match(problem(() => loadConfig({}, { ...MINIO, MINIO_ENDPOINT: 'ftp://files:21' })), /MINIO_ENDPOINT is not an http\(s\) URL or host:port/);
    assert.match(problem(() => loadConfig({}, { ...MINIO, MINIO_BUCKET: 'Not_A_Bucket' })), /tiers\[1\]\.backend\.bucket is "Not_A_Bucket", expected bucket name/);
    const onlyTwoTiers = fileWith({
      tiers: [
        { name: 'fast', backend: { type: 'fs' }, pricing: { storageGbMonth: 0.02 }, latency: { firstByteMs: 1 }, promoteAt: 10 },
        { name: 'slow', backend: { type: 'fs' }, pricing: { storageGbMonth: 0.001 }, latency: { firstByteMs: 100 }, promoteAt: 0 },
      ],
      ingestTier: 'slow',
    });
    assert.match(problem(() => loadConfig({ configFile: onlyTwoTiers }, MINIO)), /MINIO_ENDPOINT is set .* but no tier is named 'private'/);
  });

  it('AWS_S3_BUCKET_NAME puts the public tier on S3; AWS_ENDPOINT_URL makes it any S3-compatible store', () => {
    const aws = tierNamed(loadConfig({}, AWS), 'public').backend;
    assert.deepEqual(structuredClone(aws), { type: 's3', bucket: 'my-bucket', region: 'eu-west-1', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' });
    const compatible = tierNamed(loadConfig({}, { ...AWS, AWS_ENDPOINT_URL: 'https://r2.example.com' }), 'public').backend;
    assert.ok(compatible.type === 's3' && compatible.endpoint === 'https://r2.example.com' && compatible.forcePathStyle === true);
    const instanceRole = tierNamed(loadConfig({}, { AWS_S3_BUCKET_NAME: 'my-bucket', AWS_REGION: 'eu-west-1' }), 'public').backend;
    assert.ok(instanceRole.type === 's3' && instanceRole.accessKeyId === undefined, "no keys: the AWS SDK's default credentials");
  });

  it('AWS settings that are missing or still the example\'s placeholders name the tier and the variable', () => {
    assert.match(problem(() => loadConfig({}, { ...AWS, AWS_REGION: undefined })), /tier 'public' \(AWS S3\): AWS_S3_BUCKET_NAME is set but AWS_REGION is not/);
    assert.match(problem(() => loadConfig({}, { ...AWS, AWS_SECRET_ACCESS_KEY: '' })), /tier 'public' .*AWS_SECRET_ACCESS_KEY is not/);
    assert.match(problem(() => loadConfig({}, { ...AWS, AWS_ACCESS_KEY_ID: 'YOUR_AWS_ACCESS_KEY' })), /tier 'public' .*AWS_ACCESS_KEY_ID still holds the placeholder "YOUR_AWS_ACCESS_KEY"/);
    assert.match(problem(() => loadConfig({}, { ...AWS, AWS_ENDPOINT_URL: 'not a url' })), /AWS_ENDPOINT_URL is not an http\(s\) URL/);
  });

  it('explains S3 tiers written in the config file', () => {
    const tiers = (backend: Record<string, unknown>, slowBackend: Record<string, unknown> = { type: 'fs' }) => ({
      tiers: [
        { name: 'fast', backend, pricing: { storageGbMonth: 0.02 }, latency: { firstByteMs: 1 }, promoteAt: 10 },
        { name: 'slow', backend: slowBackend, pricing: { storageGbMonth: 0.001 }, latency: { firstByteMs: 100 }, promoteAt: 0 },
      ],
      ingestTier: 'slow',
    });
    const load = (content: unknown) => loadConfig({ configFile: fileWith(content) }, {});
    assert.match(problem(() => load(tiers({ type: 'gcs' }))), /tiers\[0\]\.backend\.type must be one of fs, s3 \(got "gcs"\)/);
    assert.match(problem(() => load(tiers({ type: 's3', bucket: 'b-1' }))), /tiers\[0\]\.backend must have required properties region/);
    assert.match(problem(() => load(tiers({ type: 's3', bucket: 'b-1', region: 'r', bukket: 'x' }))), /tiers\[0\]\.backend .*unknown setting: bukket/);
    assert.match(problem(() => load(tiers({ type: 's3', bucket: 'b-1', region: 'r', accessKeyId: 'k' }))), /tier 'fast': tiers\[0\]\.backend\.secretAccessKey is missing/);
    assert.match(problem(() => load(tiers({ type: 's3', bucket: 'b-1', region: 'r', endpoint: 'minio:9000' }))), /tiers\[0\]\.backend\.endpoint is "minio:9000", expected URL/);
    const same = { type: 's3', bucket: 'b-1', region: 'r', prefix: 'x' };
    assert.match(problem(() => load(tiers(same, same))), /two tiers store into the same bucket/);
    const config = load(tiers({ ...same, endpoint: 'http://127.0.0.1:9000' }, { ...same, prefix: 'y' }));
    assert.deepEqual(config.tiers.map((t) => t.backend.type), ['s3', 's3']);
  });

  it('roles: unknown ones are refused; api and worker need PostgreSQL and Kafka', () => {
    assert.match(problem(() => loadConfig({}, { TIERCAST_ROLE: 'boss' })), /role must be one of all, api, worker \(got "boss"\)/);
    const alone = problem(() => loadConfig({ role: 'worker' }, {}));
    assert.match(alone, /role 'worker' .* needs a PostgreSQL catalog \(DATABASE_URL.*\) and a Kafka bus \(KAFKA_BOOTSTRAP_SERVERS/);
    assert.match(problem(() => loadConfig({}, { TIERCAST_ROLE: 'api', DATABASE_URL: SHARED.DATABASE_URL })), /role 'api' .* needs a Kafka bus/);
    assert.equal(loadConfig({}, { ...SHARED, TIERCAST_ROLE: 'api' }).role, 'api');
    assert.equal(loadConfig({ role: 'worker' }, { ...SHARED, TIERCAST_ROLE: 'api' }).role, 'worker', 'the flag wins over the environment');
    assert.equal(loadConfig({}, { KAFKA_BOOTSTRAP_SERVERS: 'k:9092' }).role, 'all', 'one process may use Kafka with the embedded catalog');
  });

  it('reads a .env file: comments, export, quotes', () => {
    const path = join(dir.path, '.env');
    writeFileSync(path, ['# a comment', 'export DATABASE_URL="postgres://a:b@h/d"', "MINIO_BUCKET='hot'", 'AWS_REGION=eu-west-1  # trailing', '', 'not a setting'].join('\n'));
    assert.deepEqual(readDotEnv(path), { DATABASE_URL: 'postgres://a:b@h/d', MINIO_BUCKET: 'hot', AWS_REGION: 'eu-west-1' });
    assert.deepEqual(readDotEnv(join(dir.path, 'absent.env')), {});
  });
});
