import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { PolicyResult, SimProfile, TimelinePoint } from '../../src/sim/model.js';
import { formatDuration, formatSignificant, formatUsd } from '../../src/sim/report/format.js';
import { renderHtmlReport } from '../../src/sim/report/html-report.js';
import { renderReportCharts } from '../../src/sim/report/report-charts.js';
import { toResultJson, toResultJsonText } from '../../src/sim/report/result-json.js';
import type { SimulationResult } from '../../src/sim/report/simulation-result.js';
import { niceTicks, thin } from '../../src/sim/report/svg-scale.js';
import { renderTable } from '../../src/sim/report/table.js';
import { writeReport } from '../../src/sim/report/write-report.js';

const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const GIB = 1024 ** 3;

const PROFILE: SimProfile = {
  name: 'test-hybrid',
  description: 'three tiers for the report tests',
  ingestTier: 'public',
  latencyPenaltyPerSecond: 0.00002,
  tiers: [
    { name: 'onprem', pricing: { storageGbMonth: 0.01, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0 }, latency: { firstByteMs: 10, perMbMs: 1 }, promoteAt: 100 },
    { name: 'private', pricing: { storageGbMonth: 0.008, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0.01 }, latency: { firstByteMs: 50, perMbMs: 4 }, promoteAt: 20 },
    { name: 'public', pricing: { storageGbMonth: 0.005, getPer1000: 0.0004, putPer1000: 0.005, retrievalPerGb: 0.09 }, latency: { firstByteMs: 150, perMbMs: 8 }, promoteAt: 0 },
  ],
  sources: ['AWS S3 pricing, read 2026-01-05: https://aws.amazon.com/s3/pricing/', 'on-premise NVMe estimate <internal>'],
};

/** A timeline of `points` samples over `spanMs` whose cumulative cost ends at `total`. */
function timeline(points: number, spanMs: number, total: number, seed: number): TimelinePoint[] {
  return Array.from({ length: points }, (_, i) => {
    const share = points === 1 ? 1 : i / (points - 1);
    const fast = (0.5 + 0.5 * Math.sin(i / 3 + seed)) * 2 * GIB * share;
    return { at: START + share * spanMs, cumulativeCostUsd: total * share ** (1 + seed / 10), bytesPerTier: [fast, 1 * GIB * share, 8 * GIB * share] };
  });
}

function policy(name: string, total: number, optimalTotal: number, points: number, spanMs: number, seed: number): PolicyResult {
  const costs = { storage: total * 0.5, requests: total * 0.1, retrieval: total * 0.15, migrations: total * 0.05, latencyPenalty: total * 0.2 };
  return {
    name,
    description: `the ${name} policy`,
    costs,
    totalCostUsd: total,
    regret: total / optimalTotal,
    accesses: 1000 + seed,
    meanLatencyMs: 40 + seed,
    p99LatencyMs: 150 + seed * 3,
    fastestTierShare: 0.1 * (seed % 10),
    migrations: seed * 7,
    bytesMoved: seed * 3 * GIB,
    timeline: name.startsWith('optimal') ? [] : timeline(points, spanMs, total, seed),
  };
}

/** Policies deliberately listed out of cost order, so sorting is observable. */
function sampleResult(overrides: Partial<SimulationResult> = {}, points = 25): SimulationResult {
  const spanMs = 3 * DAY_MS;
  const optimalTotal = 0.0123456;
  const totals: Array<[string, number]> = [
    ['reactive', 0.0161],
    ['static-public', 0.0301],
    ['optimal', optimalTotal],
    ['hybrid', 0.0139],
    ['static-onprem', 0.0502],
    ['optimal-reactive', 0.0131],
    ['proactive', 0.0149],
    ['static-private', 0.0277],
    ['seed-thresholds', 0.0211],
    ['s3-intelligent-tiering', 0.0199],
    ['fabricpool-auto', 0.0225],
  ];
  return {
    trace: '/traces/sample.csv',
    format: 'csv',
    requests: 1_234_567,
    objects: 4_321,
    spanSeconds: spanMs / 1000,
    timeScale: 1,
    skippedBadRecords: 0,
    sortedInMemory: false,
    profile: PROFILE,
    startedAt: START,
    policies: totals.map(([name, total], i) => policy(name, total, optimalTotal, points, spanMs, i + 1)),
    generatedAt: '2026-01-06T10:00:00.000Z',
    replaySeconds: 2.5,
    requestsPerSecond: 493_827,
    peakRssBytes: 180 * 1024 * 1024,
    ...overrides,
  };
}

const ONLINE = (r: SimulationResult) => r.policies.filter((p) => !p.name.startsWith('optimal'));
const SORTED_NAMES = (r: SimulationResult) => [...r.policies].sort((a, b) => a.totalCostUsd - b.totalCostUsd).map((p) => p.name);

/** Checks that every element opened is closed in order (void and self-closed ones excepted). */
function assertBalancedTags(markup: string): void {
  const VOID = new Set(['meta', 'br', 'img', 'link', 'hr', 'input', 'source', 'wbr', 'col', 'area', 'base']);
  const stripped = markup
    .replace(/<!DOCTYPE[^>]*>/i, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
  const stack: string[] = [];
  for (const m of stripped.matchAll(/<(\/?)([a-zA-Z][\w:-]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = m;
    const name = rawName!.toLowerCase();
    if (closing) {
      const open = stack.pop();
      assert.equal(open, name, `</${name}> closes <${open}> at offset ${m.index}`);
    } else if (!selfClosing && !VOID.has(name)) stack.push(name);
  }
  assert.deepEqual(stack, [], `left open: ${stack.join(', ')}`);
  assert.ok(!/<[^>]*$/.test(stripped), 'no tag is cut off at the end');
}

function attributeValues(markup: string, attribute: string): string[] {
  return [...markup.matchAll(new RegExp(`\\s${attribute}="([^"]*)"`, 'g'))].map((m) => m[1]!);
}

describe('report: result JSON', () => {
  it('has the issue’s field names with the values of the result, policies in the engine’s order', () => {
    const result = sampleResult({ timeScale: 24, skippedBadRecords: 3, sortedInMemory: true });
    const json = JSON.parse(toResultJsonText(result)) as Record<string, unknown> & { policies: Array<Record<string, unknown>> };
    assert.equal(json.trace, result.trace);
    assert.equal(json.requests, result.requests);
    assert.equal(json.objects, result.objects);
    assert.equal(json.span_seconds, result.spanSeconds);
    assert.equal(json.time_scale, 24);
    assert.equal(json.skipped_bad_records, 3);
    assert.equal(json.sorted_in_memory, true);
    assert.deepEqual(
      json.policies.map((p) => p.name),
      result.policies.map((p) => p.name),
    );
    result.policies.forEach((p, i) => {
      const q = json.policies[i]!;
      assert.equal(q.total_cost_usd, p.totalCostUsd);
      assert.equal(q.regret, p.regret);
      assert.equal(q.mean_latency_ms, p.meanLatencyMs);
      assert.equal(q.p99_latency_ms, p.p99LatencyMs);
      assert.equal(q.migrations, p.migrations);
      assert.equal(q.bytes_moved, p.bytesMoved);
      assert.equal(q.fastest_tier_share, p.fastestTierShare);
      assert.equal(q.accesses, p.accesses);
      assert.deepEqual(q.costs, {
        storage: p.costs.storage,
        requests: p.costs.requests,
        retrieval: p.costs.retrieval,
        migrations: p.costs.migrations,
        latency_penalty: p.costs.latencyPenalty,
      });
      assert.equal(q.timeline, undefined, '--json leaves timelines out');
    });
    const profile = json.profile as { name: string; tiers: Array<{ name: string; storage_gb_month: number }>; sources: string[] };
    assert.equal(profile.name, PROFILE.name);
    assert.deepEqual(
      profile.tiers.map((t) => [t.name, t.storage_gb_month]),
      PROFILE.tiers.map((t) => [t.name, t.pricing.storageGbMonth]),
    );
    assert.deepEqual(profile.sources, PROFILE.sources);
    assert.deepEqual(json.replay, { seconds: 2.5, requests_per_second: 493_827, peak_rss_bytes: 180 * 1024 * 1024 });
  });

  it('adds each policy’s timeline as columns by tier name when asked', () => {
    const result = sampleResult({}, 7);
    const json = toResultJson(result, { timeline: true });
    const hybrid = json.policies.find((p) => p.name === 'hybrid')!;
    const source = result.policies.find((p) => p.name === 'hybrid')!.timeline;
    assert.deepEqual(hybrid.timeline!.at_ms, source.map((t) => t.at));
    assert.deepEqual(hybrid.timeline!.cumulative_cost_usd, source.map((t) => t.cumulativeCostUsd));
    assert.deepEqual(hybrid.timeline!.bytes_per_tier.private, source.map((t) => t.bytesPerTier[1]));
    assert.deepEqual(json.policies.find((p) => p.name === 'optimal')!.timeline!.at_ms, []);
  });

  it('writes a missing regret as null, not as a number', () => {
    const result = sampleResult();
    result.policies[0] = { ...result.policies[0]!, regret: null };
    assert.equal(toResultJson(result).policies[0]!.regret, null);
  });
});

describe('report: terminal table', () => {
  it('lists every policy once, cheapest first, under a header naming the run', () => {
    const result = sampleResult({ timeScale: 24 });
    const text = renderTable(result);
    const rows = text.split('\n').filter((line) => /^[a-z0-9-]+\s+\$/.test(line));
    assert.deepEqual(
      rows.map((line) => line.split(/\s+/)[0]),
      SORTED_NAMES(result),
    );
    assert.match(text, /\/traces\/sample\.csv \(csv\)/);
    assert.match(text, /1,234,567 requests, 4,321 objects, span 3\.00 days/);
    assert.match(text, /profile\s+test-hybrid/);
    assert.match(text, /time scale\s+×24/);
    assert.match(text, /Trace time is stretched ×24/);
    for (const line of text.split('\n').slice(text.split('\n').findIndex((l) => l.startsWith('retrieval =')))) assert.ok(line.length <= 100, line);
  });

  it('shows small costs with 4 significant digits and regret to 3 decimals', () => {
    const text = renderTable(sampleResult());
    const optimalRow = text.split('\n').find((line) => line.startsWith('optimal '))!;
    assert.match(optimalRow, /\$0\.01235\s+1\.000×/);
    assert.match(optimalRow, /\$0\.006173/, 'storage is half of 0.0123456');
  });

  it('right-aligns figures: every row of a column ends at the same place', () => {
    const lines = renderTable(sampleResult()).split('\n');
    const ruleIndex = lines.findIndex((l) => /^-+ +-+/.test(l));
    const rule = lines[ruleIndex]!;
    const table = lines.slice(ruleIndex + 1, ruleIndex + 1 + 11);
    const totalEnd = [...rule.matchAll(/-+/g)][1]!;
    const end = totalEnd.index! + totalEnd[0].length;
    for (const row of table) assert.match(row.slice(end - 1, end + 1), /\d /, `total column ends at ${end}: ${row}`);
  });

  it('states skipped records and sorting when they happened', () => {
    const text = renderTable(sampleResult({ skippedBadRecords: 2, sortedInMemory: true }));
    assert.match(text, /2 malformed records were skipped/);
    assert.match(text, /sorted in memory/);
    assert.doesNotMatch(renderTable(sampleResult()), /skipped|sorted in memory/);
  });
});

describe('report: number formats', () => {
  it('keeps 4 significant digits across magnitudes', () => {
    assert.equal(formatSignificant(1234567.8), '1,234,568');
    assert.equal(formatSignificant(12.3456), '12.35');
    assert.equal(formatSignificant(0.000123456), '0.0001235');
    assert.equal(formatSignificant(9.99996), '10.00');
    assert.equal(formatSignificant(0), '0');
    assert.equal(formatUsd(-0.5), '-$0.5000');
  });

  it('reads durations in the unit a person would', () => {
    assert.equal(formatDuration(45), '45.0 s');
    assert.equal(formatDuration(750), '12.5 min');
    assert.equal(formatDuration(3 * 3600), '3.00 h');
    assert.equal(formatDuration(3 * 86_400), '3.00 days');
  });

  it('picks round axis ticks that cover the data', () => {
    assert.deepEqual(niceTicks(0, 0.0137, 6), [0, 0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.014]);
    assert.deepEqual(niceTicks(0, 3, 8), [0, 0.5, 1, 1.5, 2, 2.5, 3]);
    assert.deepEqual(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceTicks(0, 87, 4), [0, 20, 40, 60, 80, 100]);
  });
});

describe('report: charts', () => {
  it('draws one line per online policy with one point per timeline sample, and the optima as references', () => {
    const result = sampleResult({}, 13);
    const svg = renderReportCharts(result).cumulativeCost.svg;
    const lines = [...svg.matchAll(/<polyline data-series="([^"]+)" points="([^"]+)"/g)];
    assert.deepEqual(
      lines.map((m) => m[1]).sort(),
      ONLINE(result)
        .map((p) => p.name)
        .sort(),
    );
    for (const [, name, points] of lines) {
      assert.equal(points!.split(' ').length, 13, `${name} has 13 points`);
      for (const pair of points!.split(' ')) assert.match(pair, /^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/);
    }
    assert.equal([...svg.matchAll(/class="reference"/g)].length, 2, 'optimal and optimal-reactive');
    assert.match(svg, /optimal total \$0\.01235/);
    assert.match(svg, /time since the first request \(days\)/);
  });

  it('places a line’s points by time and cost: the last point is right of and above the first', () => {
    const svg = renderReportCharts(sampleResult({}, 5)).cumulativeCost.svg;
    const points = svg.match(/data-series="hybrid" points="([^"]+)"/)![1]!.split(' ').map((p) => p.split(',').map(Number));
    const [x0, y0] = points[0]!;
    const [x1, y1] = points[points.length - 1]!;
    assert.ok(x1! > x0! && y1! < y0!, `from ${x0},${y0} to ${x1},${y1}`);
  });

  it('thins very long timelines but keeps their first and last samples', () => {
    const long = timeline(5000, DAY_MS, 1, 1);
    const kept = thin(long, 2000);
    assert.equal(kept.length, 2000);
    assert.equal(kept[0], long[0]);
    assert.equal(kept[kept.length - 1], long[long.length - 1]);
    const svg = renderReportCharts(sampleResult({}, 5000)).cumulativeCost.svg;
    const points = svg.match(/data-series="hybrid" points="([^"]+)"/)![1]!.split(' ');
    assert.equal(points.length, 2000);
  });

  it('stacks one area per tier in each online policy’s occupancy chart', () => {
    const result = sampleResult({}, 9);
    const charts = renderReportCharts(result).occupancy;
    assert.deepEqual(
      charts.map((c) => c.file).sort(),
      ONLINE(result)
        .map((p) => `occupancy-${p.name}.svg`)
        .sort(),
    );
    for (const chart of charts) {
      const layers = [...chart.svg.matchAll(/<path data-layer="([^"]+)" d="M([^"]+)Z"/g)];
      assert.deepEqual(
        layers.map((m) => m[1]),
        PROFILE.tiers.map((t) => t.name),
      );
      // Upper edge and lower edge: two vertices per sample.
      for (const layer of layers) assert.equal(layer[2]!.split('L').length, 2 * 9);
      assert.match(chart.svg, /stored \(GiB\)/);
    }
  });

  it('draws one stacked bar per policy, cheapest first, with the optimum marked', () => {
    const result = sampleResult();
    const svg = renderReportCharts(result).costPerPolicy.svg;
    assert.deepEqual(
      [...svg.matchAll(/<g class="bar" data-label="([^"]+)">/g)].map((m) => m[1]),
      SORTED_NAMES(result),
    );
    const hybridBar = svg.match(/<g class="bar" data-label="hybrid">(.*?)<\/g>/)![1]!;
    assert.equal([...hybridBar.matchAll(/<rect /g)].length, 5, 'five cost parts');
    assert.match(svg, /class="reference"/);
    assert.match(svg, /font-weight="bold"[^>]*>optimal</);
    for (const part of ['storage', 'requests', 'retrieval/egress', 'migrations', 'latency penalty']) assert.ok(svg.includes(`>${part}</text>`), part);
  });

  it('produces standalone, balanced SVG documents', () => {
    const charts = renderReportCharts(sampleResult());
    for (const chart of [charts.costPerPolicy, charts.cumulativeCost, ...charts.occupancy]) {
      assert.match(chart.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+(\.\d+)?"/);
      assertBalancedTags(chart.svg);
      assert.doesNotMatch(chart.svg, /NaN|undefined|Infinity/);
    }
  });
});

describe('report: HTML page', () => {
  it('is balanced markup that loads nothing from the network', () => {
    const result = sampleResult();
    const html = renderHtmlReport(result, renderReportCharts(result));
    assertBalancedTags(html);
    assert.doesNotMatch(html, /<script|<link |<iframe|@import|url\(/i);
    assert.deepEqual(attributeValues(html, 'src'), []);
    const external = attributeValues(html, 'href').filter((h) => /^https?:/.test(h));
    assert.deepEqual(external, ['https://aws.amazon.com/s3/pricing/'], 'only the profile’s source is linked');
    const sources = html.slice(html.indexOf('<ul class="sources">'), html.indexOf('</ul>', html.indexOf('<ul class="sources">')));
    assert.ok(sources.includes('href="https://aws.amazon.com/s3/pricing/"'), 'that link sits in the sources list');
    assert.ok(html.includes('on-premise NVMe estimate &lt;internal&gt;'));
  });

  it('escapes every string that comes from the trace or the profile', () => {
    const evil = '/tmp/<script>alert("x")</script>&.csv';
    const result = sampleResult({ trace: evil, profile: { ...PROFILE, description: '<img src=x onerror=alert(1)>' } });
    result.policies[0] = { ...result.policies[0]!, description: 'a "quoted" <b>policy</b>' };
    const html = renderHtmlReport(result, renderReportCharts(result));
    assert.ok(!html.includes('<script'), 'no script element');
    assert.ok(!html.includes('<img'), 'no injected element');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;.csv'));
    assert.ok(html.includes('a &quot;quoted&quot; &lt;b&gt;policy&lt;/b&gt;'));
    assertBalancedTags(html);
  });

  it('states the trace, the profile with prices, skipped records and the regret definition', () => {
    const result = sampleResult({ skippedBadRecords: 17 });
    const html = renderHtmlReport(result, renderReportCharts(result));
    assert.ok(html.includes('/traces/sample.csv'));
    assert.match(html, /<dt>Bad records skipped<\/dt><dd>17 \(malformed records skipped with --skip-bad\)<\/dd>/);
    assert.match(html, /<dt>Time order<\/dt><dd>in order as read<\/dd>/);
    assert.match(html, /Regret = a policy’s total cost ÷ the total cost of optimal/);
    assert.match(html, /<td>onprem<\/td><td>0\.01<\/td><td>0<\/td><td>0<\/td><td>0<\/td><td>10 ms<\/td><td>1 ms<\/td>/);
    assert.match(html, /<td>public <span class="muted">\(ingest\)<\/span><\/td><td>0\.005<\/td><td>0\.0004<\/td><td>0\.005<\/td><td>0\.09<\/td>/);
    assert.match(html, /Latency is charged at \$0\.00002 per second/);
    assert.match(html, /<dt>Time scale<\/dt><dd>1 \(trace time as recorded\)<\/dd>/);
    assert.doesNotMatch(html, /stretched/);
  });

  it('explains stretched time when the time scale is not 1, and says when the trace was sorted', () => {
    const result = sampleResult({ timeScale: 24, sortedInMemory: true });
    const html = renderHtmlReport(result, renderReportCharts(result));
    assert.match(html, /Trace time is stretched ×24: every gap between requests is 24 times as long as recorded, so the 3.00 h recorded play as 3.00 days/);
    assert.match(html, /<dt>Time order<\/dt><dd>out of order; sorted in memory before the replay<\/dd>/);
    assert.match(renderReportCharts(result).cumulativeCost.svg, /time since the first request \(days, trace time ×24\)/);
  });

  it('lists policies cheapest first and names the cheapest online one against the ingest tier', () => {
    const result = sampleResult();
    const html = renderHtmlReport(result, renderReportCharts(result));
    const rowNames = [...html.matchAll(/<td class="policy" title="[^"]*">([^<]+)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(rowNames, SORTED_NAMES(result));
    // hybrid 0.0139 against static-public 0.0301: 53.8% less.
    assert.match(html, /<strong>hybrid<\/strong>, \$0\.01390 \(1\.126× the optimum\); 53\.8% less than leaving every object in the ingest tier \(static-public, \$0\.03010\)/);
  });
});

describe('report: folder', () => {
  it('writes index.html, result.json and every chart it shows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tiercast-report-'));
    try {
      const result = sampleResult({}, 30);
      const written = await writeReport(join(dir, 'nested', 'report'), result);
      const files = (await readdir(written.dir)).sort();
      assert.deepEqual(files, [...written.files].sort());
      assert.ok(files.includes('index.html') && files.includes('result.json') && files.includes('cost-per-policy.svg'));
      assert.equal(files.filter((f) => f.startsWith('occupancy-')).length, ONLINE(result).length);
      const json = JSON.parse(await readFile(join(written.dir, 'result.json'), 'utf8'));
      assert.deepEqual(json, JSON.parse(JSON.stringify(toResultJson(result, { timeline: true }))));
      const html = await readFile(written.index, 'utf8');
      const linked = attributeValues(html, 'href').filter((h) => !/^https?:/.test(h));
      for (const href of linked) assert.ok(files.includes(href), `${href} exists`);
      for (const svg of files.filter((f) => f.endsWith('.svg'))) assert.ok(linked.includes(svg), `${svg} is linked`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
