import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Type from 'typebox';
import Value from 'typebox/value';
import { invalidInput } from '../domain/errors.js';
import type { SimProfile } from './model.js';

/** Built-in profiles ship as JSON files in the repo's profiles/ folder. */
export const PROFILES_DIR = new URL('../../profiles/', import.meta.url).pathname;
export const BUILT_IN_PROFILES = ['seed', 'hybrid-cloud', 'three-clouds'] as const;

const Pricing = Type.Object({
  storageGbMonth: Type.Number({ minimum: 0 }),
  getPer1000: Type.Number({ minimum: 0 }),
  putPer1000: Type.Number({ minimum: 0 }),
  retrievalPerGb: Type.Number({ minimum: 0 }),
  minBillableBytes: Type.Optional(Type.Number({ minimum: 0 })),
});
const Latency = Type.Object({ firstByteMs: Type.Number({ minimum: 0 }), perMbMs: Type.Number({ minimum: 0 }) });
/** A tier as the service configures it; a `backend` may be present (pasted from a config) and is ignored. */
const ProfileTier = Type.Object({
  name: Type.String({ minLength: 1 }),
  pricing: Pricing,
  latency: Latency,
  promoteAt: Type.Integer({ minimum: 0 }),
  backend: Type.Optional(Type.Unknown()),
});
const ProfileSchema = Type.Object({
  name: Type.String({ minLength: 1 }),
  description: Type.String({ default: '' }),
  ingestTier: Type.String(),
  latencyPenaltyPerSecond: Type.Number({ minimum: 0 }),
  tiers: Type.Array(ProfileTier, { minItems: 1, maxItems: 255 }),
  sources: Type.Optional(Type.Array(Type.String())),
});

/** A built-in profile's name, or the path of a profile JSON file. */
export function loadProfile(nameOrFile: string): SimProfile {
  const builtIn = (BUILT_IN_PROFILES as readonly string[]).includes(nameOrFile);
  const path = builtIn ? join(PROFILES_DIR, `${nameOrFile}.json`) : nameOrFile;
  const hint = `give a built-in profile (${BUILT_IN_PROFILES.join(', ')}) or the path of a profile JSON file`;
  if (!existsSync(path)) throw invalidInput(`profile '${nameOrFile}' is neither a built-in profile nor a file`, hint);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw invalidInput(`profile ${path} is not valid JSON: ${(error as Error).message}`, hint);
  }
  return parseProfile(raw, path);
}

export function parseProfile(raw: unknown, where = 'profile'): SimProfile {
  const value = Value.Default(ProfileSchema, structuredClone(raw));
  const error = Value.Errors(ProfileSchema, value)[0];
  if (error) {
    const at = (error as { instancePath?: string }).instancePath || '/';
    throw invalidInput(`${where}: ${at} ${error.message}`, 'a profile has name, ingestTier, latencyPenaltyPerSecond and tiers [{name, pricing, latency, promoteAt}] fastest first');
  }
  const profile = value as SimProfile & { tiers: Array<{ backend?: unknown }> };
  const names = profile.tiers.map((t) => t.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw invalidInput(`${where}: tier '${duplicate}' appears twice`, 'tier names must be unique');
  if (!names.includes(profile.ingestTier)) throw invalidInput(`${where}: ingestTier '${profile.ingestTier}' is not one of its tiers (${names.join(', ')})`, 'name one of the profile\'s tiers');
  return {
    name: profile.name,
    description: profile.description,
    ingestTier: profile.ingestTier,
    latencyPenaltyPerSecond: profile.latencyPenaltyPerSecond,
    tiers: profile.tiers.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt })),
    sources: profile.sources,
  };
}
