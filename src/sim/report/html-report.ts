import type { PolicyResult, SimProfile } from '../model.js';
import { escapeXml } from './escape.js';
import { formatBytes, formatCount, formatDuration, formatRegret, formatShare, formatTick, formatUsd } from './format.js';
import { htmlPage } from './html-page.js';
import type { ReportChart, ReportCharts } from './report-charts.js';
import { byTotalCost, isOfflinePolicy, OPTIMAL_POLICY, type SimulationResult } from './simulation-result.js';
import { describeTimeScale, describeVolume, policyFigureCells, REGRET_DEFINITION } from './summary.js';

/** The report's index.html: facts of the run, the policy table, the charts inline, the profile. */
export function renderHtmlReport(result: SimulationResult, charts: ReportCharts): string {
  const name = result.trace.split(/[\\/]/).pop() || result.trace;
  const body = [
    `<h1>Simulation: ${escapeXml(name)}</h1>`,
    `<p class="muted">Generated ${escapeXml(result.generatedAt)} by <code>tiercast simulate</code>.</p>`,
    factsSection(result),
    headline(result),
    '<h2>Policies</h2>',
    policyTable(result),
    `<p>${escapeXml(REGRET_DEFINITION)}</p>`,
    policyDescriptions(result),
    '<h2>Cost per policy</h2>',
    figure(charts.costPerPolicy, 'Each bar is one policy’s bill over the whole trace, split into its five parts; the dashed line is the offline optimum.'),
    '<h2>Cumulative cost over time</h2>',
    figure(
      charts.cumulativeCost,
      'Running total of each online policy’s bill; the legend lists policies cheapest first with their final totals. The offline optima are known only at the end, so they appear as their final totals (dashed lines).',
    ),
    '<h2>Tier occupancy over time</h2>',
    '<p>Bytes held in each tier, one chart per online policy (cheapest first), all on the same scale. The fastest tier is at the bottom. Each chart is also an SVG file, listed under Files.</p>',
    charts.occupancy.length === 0
      ? '<p class="muted">No online policy recorded a timeline.</p>'
      : `<div class="grid">${charts.occupancy.map((c) => figure(c, null)).join('\n')}</div>`,
    '<h2>Price and performance profile</h2>',
    profileSection(result.profile),
    '<h2>Files</h2>',
    filesSection(charts),
  ];
  return htmlPage(`Tiercast simulation: ${name}`, body.join('\n'));
}

function factsSection(result: SimulationResult): string {
  const facts: Array<[string, string]> = [
    ['Trace', `${escapeXml(result.trace)} <span class="muted">(${escapeXml(result.format)})</span>`],
    ['Replayed', escapeXml(describeVolume(result))],
    [
      'Time scale',
      result.timeScale === 1 ? '1 (trace time as recorded)' : escapeXml(describeTimeScale(result)!),
    ],
    ['Profile', `${escapeXml(result.profile.name)}: ${escapeXml(result.profile.description)} (details below)`],
    ['Bad records skipped', result.skippedBadRecords === 0 ? '0' : `${formatCount(result.skippedBadRecords)} (malformed records skipped with --skip-bad)`],
    ['Time order', result.sortedInMemory ? 'out of order; sorted in memory before the replay' : 'in order as read'],
    [
      'Replay',
      escapeXml(
        `${formatDuration(result.replaySeconds)}, ${formatCount(result.requestsPerSecond)} requests/s, peak memory ${formatBytes(result.peakRssBytes)}`,
      ),
    ],
  ];
  return ['<dl class="facts">', ...facts.map(([term, value]) => `<dt>${escapeXml(term)}</dt><dd>${value}</dd>`), '</dl>'].join('\n');
}

/** The one sentence a reader wants first: which policy to run, and how far from the limit it is. */
function headline(result: SimulationResult): string {
  const best = byTotalCost(result.policies.filter((p) => !isOfflinePolicy(p)))[0];
  if (!best) return '';
  const optimal = result.policies.find((p) => p.name === OPTIMAL_POLICY);
  const parts = [`Cheapest policy that does not know the future: <strong>${escapeXml(best.name)}</strong>, ${escapeXml(formatUsd(best.totalCostUsd))}`];
  if (best.regret !== null) parts[0] += ` (${escapeXml(formatRegret(best.regret))} the optimum)`;
  const stay = result.policies.find((p) => p.name === `static-${result.profile.ingestTier}`);
  if (stay && stay !== best && stay.totalCostUsd > 0) {
    const saving = 1 - best.totalCostUsd / stay.totalCostUsd;
    parts.push(
      `${escapeXml(formatShare(Math.abs(saving)))} ${saving >= 0 ? 'less' : 'more'} than leaving every object in the ingest tier (${escapeXml(stay.name)}, ${escapeXml(formatUsd(stay.totalCostUsd))})`,
    );
  }
  if (optimal) parts.push(`the offline optimum costs ${escapeXml(formatUsd(optimal.totalCostUsd))}`);
  return `<p class="headline">${parts.join('; ')}.</p>`;
}

function policyTable(result: SimulationResult): string {
  const head = [
    'policy',
    'total',
    'regret',
    'storage',
    'requests',
    'retrieval / egress',
    'migration cost',
    'latency penalty',
    'mean latency',
    'p99 latency',
    'fastest tier',
    'moves',
    'bytes moved',
  ];
  const rows = byTotalCost(result.policies).map((p) => policyRow(p));
  return [
    '<div class="scroll"><table>',
    `<thead><tr>${head.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table></div>',
  ].join('\n');
}

function policyRow(p: PolicyResult): string {
  const cells = policyFigureCells(p, ' ms');
  const name = `<td class="policy" title="${escapeXml(p.description)}">${escapeXml(p.name)}</td>`;
  const rowClass = p.name === OPTIMAL_POLICY ? ' class="optimal"' : '';
  return `<tr${rowClass}>${name}${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`;
}

/** What each policy is, in the table's order. */
function policyDescriptions(result: SimulationResult): string {
  const items = byTotalCost(result.policies).map((p) => `<dt>${escapeXml(p.name)}</dt><dd>${escapeXml(p.description)}</dd>`);
  return `<details class="policies" open><summary>What each policy does</summary>\n<dl>\n${items.join('\n')}\n</dl>\n</details>`;
}

/** A chart inline (hover texts work, the page stands alone); `caption` null for the small multiples, listed under Files. */
function figure(chart: ReportChart, caption: string | null): string {
  const link = `<a href="${escapeXml(chart.file)}">${escapeXml(chart.file)}</a>`;
  return [
    '<figure>',
    `<div class="scroll">${chart.svg}</div>`,
    caption === null ? '' : `<figcaption>${escapeXml(caption)} SVG file: ${link}</figcaption>`,
    '</figure>',
  ].join('\n');
}

function profileSection(profile: SimProfile): string {
  const head = ['tier', 'storage $/GB-month', 'GET $/1000', 'PUT $/1000', 'retrieval / egress $/GB', 'first byte', 'transfer per MiB'];
  const rows = profile.tiers.map((t) => {
    // Figures as the profile gives them, without padding zeros.
    const cells = [
      formatTick(t.pricing.storageGbMonth),
      formatTick(t.pricing.getPer1000),
      formatTick(t.pricing.putPer1000),
      formatTick(t.pricing.retrievalPerGb),
      `${formatTick(t.latency.firstByteMs)} ms`,
      `${formatTick(t.latency.perMbMs)} ms`,
    ];
    return `<tr><td>${escapeXml(t.name)}${t.name === profile.ingestTier ? ' <span class="muted">(ingest)</span>' : ''}</td>${cells.map((c) => `<td>${escapeXml(c)}</td>`).join('')}</tr>`;
  });
  const sources = profile.sources ?? [];
  return [
    `<p><strong>${escapeXml(profile.name)}</strong>: ${escapeXml(profile.description)}</p>`,
    `<p>New objects are written to <strong>${escapeXml(profile.ingestTier)}</strong>. Latency is charged at $${escapeXml(formatTick(profile.latencyPenaltyPerSecond))} per second an access waits. Tiers fastest first; GB = 2<sup>30</sup> bytes.</p>`,
    '<div class="scroll"><table>',
    `<thead><tr>${head.map((h) => `<th scope="col">${escapeXml(h)}</th>`).join('')}</tr></thead>`,
    `<tbody>\n${rows.join('\n')}\n</tbody>`,
    '</table></div>',
    sources.length === 0
      ? '<p class="muted">The profile names no sources for its figures.</p>'
      : `<p>Sources:</p>\n<ul class="sources">\n${sources.map((s) => `<li>${linkify(s)}</li>`).join('\n')}\n</ul>`,
  ].join('\n');
}

/** Escapes a source line and turns its http(s) addresses into links (followed only on a click). */
function linkify(text: string): string {
  return text
    .split(/(https?:\/\/[^\s<>"')\]]+)/g)
    .map((part, i) => (i % 2 === 1 ? `<a href="${escapeXml(part)}" rel="noreferrer">${escapeXml(part)}</a>` : escapeXml(part)))
    .join('');
}

function filesSection(charts: ReportCharts): string {
  const files = [charts.costPerPolicy, charts.cumulativeCost, ...charts.occupancy].map((c) => c.file);
  return [
    '<ul class="files">',
    '<li><a href="result.json">result.json</a>: every figure on this page, machine-readable (the shape of <code>simulate --json</code>, plus each policy’s timeline)</li>',
    ...files.map((f) => `<li><a href="${escapeXml(f)}">${escapeXml(f)}</a></li>`),
    '</ul>',
  ].join('\n');
}
