import { invalidInput } from '../domain/errors.js';
import { fabricPoolAutoRule, IdleDemotionPolicy, s3IntelligentTieringRule } from './policies/idle-demotion.js';
import { SeedThresholdsPolicy } from './policies/seed-thresholds.js';
import { BreakEvenPolicy } from './policies/break-even-policy.js';
import type { ServicePolicySettings } from './policies/service-settings.js';
import { StaticPolicy } from './policies/static.js';
import type { OnlinePolicy, PolicyContext } from './policy.js';

export const OPTIMA = ['optimal', 'optimal-reactive'] as const;
export type OptimumName = (typeof OPTIMA)[number];

/** Every policy name the simulator knows for a profile, in report order. */
export function policyNames(tierNames: readonly string[]): string[] {
  return [
    'hybrid',
    'reactive',
    'seed-thresholds',
    's3-intelligent-tiering',
    'fabricpool-auto',
    ...tierNames.map((t) => `static-${t}`),
    ...OPTIMA,
  ];
}

/**
 * Resolves `--policies` (a comma list or `all`) to known names. `optimal` is always
 * included: every regret is measured against it.
 */
export function resolvePolicies(list: string, tierNames: readonly string[]): string[] {
  const known = policyNames(tierNames);
  const asked = list.trim() === 'all' ? known : list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = asked.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw invalidInput(`unknown polic${unknown.length > 1 ? 'ies' : 'y'} ${unknown.map((u) => `'${u}'`).join(', ')}`, `choose from: all, ${known.join(', ')}`);
  }
  if (asked.length === 0) throw invalidInput('no policy given', `choose from: all, ${known.join(', ')}`);
  return [...new Set([...asked, 'optimal'])];
}

/** Builds an online policy by name (the optima are not online and are built by the replay). */
export function createOnlinePolicy(name: string, context: PolicyContext, settings: ServicePolicySettings, objectId: (object: number) => string): OnlinePolicy {
  const tiers = context.profile.tiers;
  if (name === 'hybrid' || name === 'reactive') return new BreakEvenPolicy(name, context, settings, objectId);
  if (name === 'seed-thresholds') return new SeedThresholdsPolicy(context);
  if (name === 's3-intelligent-tiering') return new IdleDemotionPolicy(context, s3IntelligentTieringRule(tiers.length));
  if (name === 'fabricpool-auto') return new IdleDemotionPolicy(context, fabricPoolAutoRule(tiers.length));
  const tier = tiers.findIndex((t) => `static-${t.name}` === name);
  if (tier >= 0) return new StaticPolicy(context, tier);
  throw invalidInput(`unknown policy '${name}'`);
}
