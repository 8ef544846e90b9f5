import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { listMigrations } from '../api/migrations.js';
import { accessHistory, contentUrl, getObject, predict } from '../api/objects.js';
import type { AccessHistory, ObjectJson, Prediction } from '../api/types.js';
import { Move, StatusBadge, TierBadge } from '../components/badges.js';
import { bars, Chart } from '../components/chart.js';
import { ExplanationText } from '../components/explanation.js';
import { ErrorNote, Loading } from '../components/messages.js';
import { formatBytes, formatCount, formatDuration, formatRelative, formatTime, formatUsd, words } from '../format.js';
import { useAsync } from '../hooks/use-async.js';
import { useMigrationEvents, useTierChanges } from '../live/use-live.js';
import { MigrateForm } from '../actions/migrate-form.js';
import { SimulateForm } from '../actions/simulate-form.js';

const WINDOWS = [
  { hours: 24, label: 'last 24 h' },
  { hours: 168, label: 'last 7 days' },
  { hours: 720, label: 'last 30 days' },
];

/** One object: where it is, its accesses with the forecast over them, its migrations and why. */
export function ObjectDetail({ id }: { id: string }) {
  const [hours, setHours] = useState(24);
  const object = useAsync(() => getObject(id), [id]);
  const history = useAsync(() => accessHistory(id, hours), [id, hours]);
  const forecast = useAsync(() => predict(id), [id]);
  const migrations = useAsync(() => listMigrations({ object_id: id, limit: 50, offset: 0 }), [id]);
  const [liveTier, setLiveTier] = useState<string | undefined>();

  useTierChanges((event) => event.object_id === id && setLiveTier(event.tier));
  useMigrationEvents(
    () => {
      migrations.reload();
      object.reload();
    },
    { filter: (event) => event.object_id === id, debounceMs: 200 },
  );
  const afterAction = () => {
    object.reload();
    history.reload();
    migrations.reload();
    forecast.reload();
  };

  if (!object.data) return object.error ? <ErrorNote doing={`load object ${id}`} error={object.error} /> : <Loading what="the object" />;
  const o = object.data;
  const tier = liveTier ?? o.current_tier;

  return (
    <div class="stack">
      <h1 class="object-title">
        {o.name ?? 'Object'} <code class="object-id">{o.object_id}</code>
      </h1>
      <div class="detail-grid">
        <section class="panel" aria-labelledby="facts-title">
          <h2 id="facts-title">Where it is</h2>
          <dl class="facts">
            <dt>Tier</dt>
            <dd data-testid="object-tier">
              <TierBadge tier={tier} /> <span class="muted small">since {formatRelative(o.tier_since)}</span>
            </dd>
            <dt>Size</dt>
            <dd>
              {formatBytes(o.size_bytes)} <span class="muted small">({formatCount(o.size_bytes)} bytes)</span>
            </dd>
            <dt>Accesses</dt>
            <dd data-testid="object-accesses">
              {formatCount(o.access_count)} <span class="muted small">last {formatRelative(o.last_accessed_at)}</span>
            </dd>
            <dt>Held</dt>
            <dd>{o.pinned_until === null ? 'no: the policies may move it' : o.pinned_until === 'forever' ? 'pinned until unpinned' : `until ${formatTime(o.pinned_until)}`}</dd>
            <dt>Content</dt>
            <dd>
              {o.content_type}, version {o.version}
            </dd>
            <dt>SHA-256</dt>
            <dd>
              <code class="hash">{o.sha256}</code>
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(o.created_at)}</dd>
          </dl>
          <a class="button" href={contentUrl(o.object_id)} download={o.name ?? o.object_id}>
            Download ({formatBytes(o.size_bytes)})
          </a>
          <p class="muted small">A download counts as one access.</p>
        </section>
        <section class="panel" aria-labelledby="forecast-title">
          <h2 id="forecast-title">Forecast</h2>
          <ForecastSummary object={o} prediction={forecast.data} error={forecast.error} loading={forecast.loading} />
        </section>
      </div>

      <section class="panel" aria-labelledby="history-title">
        <div class="panel-head">
          <h2 id="history-title">Accesses per hour, with the forecast</h2>
          <label>
            Window
            <select value={hours} onChange={(e) => setHours(Number(e.currentTarget.value))}>
              {WINDOWS.map((w) => (
                <option key={w.hours} value={w.hours}>
                  {w.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        {history.data ? (
          <HistoryChart history={history.data} prediction={forecast.data} object={o} />
        ) : history.error ? (
          <ErrorNote doing="load the access history" error={history.error} />
        ) : (
          <Loading what="the history" />
        )}
      </section>

      <section class="panel" aria-labelledby="act-title">
        <h2 id="act-title">Act on it</h2>
        <div class="forms">
          <SimulateForm objectId={o.object_id} onDone={afterAction} />
          <MigrateForm objectId={o.object_id} currentTier={tier} onDone={afterAction} />
        </div>
      </section>

      <section class="panel" aria-labelledby="moves-title">
        <h2 id="moves-title">Its migrations</h2>
        {migrations.error ? <ErrorNote doing="load its migrations" error={migrations.error} /> : null}
        {!migrations.data ? (
          <Loading what="migrations" />
        ) : migrations.data.migrations.length === 0 ? (
          <p class="muted">It has never moved.</p>
        ) : (
          <ol class="migration-list">
            {migrations.data.migrations.map((m) => (
              <li key={m.id} data-migration={m.id}>
                <div class="feed-line">
                  <time title={formatTime(m.timestamp)}>{formatTime(m.timestamp)}</time>
                  <Move from={m.source_tier} to={m.destination_tier} />
                  <StatusBadge status={m.status} />
                  <span class="muted">{words(m.reason)}</span>
                </div>
                {m.error ? <p class="error-text">Error: {m.error}</p> : null}
                <ExplanationText reason={m.reason} explanation={m.explanation} />
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function ForecastSummary({ object, prediction, error, loading }: { object: ObjectJson; prediction?: Prediction; error: unknown; loading: boolean }) {
  if (!prediction) {
    if (loading) return <Loading what="the forecast" />;
    return (
      <>
        {error ? <ErrorNote doing="forecast now" error={error} /> : null}
        <p>
          Last sweep's forecast: {object.predicted_next_24h === null ? 'none yet' : `${formatCount(object.predicted_next_24h)} accesses in the next 24 h`}.
        </p>
      </>
    );
  }
  const p = prediction.placement;
  const costs = Object.entries(p.expected_cost_usd);
  return (
    <>
      <p data-testid="forecast-text">
        <strong>{formatCount(prediction.predicted_next_24h)}</strong> accesses expected in the next 24 h, by{' '}
        {prediction.model_version ? `the learned model (${prediction.model_family} v${prediction.model_version})` : 'the statistical baseline (no trained model serves yet)'}.
      </p>
      <p>
        Cheapest place for that: <TierBadge tier={p.best_tier} />.{' '}
        {p.would_move
          ? `Moving there would save ${formatUsd(p.saving_usd)} over ${Math.round(p.planning_window_hours)} h, the move's own cost included.`
          : p.best_tier === object.current_tier
            ? 'It is there already.'
            : 'A move would not pay for itself yet.'}
      </p>
      <table class="compact">
        <caption>Expected cost over {Math.round(p.planning_window_hours)} h, per tier</caption>
        <tbody>
          {costs.map(([tier, cost]) => (
            <tr key={tier} class={tier === p.best_tier ? 'best' : undefined}>
              <th scope="row">{tier}</th>
              <td class="num">{formatUsd(cost)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {prediction.break_even ? <BreakEvenState state={prediction.break_even} /> : null}
    </>
  );
}

/** Where the break-even rule stands: what staying has cost against each move's break-even, and when it looks again. */
function BreakEvenState({ state }: { state: NonNullable<Prediction['break_even']> }) {
  const when = (iso: string | null, none: string) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : none);
  return (
    <div data-testid="break-even">
      <p>
        Next access:{' '}
        {state.forecast_gap_seconds === null ? 'too little history to forecast' : `in about ${formatDuration(state.forecast_gap_seconds)}`}
        {state.p_next_access_within_break_even === null ? '' : ` (chance ${Math.round(state.p_next_access_within_break_even * 100)} % before a demotion would pay)`}. Next
        burst: {when(state.next_burst_at, 'no steady rhythm')}. The rule looks again at {when(state.decision_due_at, 'its next access')}.
      </p>
      <table class="compact">
        <caption>Break-even rule: extra paid by staying, per tier</caption>
        <thead>
          <tr>
            <th scope="col">tier</th>
            <th scope="col" class="num">paid (USD)</th>
            <th scope="col" class="num">moves at (USD)</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(state.break_even_usd).map(([tier, at]) => (
            <tr key={tier}>
              <th scope="row">{tier}</th>
              <td class="num">{formatUsd(state.extra_paid_by_staying_usd[tier] ?? 0)}</td>
              <td class="num">{formatUsd(at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function HistoryChart({ history, prediction, object }: { history: AccessHistory; prediction?: Prediction; object: ObjectJson }) {
  const horizon = prediction?.horizon_hours ?? 24;
  const perHour = prediction ? prediction.predicted_accesses / prediction.horizon_hours : object.predicted_next_24h !== null ? object.predicted_next_24h / 24 : null;
  const data = useMemo<uPlot.AlignedData>(() => {
    const start = Date.parse(history.start) / 1000;
    const past = history.counts.length;
    const xs = Array.from({ length: past + horizon }, (_, i) => start + i * history.step_seconds);
    const counts = [...history.counts.map((c) => c || null), ...new Array<null>(horizon).fill(null)];
    // The forecast starts at the end of the current hour and covers the horizon.
    const forecast = xs.map((_, i) => (perHour !== null && i >= past - 1 ? perHour : null));
    return [xs, counts, forecast];
  }, [history, perHour, horizon]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: (_u, min, max) => [min, max + 3600] }, y: { range: (_u, _min, max) => [0, Math.max(2, max * 1.15)] } },
      axes: [{ stroke: '#475569', space: 70 }, { stroke: '#475569', label: 'accesses / hour', size: 60 }],
      series: [
        {},
        { label: 'accesses per hour', stroke: '#0e7490', fill: 'rgba(14, 116, 144, 0.4)', paths: bars(), points: { show: false } },
        { label: 'forecast per hour', stroke: '#c2410c', width: 2, dash: [6, 4], points: { show: false } },
      ],
    }),
    [],
  );
  const total = history.counts.reduce((a, b) => a + b, 0);
  return (
    <>
      <Chart options={options} data={data} height={240} label={`Accesses per hour: ${total} over the window; forecast ${perHour === null ? 'not available' : `${perHour.toFixed(1)} per hour for the next ${horizon} h`}`} />
      <p class="muted small">
        {formatCount(total)} accesses in the window (bars, per hour).{' '}
        {perHour === null ? 'No forecast yet.' : `The dashed line is the forecast: ${formatCount(perHour * 24)} accesses over the next 24 h, about ${formatCount(perHour)} per hour.`}
      </p>
    </>
  );
}
