import { formatUsd as formatUsdPlain } from '../../src/cli/format.js';

/** Display formats. Bytes and dollars come from the CLI's formatter, so both faces print the same figures. */
export { formatBytes } from '../../src/cli/format.js';

/** Dollars; amounts below a millionth of a dollar (a few bytes for an hour) read as such rather than in e-notation. */
export function formatUsd(value: number): string {
  return value > 0 && value < 1e-6 ? '< $0.000001' : formatUsdPlain(value);
}

const count = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** 12345.6 → "12,345.6" */
export const formatCount = (value: number) => count.format(value);

/** "2026-11-25 09:14:03" in the browser's time zone. */
export function formatTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** "09:14:03" */
export function formatClock(iso: string | number): string {
  return formatTime(iso).slice(11);
}

/** "3 min ago", "in 2 h", "just now". */
export function formatRelative(iso: string | number | null | undefined, now = Date.now()): string {
  if (iso === null || iso === undefined) return 'never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  const [value, unit] =
    abs < 90 ? [abs, 's'] : abs < 90 * 60 ? [Math.round(abs / 60), 'min'] : abs < 36 * 3600 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return seconds < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/** 90061 s → "1 d 1 h" */
export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round(seconds / 360) / 10} h`;
  return `${Math.round(seconds / 8640) / 10} d`;
}

/** Shortens a UUID-like id for tables; the full id stays in the title and the link. */
export function shortId(id: string): string {
  return id.length > 14 ? `${id.slice(0, 8)}…` : id;
}

/** reactive_access_spike → "reactive access spike" */
export const words = (code: string) => code.replace(/_/g, ' ');
