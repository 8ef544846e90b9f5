import { runProactiveSweep } from '../api/system.js';
import type { Sweep } from '../api/types.js';
import { Move } from '../components/badges.js';
import { ErrorNote, SuccessNote } from '../components/messages.js';
import { formatCount, formatUsd, shortId } from '../format.js';
import { useAction } from '../hooks/use-action.js';
import { Link, objectHref } from '../router.js';

/** Run the proactive sweep now instead of waiting for its timer, and list what it planned. */
export function SweepForm() {
  const action = useAction<Sweep>();
  const result = action.result;
  return (
    <form
      class="action"
      aria-labelledby="sweep-title"
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(runProactiveSweep);
      }}
    >
      <h3 id="sweep-title">Run the proactive sweep</h3>
      <p class="muted small">Forecasts every object and plans a move wherever another tier is cheaper for the forecast, the move included.</p>
      <button type="submit" disabled={action.busy}>
        {action.busy ? 'Sweeping…' : 'Run now'}
      </button>
      {action.error ? <ErrorNote doing="run the proactive sweep" error={action.error} /> : null}
      {result ? (
        <SuccessNote>
          <p>
            Forecast {formatCount(result.forecasts)} of {formatCount(result.objects)} objects with {result.model.family}
            {result.model.version ? ` v${result.model.version}` : ''} in {(result.duration_ms / 1000).toFixed(1)} s;{' '}
            {result.planned.length === 0 ? 'no move pays for itself now.' : `${result.planned.length} move${result.planned.length === 1 ? '' : 's'} planned:`}
          </p>
          {result.planned.length > 0 ? (
            <ul class="plain">
              {result.planned.slice(0, 20).map((p) => (
                <li key={p.migration_id}>
                  <Link href={objectHref(p.object_id)}>{shortId(p.object_id)}</Link> <Move from={p.from} to={p.to} /> {formatCount(p.predicted_accesses)} accesses expected,
                  saves {formatUsd(p.saving_usd)}
                </li>
              ))}
            </ul>
          ) : null}
        </SuccessNote>
      ) : null}
    </form>
  );
}
