import { useMemo } from 'preact/hooks';
import type uPlot from 'uplot';
import { accessRate, metrics as fetchMetrics } from '../api/system.js';
import type { AccessRate, Metrics, Tier } from '../api/types.js';
import { TierBadge } from '../components/badges.js';
import { bars, Chart } from '../components/chart.js';
import { Figure } from '../components/figure.js';
import { ErrorNote, Loading } from '../components/messages.js';
import { formatBytes, formatCount, formatUsd } from '../format.js';
import { useAsync } from '../hooks/use-async.js';
import { useVisibleInterval } from '../hooks/use-refresh.js';
import { tierColour, useTiers } from '../hooks/use-tiers.js';
import { useMigrationEvents } from '../live/use-live.js';
import { Link } from '../router.js';

const RATE_MINUTES = 60;
/** Accesses arrive without events; their rate is fetched again this often while the page is visible. */
const ACCESS_REFRESH_MS = 15_000;

export function Overview() {
  const tiers = useTiers();
  const metrics = useAsync(fetchMetrics, []);
  const rate = useAsync(() => accessRate(RATE_MINUTES), []);
  useMigrationEvents(() => metrics.reload(), { debounceMs: 400 });
  useVisibleInterval(() => {
    rate.reload();
    metrics.reload();
  }, ACCESS_REFRESH_MS);

  if (!metrics.data) return metrics.error ? <ErrorNote doing="load the figures" error={metrics.error} /> : <Loading what="the figures" />;
  const m = metrics.data;
  const fastest = tiers[0]?.name ?? 'the fastest tier';
  const cheapest = [...tiers].sort((a, b) => a.storage_gb_month - b.storage_gb_month)[0]?.name ?? 'the cheapest tier';

  return (
    <div class="stack">
      <h1>Overview</h1>
      {metrics.error ? <ErrorNote doing="refresh the figures" error={metrics.error} /> : null}
      <div class="figures">
        <Figure label="Objects" value={formatCount(m.total_objects)} note={formatBytes(m.total_bytes) + ' stored'} testId="figure-objects" />
        <Figure label="Monthly cost now" value={formatUsd(m.estimated_monthly_cost)} note="storage, USD per month" testId="figure-cost" />
        <Figure label={`All in ${fastest}`} value={formatUsd(m.cost_all_in_fastest)} note="USD per month, the fastest tier" />
        <Figure label={`All in ${cheapest}`} value={formatUsd(m.cost_all_in_cheapest)} note="USD per month, the cheapest tier" />
        <Figure
          label="Accesses per minute"
          value={rate.data ? formatCount(rate.data.per_minute) : '…'}
          note="mean over the last 5 minutes"
          testId="figure-rate"
        />
        <Figure
          label="Migrations in flight"
          value={formatCount(m.migrations_in_flight)}
          note={<Link href="/migrations">{formatCount(m.migrations.completed ?? 0)} completed, {formatCount(m.migrations.failed ?? 0)} failed</Link>}
          testId="figure-in-flight"
        />
      </div>
      <TierTable metrics={m} tiers={tiers} />
      <CostComparison metrics={m} fastest={fastest} cheapest={cheapest} />
      <section class="panel" aria-labelledby="rate-title">
        <h2 id="rate-title">Accesses per minute, last hour</h2>
        {rate.data ? <AccessRateChart rate={rate.data} /> : rate.error ? <ErrorNote doing="load the access rate" error={rate.error} /> : <Loading what="accesses" />}
      </section>
    </div>
  );
}

function TierTable({ metrics, tiers }: { metrics: Metrics; tiers: Tier[] }) {
  const names = tiers.length > 0 ? tiers.map((t) => t.name) : Object.keys(metrics.tier_distribution);
  const total = Math.max(1, metrics.total_bytes);
  return (
    <section class="panel" aria-labelledby="tiers-title">
      <h2 id="tiers-title">Where the data lives</h2>
      <div class="share-bar" role="img" aria-label={`Share of bytes per tier: ${names.map((n) => `${n} ${Math.round(((metrics.bytes_per_tier[n] ?? 0) / total) * 100)} %`).join(', ')}`}>
        {names.map((name) => (
          <span key={name} style={{ width: `${((metrics.bytes_per_tier[name] ?? 0) / total) * 100}%`, background: tierColour(tiers, name) }} />
        ))}
      </div>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col" class="num">Objects</th>
              <th scope="col" class="num">Bytes</th>
              <th scope="col" class="num">Share of bytes</th>
              <th scope="col" class="num">Cost (USD/month)</th>
              <th scope="col" class="num">Price (USD/GB-month)</th>
              <th scope="col" class="num">First byte</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => {
              const tier = tiers.find((t) => t.name === name);
              const bytes = metrics.bytes_per_tier[name] ?? 0;
              return (
                <tr key={name} data-tier-row={name}>
                  <td>
                    <TierBadge tier={name} />
                  </td>
                  <td class="num">{formatCount(metrics.tier_distribution[name] ?? 0)}</td>
                  <td class="num">{formatBytes(bytes)}</td>
                  <td class="num">{metrics.total_bytes === 0 ? '—' : `${((bytes / total) * 100).toFixed(1)} %`}</td>
                  <td class="num">{formatUsd(metrics.cost_per_tier[name] ?? 0)}</td>
                  <td class="num">{tier ? `$${tier.storage_gb_month}` : '—'}</td>
                  <td class="num">{tier ? `${tier.first_byte_ms} ms` : '—'}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function CostComparison({ metrics, fastest, cheapest }: { metrics: Metrics; fastest: string; cheapest: string }) {
  const rows: Array<[string, number, string]> = [
    ['Now, as placed', metrics.estimated_monthly_cost, 'now'],
    [`Everything in ${fastest}`, metrics.cost_all_in_fastest, 'fastest'],
    [`Everything in ${cheapest}`, metrics.cost_all_in_cheapest, 'cheapest'],
  ];
  const max = Math.max(...rows.map((r) => r[1]), Number.MIN_VALUE);
  return (
    <section class="panel" aria-labelledby="cost-title">
      <h2 id="cost-title">Monthly storage cost: now and at the extremes</h2>
      <dl class="cost-bars">
        {rows.map(([label, value, key]) => (
          <div key={key} class={`cost-row cost-${key}`}>
            <dt>{label}</dt>
            <dd>
              <span class="cost-bar" style={{ width: `${Math.max(0.5, (value / max) * 100)}%` }} />
              <span class="cost-value">{formatUsd(value)} / month</span>
            </dd>
          </div>
        ))}
      </dl>
      <p class="muted small">Storage only (USD per GB-month × bytes held). Request, retrieval and latency costs depend on the accesses; the proactive policy weighs them per object.</p>
    </section>
  );
}

function AccessRateChart({ rate }: { rate: AccessRate }) {
  const start = Date.parse(rate.start) / 1000;
  // Quiet minutes draw no bar at all, rather than a line along the axis.
  const data = useMemo<uPlot.AlignedData>(() => [rate.counts.map((_, i) => start + i * rate.step_seconds), rate.counts.map((c) => c || null)], [rate]);
  const step = rate.step_seconds;
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      // One step of room after the last start, so the current minute's bar shows whole.
      scales: { x: { time: true, range: (_u, min, max) => [min, max + step] }, y: { range: (_u, _min, max) => [0, Math.max(5, max * 1.1)] } },
      axes: [{ stroke: '#475569', space: 70 }, { stroke: '#475569', label: 'accesses / min', size: 60 }],
      series: [{}, { label: 'accesses per minute', stroke: '#0e7490', fill: 'rgba(14, 116, 144, 0.35)', paths: bars(), points: { show: false } }],
    }),
    [step],
  );
  const total = rate.counts.reduce((a, b) => a + b, 0);
  return (
    <>
      <Chart options={options} data={data} height={180} label={`Accesses per minute over the last ${rate.counts.length} minutes; ${total} in total`} />
      <p class="muted small">
        {formatCount(total)} accesses in the last {rate.counts.length} minutes; the last bar is the current minute.
      </p>
    </>
  );
}
