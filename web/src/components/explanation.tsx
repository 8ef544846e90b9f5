import { formatCount, formatDuration, formatUsd, words } from '../format.js';

type Explanation = Record<string, unknown>;


const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/**
 * Why a migration was planned, in sentences: the policy's inputs, the forecast, the
 * expected cost in each tier and the saving. The raw record stays one click away.
 */
export function ExplanationText({ reason, explanation: recorded, compact = false }: { reason: string; explanation: object | null; compact?: boolean }) {
  if (!recorded) return <p class="muted">No explanation was recorded.</p>;
  const explanation = recorded as Explanation;
  const costs = costTable(explanation);
  return (
    <div class={compact ? 'explanation small' : 'explanation'}>
      {summary(reason, explanation)}
      {compact ? null : costs}
      <details>
        <summary>{compact && costs ? 'Expected costs and all inputs' : 'All recorded inputs'}</summary>
        {compact ? costs : null}
        <pre>{JSON.stringify(explanation, null, 2)}</pre>
      </details>
    </div>
  );
}

function summary(reason: string, e: Explanation) {
  if (e.policy === 'break-even') {
    const accesses = num(e.accesses_since_entering_tier) ?? 0;
    const paid = num(e.extra_paid_by_staying_usd) ?? 0;
    const breakEven = num(e.break_even_usd) ?? 0;
    const since = typeof e.in_tier_since === 'string' ? e.in_tier_since.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'it arrived';
    return reason === 'reactive_access_spike' ? (
      <p>
        {formatCount(accesses)} accesses since {since}: staying has cost {formatUsd(paid)} more than the faster tier would have, which reached the break-even of{' '}
        {formatUsd(breakEven)} (a move there and back).
      </p>
    ) : (
      <p>
        Idle in its tier since its last accesses ({formatCount(accesses)} since {since}): holding it there has cost {formatUsd(paid)} more than the slower tier would have,
        which reached the break-even of {formatUsd(breakEven)}.
      </p>
    );
  }
  if (e.policy === 'burst forecast') {
    const start = typeof e.forecast_burst_start === 'string' ? e.forecast_burst_start.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '?';
    return (
      <p>
        Its bursts of reads come every {num(e.period_hours) ?? '?'} h; the next is due at {start}. The last one had {formatCount(num(e.reads_in_last_burst) ?? 0)} reads, which cost less
        here, the moves there and back included.
      </p>
    );
  }
  const accessesInWindow = num(e.accesses_in_window);
  if (reason === 'reactive_access_spike' && accessesInWindow !== undefined) {
    return (
      <p>
        {formatCount(accessesInWindow)} accesses in the last {formatDuration(num(e.window_seconds) ?? 0)} reached this tier's threshold of{' '}
        {formatCount(num(e.threshold) ?? 0)}.
      </p>
    );
  }
  const cooling = num(e.accesses_in_cooling_period);
  if (reason === 'reactive_cooling' && cooling !== undefined) {
    return (
      <p>
        Only {formatCount(cooling)} accesses in the last {formatDuration(num(e.cooling_period_seconds) ?? 0)} (it needed {formatCount(num(e.keep_threshold) ?? 0)} to
        stay), after {formatDuration(num(e.residency_seconds) ?? 0)} in the tier.
      </p>
    );
  }
  const predicted = num(e.predicted_accesses);
  if (predicted !== undefined) {
    const model = e.model as { version?: number; family?: string } | undefined;
    const saving = num(e.saving_usd);
    return (
      <p>
        Forecast: {formatCount(predicted)} accesses in the next {num(e.horizon_hours) ?? '?'} h
        {model?.family ? ` (model ${model.family}${model.version ? ` v${model.version}` : ''})` : ''}, priced over {formatDuration((num(e.planning_window_hours) ?? 0) * 3600)}
        {saving !== undefined ? <>; the move saves {formatUsd(saving)} over that time, its own cost included.</> : '.'}
      </p>
    );
  }
  if (reason === 'manual') {
    const held = e.held_until;
    return <p>Moved by hand. {held === 'pinned' ? 'Pinned there until unpinned.' : typeof held === 'string' ? `The policies leave it there until ${held.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}.` : 'No hold.'}</p>;
  }
  return <p>{words(reason)}</p>;
}

function costTable(e: Explanation) {
  const costs = e.expected_cost_usd as Record<string, number> | undefined;
  if (!costs || typeof costs !== 'object') return null;
  const cheapest = Math.min(...Object.values(costs));
  return (
    <table class="compact">
      <caption>Expected cost in each tier over the planning window</caption>
      <thead>
        <tr>
          <th scope="col">tier</th>
          <th scope="col" class="num">
            expected cost (USD)
          </th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(costs).map(([tier, cost]) => (
          <tr key={tier} class={cost === cheapest ? 'best' : undefined}>
            <td>
              {tier}
              {cost === cheapest ? ' (cheapest)' : ''}
            </td>
            <td class="num">{formatUsd(cost)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
