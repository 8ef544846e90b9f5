import type { PolicyResult } from '../model.js';
import { formatRegret, formatTick, formatUsd } from './format.js';
import { COST_PART_COLOURS, lineStyle, tierColour } from './palette.js';
import { byTotalCost, isOfflinePolicy, OPTIMAL_POLICY, type SimulationResult } from './simulation-result.js';
import { renderStackedAreaChart } from './svg-area-chart.js';
import { renderStackedBarChart } from './svg-bar-chart.js';
import { renderLineChart } from './svg-line-chart.js';
import { byteUnitFor, thin, timeUnitFor } from './svg-scale.js';

/** A chart of the report: its SVG and the file name it is written under. */
export interface ReportChart {
  file: string;
  title: string;
  svg: string;
}

export interface ReportCharts {
  costPerPolicy: ReportChart;
  cumulativeCost: ReportChart;
  /** One small chart per online policy that has a timeline. */
  occupancy: ReportChart[];
}

/** Cost parts in CostParts order, as the charts and the table name them. */
export const COST_PART_NAMES = ['storage', 'requests', 'retrieval/egress', 'migrations', 'latency penalty'];

/** More points than this per line add nothing at chart size but file bytes. */
const MAX_POINTS_PER_LINE = 2000;

const usdTick = (value: number) => `$${formatTick(value)}`;

export function renderReportCharts(result: SimulationResult): ReportCharts {
  return {
    costPerPolicy: costPerPolicyChart(result),
    cumulativeCost: cumulativeCostChart(result),
    occupancy: occupancyCharts(result),
  };
}

/** Policies drawn over time: the online ones (the optima have no timeline), cheapest first. */
export function onlinePolicies(result: SimulationResult): PolicyResult[] {
  return byTotalCost(result.policies.filter((p) => !isOfflinePolicy(p) && p.timeline.length > 0));
}

function costPerPolicyChart(result: SimulationResult): ReportChart {
  const optimal = result.policies.find((p) => p.name === OPTIMAL_POLICY);
  const title = 'Total cost per policy, by part';
  const svg = renderStackedBarChart({
    title,
    rows: byTotalCost(result.policies).map((p) => ({
      label: p.name,
      values: [p.costs.storage, p.costs.requests, p.costs.retrieval, p.costs.migrations, p.costs.latencyPenalty],
      note: p.regret === null ? formatUsd(p.totalCostUsd) : `${formatUsd(p.totalCostUsd)} (${formatRegret(p.regret)})`,
      emphasis: p.name === OPTIMAL_POLICY,
    })),
    series: COST_PART_NAMES.map((name, i) => ({ name, colour: COST_PART_COLOURS[i]! })),
    axisLabel: 'total cost over the trace ($)',
    formatTick: usdTick,
    formatValue: (v) => formatUsd(v),
    ...(optimal ? { reference: { value: optimal.totalCostUsd, label: `optimal ${formatUsd(optimal.totalCostUsd)}` } } : {}),
  });
  return { file: 'cost-per-policy.svg', title, svg };
}

function timeAxis(result: SimulationResult): { divisor: number; label: string; max: number } {
  const unit = timeUnitFor(result.spanSeconds);
  const stretched = result.timeScale !== 1 ? `, trace time ×${formatTick(result.timeScale)}` : '';
  return { divisor: unit.divisor, label: `time since the first request (${unit.name}${stretched})`, max: result.spanSeconds / unit.divisor };
}

function elapsed(result: SimulationResult, at: number, divisor: number): number {
  return (at - result.startedAt) / 1000 / divisor;
}

function cumulativeCostChart(result: SimulationResult): ReportChart {
  const time = timeAxis(result);
  const references = [
    { name: OPTIMAL_POLICY, dash: '8 5' },
    { name: `${OPTIMAL_POLICY}-reactive`, dash: '2 4' },
  ].flatMap(({ name, dash }) => {
    const p = result.policies.find((q) => q.name === name);
    return p ? [{ value: p.totalCostUsd, label: `${name} total ${formatUsd(p.totalCostUsd)}`, dash }] : [];
  });
  const title = 'Cumulative cost over time';
  const svg = renderLineChart({
    title,
    lines: onlinePolicies(result).map((p, i) => ({
      name: p.name,
      legendLabel: `${p.name} ${formatUsd(p.totalCostUsd)}`,
      hover: `${p.name}: ${formatUsd(p.totalCostUsd)} at the end (${formatRegret(p.regret)} optimal)`,
      ...lineStyle(i),
      points: thin(p.timeline, MAX_POINTS_PER_LINE).map((t) => [elapsed(result, t.at, time.divisor), t.cumulativeCostUsd] as const),
    })),
    x: { label: time.label, format: formatTick, max: time.max },
    y: { label: 'cumulative cost ($)', format: usdTick },
    references,
  });
  return { file: 'cumulative-cost.svg', title, svg };
}

function occupancyCharts(result: SimulationResult): ReportChart[] {
  const policies = onlinePolicies(result);
  const time = timeAxis(result);
  const maxBytes = Math.max(0, ...policies.flatMap((p) => p.timeline.map((t) => t.bytesPerTier.reduce((s, b) => s + b, 0))));
  const unit = byteUnitFor(maxBytes);
  const files = new Set<string>();
  return policies.map((p) => {
    const points = thin(p.timeline, MAX_POINTS_PER_LINE);
    const title = `Tier occupancy: ${p.name}`;
    const svg = renderStackedAreaChart({
      title,
      xs: points.map((t) => elapsed(result, t.at, time.divisor)),
      layers: result.profile.tiers.map((tier, rank) => ({
        name: tier.name,
        colour: tierColour(rank),
        values: points.map((t) => (t.bytesPerTier[rank] ?? 0) / unit.divisor),
      })),
      x: { label: time.label, format: formatTick, max: time.max },
      y: { label: `stored (${unit.name})`, format: formatTick, max: maxBytes / unit.divisor },
    });
    return { file: uniqueFileName(`occupancy-${slug(p.name)}`, files), title, svg };
  });
}

/** A policy name as a safe file name part. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'policy';
}

function uniqueFileName(base: string, taken: Set<string>): string {
  let name = `${base}.svg`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.svg`;
  taken.add(name);
  return name;
}
