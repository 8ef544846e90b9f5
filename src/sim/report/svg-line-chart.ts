import { escapeXml } from './escape.js';
import { REFERENCE_COLOUR } from './palette.js';
import { bottomAxis, fmt, leftAxis, leftAxisWidth, legend, svgDocument, svgText, type PlotArea } from './svg-parts.js';
import { linearScale, niceTicks } from './svg-scale.js';

export interface LineSeries {
  /** Identifies the line in the markup (data-series). */
  name: string;
  /** Shown in the legend; defaults to the name. */
  legendLabel?: string;
  colour: string;
  dash?: string | undefined;
  /** [x, y] in axis units, x ascending. */
  points: ReadonlyArray<readonly [number, number]>;
  /** Hover text of the whole line. */
  hover?: string;
}

export interface AxisLabelSpec {
  label: string;
  format: (value: number) => string;
}

export interface LineChartSpec {
  title: string;
  lines: readonly LineSeries[];
  x: AxisLabelSpec & { max?: number };
  y: AxisLabelSpec;
  /** Horizontal dashed lines across the plot, labelled at their left end (where running totals are still low). */
  references?: ReadonlyArray<{ value: number; label: string; dash: string }>;
  width?: number;
  height?: number;
}

/** Lines on shared axes from 0, with a legend below the plot. */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 1000;
  const plotHeight = spec.height ?? 340;
  const xs = spec.lines.flatMap((l) => l.points.map((p) => p[0]));
  const ys = spec.lines.flatMap((l) => l.points.map((p) => p[1]));
  const refs = spec.references ?? [];
  const xTicks = niceTicks(0, Math.max(spec.x.max ?? 0, ...xs, 0), 8);
  const yTicks = niceTicks(0, Math.max(0, ...ys, ...refs.map((r) => r.value)), 6);
  const left = 16 + leftAxisWidth(yTicks, spec.y.format);
  const area: PlotArea = { left, top: 40, width: width - left - 24, height: plotHeight };
  const x = linearScale([0, xTicks[xTicks.length - 1]!], [area.left, area.left + area.width]);
  const y = linearScale([0, yTicks[yTicks.length - 1]!], [area.top + area.height, area.top]);

  const body: string[] = [svgText(16, 22, spec.title, { size: 15, weight: 'bold' })];
  body.push(leftAxis(area, { scale: y, ticks: yTicks, format: spec.y.format, label: spec.y.label }));
  body.push(bottomAxis(area, { scale: x, ticks: xTicks, format: spec.x.format, label: spec.x.label }));
  // Labels of references with close values are stacked upwards instead of overprinted.
  let labelAbove = Infinity;
  for (const ref of [...refs].sort((a, b) => a.value - b.value)) {
    const ry = y(ref.value);
    const labelY = Math.min(ry - 5, labelAbove - 16);
    labelAbove = labelY;
    body.push(
      `<line class="reference" x1="${area.left}" y1="${fmt(ry)}" x2="${area.left + area.width}" y2="${fmt(ry)}" stroke="${REFERENCE_COLOUR}" stroke-width="1.5" stroke-dasharray="${ref.dash}"/>`,
      svgText(area.left + 8, labelY, ref.label, { fill: REFERENCE_COLOUR, halo: true }),
    );
  }
  for (const line of spec.lines) {
    const points = line.points.map(([px, py]) => `${fmt(x(px))},${fmt(y(py))}`).join(' ');
    const dash = line.dash ? ` stroke-dasharray="${line.dash}"` : '';
    const hover = line.hover ? `<title>${escapeXml(line.hover)}</title>` : '';
    body.push(
      `<polyline data-series="${escapeXml(line.name)}" points="${points}" fill="none" stroke="${line.colour}" stroke-width="2.2" stroke-linejoin="round"${dash}>${hover}</polyline>`,
    );
  }
  const key = legend(
    spec.lines.map((l) => ({ label: l.legendLabel ?? l.name, colour: l.colour, dash: l.dash, shape: 'line' as const })),
    area.left,
    area.top + area.height + 54,
    area.width,
  );
  body.push(key.svg);
  return svgDocument({ width, height: area.top + area.height + 54 + key.height + 12 }, spec.title, body.join(''));
}
