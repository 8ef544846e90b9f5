import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Connection settings of the real services (PostgreSQL, Kafka, the S3-protocol server)
 * that `npm run services:up` starts and writes to `.services.env` in the repo root.
 * Process environment wins over the file, so CI or a user can point tests elsewhere.
 */
const repoRoot = new URL('../..', import.meta.url).pathname;
export const SERVICES_ENV_FILE = join(repoRoot, '.services.env');

export type ServiceName = 'postgres' | 'kafka' | 's3';

/** The variables each service must provide (the names Tiercast's own configuration reads). */
export const SERVICE_KEYS: Record<ServiceName, readonly string[]> = {
  postgres: ['DATABASE_URL'],
  kafka: ['KAFKA_BOOTSTRAP_SERVERS'],
  s3: ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_ROOT_PASSWORD'],
};

export function readServicesEnvFile(path = SERVICES_ENV_FILE): Record<string, string> {
  if (!existsSync(path)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) values[match[1]!] = match[2]!.trim();
  }
  return values;
}

/**
 * The settings of one service, or a reason it is unavailable. Under CI=true an unavailable
 * service is an error (tests that need a real service must run there, never skip).
 */
export function serviceSettings(name: ServiceName): { env: Record<string, string> } | { skip: string } {
  const file = readServicesEnvFile();
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const key of SERVICE_KEYS[name]) {
    const value = process.env[key] ?? file[key];
    if (value) env[key] = value;
    else missing.push(key);
  }
  // Keep every other value the file or the environment gives (bucket names, region, ...).
  for (const [key, value] of Object.entries(file)) if (!(key in env) && process.env[key] === undefined) env[key] = value;
  if (missing.length === 0) return { env };
  const reason = `${name} is not running (${missing.join(', ')} unset): run \`npm run services:up\` first`;
  if (process.env.CI === 'true') throw new Error(`${reason}; under CI=true service tests must run, not skip`);
  return { skip: reason };
}

/** For `describe(name, { skip: skipUnless('postgres') }, ...)`: false when the service is there. */
export function skipUnless(name: ServiceName): string | false {
  const settings = serviceSettings(name);
  return 'skip' in settings ? settings.skip : false;
}

/** The settings of a service that must be available (call after skipUnless let the test run). */
export function requireService(name: ServiceName): Record<string, string> {
  const settings = serviceSettings(name);
  if ('skip' in settings) throw new Error(settings.skip);
  return settings.env;
}
