import { useEffect, useState } from 'preact/hooks';
import { tiers as fetchTiers } from '../api/system.js';
import type { Tier } from '../api/types.js';

let cached: Promise<Tier[]> | undefined;

/** The configured tiers, fastest first (loaded once per page; they change only with a restart). */
export function useTiers(): Tier[] {
  const [tiers, setTiers] = useState<Tier[]>([]);
  useEffect(() => {
    cached ??= fetchTiers().then(
      (body) => body.tiers,
      (error: unknown) => {
        cached = undefined;
        throw error;
      },
    );
    cached.then(setTiers, () => undefined);
  }, []);
  return tiers;
}

/** Tier colours by speed rank: warm for fast, cool for cheap. Unknown tiers get the last one. */
export const TIER_COLOURS = ['#c2410c', '#0e7490', '#4d7c0f', '#6d28d9', '#be185d', '#475569'];

export function tierColour(tiers: readonly Tier[], name: string): string {
  const rank = tiers.find((t) => t.name === name)?.rank ?? TIER_COLOURS.length - 1;
  return TIER_COLOURS[Math.min(rank, TIER_COLOURS.length - 1)]!;
}
