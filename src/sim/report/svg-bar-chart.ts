import { escapeXml } from './escape.js';
import { REFERENCE_COLOUR } from './palette.js';
import { bottomAxis, fmt, legend, svgDocument, svgText, textWidth, type PlotArea } from './svg-parts.js';
import { linearScale, niceTicks } from './svg-scale.js';

/** One horizontal bar, split into one segment per series. */
export interface StackedBarRow {
  label: string;
  /** One value per series, in series order; each ≥ 0. */
  values: readonly number[];
  /** Shown after the bar end, e.g. the total and the regret. */
  note: string;
  /** Drawn in bold on a shaded band (the optimum). */
  emphasis?: boolean;
}

export interface StackedBarChartSpec {
  title: string;
  rows: readonly StackedBarRow[];
  series: ReadonlyArray<{ name: string; colour: string }>;
  axisLabel: string;
  formatTick: (value: number) => string;
  /** For the hover text of each segment. */
  formatValue: (value: number) => string;
  /** A vertical dashed line across every bar, e.g. at the optimum's total. */
  reference?: { value: number; label: string };
  width?: number;
}

const ROW_HEIGHT = 30;
const BAR_HEIGHT = 20;

/** Horizontal bars stacked by series, one row per item, on a shared value axis. */
export function renderStackedBarChart(spec: StackedBarChartSpec): string {
  const width = spec.width ?? 1000;
  const labelWidth = Math.max(60, ...spec.rows.map((r) => textWidth(r.label) + (r.emphasis ? 10 : 0)));
  const noteWidth = Math.max(40, ...spec.rows.map((r) => textWidth(r.note)));
  const key = legend(
    spec.series.map((s) => ({ label: s.name, colour: s.colour, shape: 'box' as const })),
    16,
    34,
    width - 32,
  );
  const top = 34 + key.height + (spec.reference ? 30 : 12);
  const area: PlotArea = {
    left: 16 + labelWidth + 10,
    top,
    width: width - (16 + labelWidth + 10) - (noteWidth + 24),
    height: Math.max(1, spec.rows.length) * ROW_HEIGHT,
  };
  const totals = spec.rows.map((r) => r.values.reduce((sum, v) => sum + Math.max(0, v), 0));
  const ticks = niceTicks(0, Math.max(...totals, spec.reference?.value ?? 0, 0), 6);
  const x = linearScale([0, ticks[ticks.length - 1]!], [area.left, area.left + area.width]);

  const body: string[] = [svgText(16, 22, spec.title, { size: 15, weight: 'bold' }), key.svg];
  body.push(bottomAxis(area, { scale: x, ticks, format: spec.formatTick, label: spec.axisLabel }));
  spec.rows.forEach((row, i) => {
    const rowTop = area.top + i * ROW_HEIGHT;
    const mid = rowTop + ROW_HEIGHT / 2;
    if (row.emphasis) body.push(`<rect x="0" y="${rowTop}" width="${width}" height="${ROW_HEIGHT}" fill="#000000" fill-opacity="0.05"/>`);
    body.push(svgText(area.left - 10, mid, row.label, { anchor: 'end', baseline: 'middle', weight: row.emphasis ? 'bold' : 'normal' }));
    let start = 0;
    const segments = row.values.map((value, s) => {
      const v = Math.max(0, value);
      const x0 = x(start);
      start += v;
      if (v === 0) return '';
      const series = spec.series[s]!;
      const hover = `${row.label}: ${series.name} ${spec.formatValue(v)}`;
      return `<rect x="${fmt(x0)}" y="${mid - BAR_HEIGHT / 2}" width="${fmt(Math.max(0.5, x(start) - x0))}" height="${BAR_HEIGHT}" fill="${series.colour}"><title>${escapeXml(hover)}</title></rect>`;
    });
    body.push(`<g class="bar" data-label="${escapeXml(row.label)}">${segments.join('')}</g>`);
    body.push(svgText(x(start) + 8, mid, row.note, { baseline: 'middle', weight: row.emphasis ? 'bold' : 'normal' }));
  });
  if (spec.reference) {
    const rx = x(spec.reference.value);
    body.push(
      `<line class="reference" x1="${fmt(rx)}" y1="${area.top - 6}" x2="${fmt(rx)}" y2="${area.top + area.height}" stroke="${REFERENCE_COLOUR}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
      svgText(rx, area.top - 12, spec.reference.label, { anchor: rx > area.left + area.width / 2 ? 'end' : 'start', fill: REFERENCE_COLOUR, halo: true }),
    );
  }
  return svgDocument({ width, height: area.top + area.height + 56 }, spec.title, body.join(''));
}
