import { escapeXml } from './escape.js';
import type { AxisLabelSpec } from './svg-line-chart.js';
import { bottomAxis, fmt, leftAxis, leftAxisWidth, legend, svgDocument, svgText, type PlotArea } from './svg-parts.js';
import { linearScale, niceTicks } from './svg-scale.js';

export interface AreaLayer {
  name: string;
  colour: string;
  /** One value per x, in axis units, ≥ 0. */
  values: readonly number[];
}

export interface StackedAreaChartSpec {
  title: string;
  /** Ascending, in axis units. */
  xs: readonly number[];
  /** Bottom layer first. */
  layers: readonly AreaLayer[];
  x: AxisLabelSpec & { max?: number };
  /** `max` fixes the scale, so that small multiples compare at a glance. */
  y: AxisLabelSpec & { max?: number };
  width?: number;
  height?: number;
}

/** Layers stacked on each other over x: each layer one filled path between its edges. */
export function renderStackedAreaChart(spec: StackedAreaChartSpec): string {
  const width = spec.width ?? 420;
  const plotHeight = spec.height ?? 170;
  const tops = cumulative(spec.layers, spec.xs.length);
  const highest = Math.max(spec.y.max ?? 0, 0, ...(tops[tops.length - 1] ?? []));
  const xTicks = niceTicks(0, Math.max(spec.x.max ?? 0, ...spec.xs, 0), 5);
  const yTicks = niceTicks(0, highest, 4);
  const left = 12 + leftAxisWidth(yTicks, spec.y.format);
  const area: PlotArea = { left, top: 34, width: width - left - 16, height: plotHeight };
  const x = linearScale([0, xTicks[xTicks.length - 1]!], [area.left, area.left + area.width]);
  const y = linearScale([0, yTicks[yTicks.length - 1]!], [area.top + area.height, area.top]);

  const body: string[] = [svgText(12, 20, spec.title, { size: 14, weight: 'bold' })];
  body.push(leftAxis(area, { scale: y, ticks: yTicks, format: spec.y.format, label: spec.y.label }));
  spec.layers.forEach((layer, i) => {
    const upper = tops[i]!;
    const lower = i === 0 ? spec.xs.map(() => 0) : tops[i - 1]!;
    const edge = spec.xs.map((px, j) => `${fmt(x(px))},${fmt(y(upper[j]!))}`);
    const base = spec.xs.map((px, j) => `${fmt(x(px))},${fmt(y(lower[j]!))}`).reverse();
    const d = spec.xs.length === 0 ? '' : `M${edge.join('L')}L${base.join('L')}Z`;
    body.push(`<path data-layer="${escapeXml(layer.name)}" d="${d}" fill="${layer.colour}" fill-opacity="0.9" stroke="#ffffff" stroke-width="0.75"><title>${escapeXml(layer.name)}</title></path>`);
  });
  body.push(bottomAxis(area, { scale: x, ticks: xTicks, format: spec.x.format, label: spec.x.label }));
  const key = legend(
    spec.layers.map((l) => ({ label: l.name, colour: l.colour, shape: 'box' as const })),
    area.left,
    area.top + area.height + 50,
    area.width,
  );
  body.push(key.svg);
  return svgDocument({ width, height: area.top + area.height + 50 + key.height + 8 }, spec.title, body.join(''));
}

/** Running sums: row i holds layer 0 + … + layer i at each x. */
function cumulative(layers: readonly AreaLayer[], length: number): number[][] {
  const rows: number[][] = [];
  let running = new Array<number>(length).fill(0);
  for (const layer of layers) {
    running = running.map((sum, j) => sum + Math.max(0, layer.values[j] ?? 0));
    rows.push(running);
  }
  return rows;
}
