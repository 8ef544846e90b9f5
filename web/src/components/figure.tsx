import type { ComponentChildren } from 'preact';

/** One headline number with its label and unit. */
export function Figure({ label, value, note, testId }: { label: string; value: ComponentChildren; note?: ComponentChildren; testId?: string }) {
  return (
    <div class="figure" data-testid={testId}>
      <div class="figure-label">{label}</div>
      <div class="figure-value">{value}</div>
      {note ? <div class="figure-note">{note}</div> : null}
    </div>
  );
}
