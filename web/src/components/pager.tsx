import { formatCount } from '../format.js';

/** Previous / next over a server-side page, with where we are in words. */
export function Pager({ total, limit, offset, onOffset, label }: { total: number; limit: number; offset: number; onOffset: (offset: number) => void; label: string }) {
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + limit, total);
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={() => onOffset(0)} disabled={offset === 0} aria-label="First page">
        «
      </button>
      <button type="button" onClick={() => onOffset(Math.max(0, offset - limit))} disabled={offset === 0}>
        ‹ Previous
      </button>
      <span class="pager-status" aria-live="polite">
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)} {label} · page {formatCount(page)} of {formatCount(pages)}
      </span>
      <button type="button" onClick={() => onOffset(offset + limit)} disabled={last >= total}>
        Next ›
      </button>
      <button type="button" onClick={() => onOffset((pages - 1) * limit)} disabled={last >= total} aria-label="Last page">
        »
      </button>
    </nav>
  );
}
