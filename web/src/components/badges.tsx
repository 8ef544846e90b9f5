import { tierColour, useTiers } from '../hooks/use-tiers.js';
import { words } from '../format.js';

/** A tier's name on its colour (the colour follows the tier's speed rank). */
export function TierBadge({ tier }: { tier: string }) {
  const tiers = useTiers();
  return (
    <span class="badge tier" style={{ '--tier': tierColour(tiers, tier) }} data-tier={tier}>
      {tier}
    </span>
  );
}

/** A migration state, coloured by what it means: moving, done, failed. */
export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`badge status status-${status}`} data-status={status}>
      {words(status)}
    </span>
  );
}

export function Move({ from, to }: { from: string; to: string }) {
  return (
    <span class="move">
      <TierBadge tier={from} /> <span aria-label="to">→</span> <TierBadge tier={to} />
    </span>
  );
}
