import { simulations as fetchSimulations } from '../api/system.js';
import type { SimulationSummary } from '../api/types.js';
import { ErrorNote, Loading } from '../components/messages.js';
import { formatBytes, formatCount, formatDuration, formatTime, formatUsd } from '../format.js';
import { useAsync } from '../hooks/use-async.js';

type Policy = SimulationSummary['policies'][number];

/** The reports of `tiercast simulate --report DIR`: each one's policy table, and its full report. */
export function Simulations() {
  const list = useAsync(fetchSimulations, []);
  if (!list.data) return list.error ? <ErrorNote doing="list the simulation reports" error={list.error} /> : <Loading what="simulation reports" />;
  const { reports_dir: dir, simulations } = list.data;
  return (
    <div class="stack">
      <h1>Simulations</h1>
      <p class="muted">
        Reports written by <code>tiercast simulate --report DIR</code> into <code>{dir}</code>: every policy replayed over the same trace, side by side.
      </p>
      {simulations.length === 0 ? (
        <p class="panel">
          No reports yet. Run a simulation with <code>--report {dir}/my-run</code> and reload this page.
        </p>
      ) : (
        simulations.map((s) => <Report key={s.name} report={s} />)
      )}
    </div>
  );
}

function Report({ report }: { report: SimulationSummary }) {
  const policies = [...report.policies].sort((a, b) => (a.total_cost_usd ?? Infinity) - (b.total_cost_usd ?? Infinity));
  const online = policies.filter((p) => !p.name.startsWith('optimal'));
  const bestOnline = online[0]?.name;
  return (
    <section class="panel report" aria-labelledby={`report-${report.name}`} data-report={report.name}>
      <div class="panel-head">
        <h2 id={`report-${report.name}`}>{report.name}</h2>
        <a class="button" href={report.report_url} target="_blank" rel="noopener">
          Open the full report
        </a>
      </div>
      <p class="muted small">
        {report.trace ? <>Trace <code>{report.trace}</code> · </> : null}
        {report.requests !== undefined ? `${formatCount(report.requests)} requests · ` : ''}
        {report.objects !== undefined ? `${formatCount(report.objects)} objects · ` : ''}
        {report.span_seconds !== undefined ? `${formatDuration(report.span_seconds)} of trace time · ` : ''}
        written {formatTime(report.modified_at)}
      </p>
      {report.error ? (
        <ErrorNote doing={`read report ${report.name}`} error={new Error(report.error)} />
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              Policies, cheapest first. Regret is a policy's total cost ÷ the cost of the optimum that knows every future request.
              {bestOnline ? ` The best online policy here is ${bestOnline}.` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Policy</th>
                <th scope="col" class="num">Total cost (USD)</th>
                <th scope="col" class="num">
                  Regret
                </th>
                <th scope="col" class="num">Mean latency</th>
                <th scope="col" class="num">p99 latency</th>
                <th scope="col" class="num">Migrations</th>
                <th scope="col" class="num">Bytes moved</th>
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <PolicyRow key={p.name} policy={p} best={p.name === bestOnline} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PolicyRow({ policy: p, best }: { policy: Policy; best: boolean }) {
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
  return (
    <tr class={best ? 'best' : undefined}>
      <th scope="row" class="policy">
        {p.name}
        {p.name.startsWith('optimal') ? <div class="muted small note-line">knows the future</div> : null}
      </th>
      <td class="num">{p.total_cost_usd === undefined ? '—' : formatUsd(p.total_cost_usd)}</td>
      <td class="num">{typeof p.regret === 'number' ? `${p.regret.toPrecision(4)}×` : '—'}</td>
      <td class="num">{ms(p.mean_latency_ms)}</td>
      <td class="num">{ms(p.p99_latency_ms)}</td>
      <td class="num">{p.migrations === undefined ? '—' : formatCount(p.migrations)}</td>
      <td class="num">{p.bytes_moved === undefined ? '—' : formatBytes(p.bytes_moved)}</td>
    </tr>
  );
}
