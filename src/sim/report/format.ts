/**
 * Number formats of the simulation report. Costs in a replay range from fractions of a
 * cent to thousands of dollars, so they keep significant digits rather than two decimals.
 */
export { formatBytes } from '../../cli/format.js';

/** 1234567.8 → "1,234,568"; 0.000123456 → "0.0001235" (4 significant digits by default). */
export function formatSignificant(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  let decimals = Math.max(0, digits - 1 - magnitude);
  if (decimals > 12) return value.toExponential(digits - 1);
  let text = value.toFixed(decimals);
  // 9.9996 rounds up to 10.000: one digit too many after the carry.
  if (decimals > 0 && Math.abs(Number(text)) >= 10 ** (magnitude + 1)) text = value.toFixed(--decimals);
  return groupThousands(text);
}

export function formatUsd(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return '–';
  return value < 0 ? `-$${formatSignificant(-value, digits)}` : `$${formatSignificant(value, digits)}`;
}

/** Whole counts with thousands separators: 1234567 → "1,234,567". */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? groupThousands(Math.round(value).toString()) : '–';
}

/** Regret as a multiple of the optimum, 4 significant digits: 1.0734 → "1.073×", 393.66 → "393.7×"; unknown → "–". */
export function formatRegret(regret: number | null): string {
  return regret === null || !Number.isFinite(regret) ? '–' : `${formatSignificant(regret)}×`;
}

/** A share 0..1 as a percentage: 0.4567 → "45.7%". */
export function formatShare(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : '–';
}

/** Latency in ms, 4 significant digits: "12.35 ms". */
export function formatMs(ms: number): string {
  return `${formatSignificant(ms)} ms`;
}

/** Seconds as the unit a person reads them in: "45 s", "12.5 min", "3.25 h", "4.17 days". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 120) return `${formatSignificant(seconds, 3)} s`;
  if (seconds < 7_200) return `${formatSignificant(seconds / 60, 3)} min`;
  if (seconds < 172_800) return `${formatSignificant(seconds / 3_600, 3)} h`;
  return `${formatSignificant(seconds / 86_400, 3)} days`;
}

/** A plain number without float noise, for axis ticks: 0.30000000000000004 → "0.3". */
export function formatTick(value: number): string {
  const clean = Number(value.toPrecision(10));
  return Math.abs(clean) >= 1e-6 || clean === 0 ? groupThousands(clean.toString()) : clean.toExponential();
}

function groupThousands(text: string): string {
  const [whole, fraction] = text.split('.');
  const sign = whole!.startsWith('-') ? '-' : '';
  const digits = sign ? whole!.slice(1) : whole!;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? `${sign}${grouped}` : `${sign}${grouped}.${fraction}`;
}
