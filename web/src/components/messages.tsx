import type { ComponentChildren } from 'preact';
import { errorInWords } from '../api/http.js';

/** An error in words: what could not be done, why, and what to do about it. */
export function ErrorNote({ doing, error }: { doing: string; error: unknown }) {
  const { message, hint } = errorInWords(error);
  return (
    <div class="note error" role="alert">
      <strong>Could not {doing}:</strong> {message}.{hint ? <span class="hint"> {capitalise(hint)}.</span> : null}
    </div>
  );
}

export function SuccessNote({ children }: { children: ComponentChildren }) {
  return (
    <div class="note success" role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-busy="true">Loading {what}…</p>;
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1).replace(/\.$/, '');
