/** Linear scales, "nice" ticks and the units of the report's axes. */

export type Scale = (value: number) => number;

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * About `target` ticks from 0 (or below `min`) to at least `max`, stepping by 1, 2 or 5 × 10^k,
 * so that tick labels stay short and round.
 */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) max = min + (min === 0 ? 1 : Math.abs(min));
  const power = 10 ** Math.floor(Math.log10((max - min) / Math.max(1, target)));
  const intervals = (step: number) => Math.ceil(max / step - 1e-9) - Math.floor(min / step + 1e-9);
  // The round step whose number of intervals comes nearest the target (fewer on a tie).
  const step = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50]
    .map((m) => m * power)
    .reduce((best, s) => {
      const miss = Math.abs(intervals(s) - target);
      const bestMiss = Math.abs(intervals(best) - target);
      return miss < bestMiss || (miss === bestMiss && s > best) ? s : best;
    });
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

export interface AxisUnit {
  /** Values are divided by this before they are shown. */
  divisor: number;
  /** Unit named in the axis label, e.g. "days" or "GiB". */
  name: string;
}

/** The unit elapsed time is shown in, chosen so that the span reads as 2 or more of it. */
export function timeUnitFor(spanSeconds: number): AxisUnit {
  if (spanSeconds >= 2 * 86_400) return { divisor: 86_400, name: 'days' };
  if (spanSeconds >= 2 * 3_600) return { divisor: 3_600, name: 'hours' };
  if (spanSeconds >= 2 * 60) return { divisor: 60, name: 'minutes' };
  return { divisor: 1, name: 'seconds' };
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** The binary unit in which `maxBytes` reads as at least 1. */
export function byteUnitFor(maxBytes: number): AxisUnit {
  let unit = 0;
  while (maxBytes >= 1024 ** (unit + 1) && unit < BYTE_UNITS.length - 1) unit++;
  return { divisor: 1024 ** unit, name: BYTE_UNITS[unit]! };
}

/** Keeps at most `limit` evenly spread items, always the first and the last. */
export function thin<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const out: T[] = [];
  const step = (items.length - 1) / (limit - 1);
  for (let i = 0; i < limit; i++) out.push(items[Math.round(i * step)]!);
  return out;
}
