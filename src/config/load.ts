import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Value from 'typebox/value';
import { ConfigSchema, type TiercastConfig } from './schema.js';
import { DEFAULT_TIERS } from './defaults.js';
import { applyEnvironment, type Env } from './env.js';
import { configError, firstProblem, redact } from './validate.js';

/** Settings given on the command line; they win over the environment and the file. */
export interface ConfigOverrides {
  configFile?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  role?: string;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw configError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('the top level must be a JSON object');
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw configError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Builds the configuration once, at start-up: defaults ← file ← environment ← flags.
 * The result is validated and frozen; a bad setting throws a config_error naming it.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Readonly<TiercastConfig> {
  const file = overrides.configFile ?? env.TIERCAST_CONFIG ?? (existsSync('tiercast.config.json') ? 'tiercast.config.json' : undefined);
  const raw: Record<string, unknown> = file ? readConfigFile(resolve(file)) : {};
  const merged = applyEnvironment({ ...raw, tiers: raw.tiers ?? structuredClone(DEFAULT_TIERS) }, env);
  const server = merged.server as Record<string, unknown>;
  if (overrides.port !== undefined) server.port = overrides.port;
  if (overrides.host) server.host = overrides.host;
  if (overrides.dataDir) merged.dataDir = overrides.dataDir;
  if (overrides.role) merged.role = overrides.role;

  const withDefaults = Value.Default(ConfigSchema, merged);
  const problem = firstProblem(ConfigSchema, withDefaults);
  if (problem) throw configError(`${tierOf(withDefaults, problem)}${redact(problem)}${file ? ` (in ${file})` : ''}`);
  const config = withDefaults as TiercastConfig;
  checkTierRules(config);
  checkRoleRules(config);
  return deepFreeze(config);
}

/** `tier 'private': ` when the problem sits inside a tier (whose index alone says little). */
function tierOf(config: unknown, problem: string): string {
  const index = /^tiers\[(\d+)\]/.exec(problem)?.[1];
  const name = index === undefined ? undefined : (config as { tiers?: Array<{ name?: unknown }> }).tiers?.[Number(index)]?.name;
  return typeof name === 'string' ? `tier '${name}': ` : '';
}

/** Rules that a schema cannot state: unique names, a known ingest tier, an ordered ladder. */
function checkTierRules(config: TiercastConfig): void {
  const names = config.tiers.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw configError(`tiers: the name '${duplicate}' is used twice`);
  if (!names.includes(config.ingestTier)) {
    throw configError(`ingestTier '${config.ingestTier}' is not one of the tiers (${names.join(', ')})`);
  }
  const last = config.tiers[config.tiers.length - 1]!;
  if (last.promoteAt !== 0) {
    throw configError(`tiers[${config.tiers.length - 1}].promoteAt must be 0: the slowest tier takes every object that is not hot enough for a faster one`);
  }
  config.tiers.forEach((tier, i) => {
    const slower = config.tiers[i + 1];
    if (slower && tier.promoteAt <= slower.promoteAt) {
      throw configError(
        `tiers[${i}].promoteAt (${tier.promoteAt}) must be greater than tiers[${i + 1}].promoteAt (${slower.promoteAt}): tiers are listed fastest first`,
      );
    }
  });
  const places = config.tiers.map((t) =>
    t.backend.type === 'fs' ? `folder '${t.backend.path ?? `tiers/${t.name}`}'` : `bucket ${t.backend.endpoint ?? 'AWS S3'}/${t.backend.bucket}/${t.backend.prefix ?? ''}`,
  );
  const samePlace = places.find((p, i) => places.indexOf(p) !== i);
  if (samePlace) throw configError(`two tiers store into the same ${samePlace}`, 'give each tier its own folder, or its own bucket or prefix');
  config.tiers.forEach((tier, i) => {
    const backend = tier.backend;
    if (backend.type === 's3' && (backend.accessKeyId === undefined) !== (backend.secretAccessKey === undefined)) {
      const missing = backend.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
      throw configError(`tier '${tier.name}': tiers[${i}].backend.${missing} is missing`, 'give both accessKeyId and secretAccessKey, or neither to use the AWS SDK\'s default credentials');
    }
  });
}

/**
 * API and worker processes run apart, so they must share what they coordinate through:
 * a catalog every process sees (PostgreSQL) and a bus that crosses processes (Kafka).
 */
function checkRoleRules(config: TiercastConfig): void {
  if (config.role === 'all') return;
  const missing = [
    config.catalog.type === 'postgres' ? undefined : 'a PostgreSQL catalog (DATABASE_URL, or catalog.type "postgres")',
    config.bus.type === 'kafka' ? undefined : 'a Kafka bus (KAFKA_BOOTSTRAP_SERVERS, or bus.type "kafka")',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw configError(
      `role '${config.role}' runs apart from the other processes, so it needs ${missing.join(' and ')}`,
      "configure both, or run everything in one process with role 'all' (the default)",
    );
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
