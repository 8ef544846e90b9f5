import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Value from 'typebox/value';
import { TiercastError } from '../domain/errors.js';
import { ConfigSchema, type TiercastConfig } from './schema.js';
import { DEFAULT_TIERS } from './defaults.js';

/** Settings given on the command line; they win over the environment and the file. */
export interface ConfigOverrides {
  configFile?: string;
  port?: number;
  host?: string;
  dataDir?: string;
}

const configError = (message: string, hint?: string) =>
  new TiercastError('config_error', `invalid configuration: ${message}`, {
    hint: hint ?? 'fix the setting (see "Configuration" in README.md) and start again',
  });

/** JSON pointer `/tiers/0/pricing` → `tiers[0].pricing`, the way users write settings. */
function settingName(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
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

function integerFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw configError(`${name}=${raw} is not a whole number`);
  return Number(raw);
}

/**
 * Builds the configuration once, at start-up: defaults ← file ← environment ← flags.
 * The result is validated and frozen; a bad setting throws a config_error naming it.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Readonly<TiercastConfig> {
  const file = overrides.configFile ?? env.TIERCAST_CONFIG ?? (existsSync('tiercast.config.json') ? 'tiercast.config.json' : undefined);
  const raw: Record<string, unknown> = file ? readConfigFile(resolve(file)) : {};
  const server = { ...((raw.server as Record<string, unknown> | undefined) ?? {}) };

  const port = overrides.port ?? integerFromEnv(env, 'TIERCAST_PORT');
  if (port !== undefined) server.port = port;
  const host = overrides.host ?? env.TIERCAST_HOST;
  if (host) server.host = host;
  const dataDir = overrides.dataDir ?? env.TIERCAST_DATA_DIR;
  const merged: Record<string, unknown> = {
    ...raw,
    server,
    tiers: raw.tiers ?? structuredClone(DEFAULT_TIERS),
    ...(dataDir ? { dataDir } : {}),
    ...(env.TIERCAST_INGEST_TIER ? { ingestTier: env.TIERCAST_INGEST_TIER } : {}),
    ...(env.TIERCAST_LOG_LEVEL ? { logLevel: env.TIERCAST_LOG_LEVEL } : {}),
  };

  const withDefaults = Value.Default(ConfigSchema, merged);
  const firstError = [...Value.Errors(ConfigSchema, withDefaults)].find((e) => e.keyword !== 'boolean') ?? [...Value.Errors(ConfigSchema, withDefaults)][0];
  if (firstError) {
    const where = settingName(firstError.instancePath) || 'the top level';
    const extra =
      firstError.keyword === 'additionalProperties'
        ? ` (unknown setting: ${(firstError.params as { additionalProperties?: string[] }).additionalProperties?.join(', ')})`
        : '';
    throw configError(`${where} ${firstError.message}${extra}${file ? ` (in ${file})` : ''}`);
  }
  const config = withDefaults as TiercastConfig;
  checkTierRules(config);
  return deepFreeze(config);
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
  const paths = config.tiers.map((t) => t.backend.path ?? `tiers/${t.name}`);
  const samePath = paths.find((p, i) => paths.indexOf(p) !== i);
  if (samePath) throw configError(`two tiers store into the same folder '${samePath}'`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
