import { useState } from 'preact/hooks';
import { listMigrations } from '../api/migrations.js';
import { Move, StatusBadge } from '../components/badges.js';
import { ExplanationText } from '../components/explanation.js';
import { ErrorNote, Loading } from '../components/messages.js';
import { Pager } from '../components/pager.js';
import { formatBytes, formatClock, formatTime, shortId, words } from '../format.js';
import { useAsync } from '../hooks/use-async.js';
import { useTiers } from '../hooks/use-tiers.js';
import { useMigrationEvents } from '../live/use-live.js';
import { Link, objectHref } from '../router.js';

const STATUSES = ['planned', 'copying', 'verifying', 'switched', 'completed', 'failed', 'cancelled'];
const REASONS = ['reactive_access_spike', 'reactive_cooling', 'proactive_prediction', 'proactive_cooling', 'manual'];
const LIMIT = 50;

/** The migration history, filtered by status, reason and tier; updates as migrations move. */
export function Migrations() {
  const tiers = useTiers();
  const [status, setStatus] = useState('');
  const [reason, setReason] = useState('');
  const [tier, setTier] = useState('');
  const [offset, setOffset] = useState(0);
  const page = useAsync(() => listMigrations({ status, reason, tier, limit: LIMIT, offset }), [status, reason, tier, offset]);
  useMigrationEvents(() => page.reload(), { debounceMs: 500 });

  const filter = (label: string, value: string, set: (v: string) => void, options: string[], all: string) => (
    <label>
      {label}
      <select
        value={value}
        onChange={(e) => {
          set(e.currentTarget.value);
          setOffset(0);
        }}
      >
        <option value="">{all}</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {words(o)}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div class="stack">
      <h1>Migrations</h1>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()} aria-label="Filter migrations">
        {filter('Status', status, setStatus, STATUSES, 'any status')}
        {filter('Reason', reason, setReason, REASONS, 'any reason')}
        {filter(
          'Tier (from or to)',
          tier,
          setTier,
          tiers.map((t) => t.name),
          'any tier',
        )}
      </form>
      {page.error ? <ErrorNote doing="list the migrations" error={page.error} /> : null}
      {!page.data ? (
        page.error ? null : <Loading what="migrations" />
      ) : (
        <>
          <div class="table-wrap" aria-busy={page.loading}>
            <table class="migrations">
              <thead>
                <tr>
                  <th scope="col">Planned</th>
                  <th scope="col">Object</th>
                  <th scope="col">Move</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Size</th>
                  <th scope="col">Why, or what went wrong</th>
                </tr>
              </thead>
              <tbody>
                {page.data.migrations.length === 0 ? (
                  <tr>
                    <td colSpan={7} class="muted">
                      No migration matches.
                    </td>
                  </tr>
                ) : (
                  page.data.migrations.map((m) => (
                    <tr key={m.id} data-migration-row={m.id} class={m.status === 'failed' ? 'failed' : undefined}>
                      <td class="nowrap" title={formatTime(m.timestamp)}>
                        {formatClock(m.timestamp)}
                        <div class="muted small">{formatTime(m.timestamp).slice(0, 10)}</div>
                      </td>
                      <td>
                        <Link href={objectHref(m.object_id)} title={m.object_id}>
                          {shortId(m.object_id)}
                        </Link>
                      </td>
                      <td>
                        <Move from={m.source_tier} to={m.destination_tier} />
                      </td>
                      <td>{words(m.reason)}</td>
                      <td>
                        <StatusBadge status={m.status} />
                        {m.attempts > 1 ? <div class="muted small">{m.attempts} attempts</div> : null}
                      </td>
                      <td class="num">{formatBytes(m.size_bytes)}</td>
                      <td class="why">
                        {m.error ? <p class="error-text">Error: {m.error}</p> : null}
                        <ExplanationText reason={m.reason} explanation={m.explanation} compact />
                      </td>
                    </tr>
                  ))
                )}
              </tbody>
            </table>
          </div>
          <Pager total={page.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="migrations" />
        </>
      )}
    </div>
  );
}
