import { escapeXml } from './escape.js';
import { AXIS_COLOUR, GRID_COLOUR, TEXT_COLOUR } from './palette.js';
import type { Scale } from './svg-scale.js';

/** Building blocks shared by the report's charts: document, text, axes, legend. */

export const FONT_SIZE = 13;
const FONT_FAMILY = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif';

/** Rough width of `text` at `size` px, for laying out labels without a browser. */
export function textWidth(text: string, size = FONT_SIZE): number {
  return text.length * size * 0.58;
}

/** A standalone SVG document (opens by itself and inlines in HTML). */
export function svgDocument(size: { width: number; height: number }, title: string, body: string): string {
  const { width, height } = size;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"`,
    ` role="img" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}" fill="${TEXT_COLOUR}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    body,
    '</svg>',
  ].join('');
}

export interface TextOptions {
  anchor?: 'start' | 'middle' | 'end';
  size?: number;
  weight?: 'bold' | 'normal';
  fill?: string;
  /** Degrees, about (x, y). */
  rotate?: number;
  baseline?: 'middle' | 'hanging';
  /** A white outline, so that lines crossing the text do not hide it. */
  halo?: boolean;
}

export function svgText(x: number, y: number, content: string, options: TextOptions = {}): string {
  const attrs = [`x="${fmt(x)}"`, `y="${fmt(y)}"`];
  if (options.anchor && options.anchor !== 'start') attrs.push(`text-anchor="${options.anchor}"`);
  if (options.size) attrs.push(`font-size="${options.size}"`);
  if (options.weight === 'bold') attrs.push('font-weight="bold"');
  if (options.fill) attrs.push(`fill="${options.fill}"`);
  if (options.baseline) attrs.push(`dominant-baseline="${options.baseline}"`);
  if (options.halo) attrs.push('stroke="#ffffff" stroke-width="4" stroke-linejoin="round" paint-order="stroke"');
  if (options.rotate) attrs.push(`transform="rotate(${options.rotate} ${fmt(x)} ${fmt(y)})"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

/** Coordinates with at most 2 decimals: shorter files, no visible difference. */
export function fmt(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The rectangle that data is drawn in, in SVG units. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AxisSpec {
  scale: Scale;
  ticks: readonly number[];
  format: (value: number) => string;
  label: string;
}

/** Bottom axis: vertical grid lines, tick labels and the axis title. */
export function bottomAxis(area: PlotArea, axis: AxisSpec): string {
  const bottom = area.top + area.height;
  const parts = axis.ticks.map((tick) => {
    const x = axis.scale(tick);
    return (
      `<line x1="${fmt(x)}" y1="${area.top}" x2="${fmt(x)}" y2="${bottom}" stroke="${GRID_COLOUR}"/>` +
      svgText(x, bottom + 18, axis.format(tick), { anchor: 'middle' })
    );
  });
  parts.push(`<line x1="${area.left}" y1="${bottom}" x2="${area.left + area.width}" y2="${bottom}" stroke="${AXIS_COLOUR}"/>`);
  parts.push(svgText(area.left + area.width / 2, bottom + 40, axis.label, { anchor: 'middle', fill: AXIS_COLOUR }));
  return `<g class="axis-x">${parts.join('')}</g>`;
}

/** Left axis: horizontal grid lines, tick labels and the rotated axis title. */
export function leftAxis(area: PlotArea, axis: AxisSpec): string {
  const parts = axis.ticks.map((tick) => {
    const y = axis.scale(tick);
    return (
      `<line x1="${area.left}" y1="${fmt(y)}" x2="${area.left + area.width}" y2="${fmt(y)}" stroke="${GRID_COLOUR}"/>` +
      svgText(area.left - 8, y, axis.format(tick), { anchor: 'end', baseline: 'middle' })
    );
  });
  parts.push(`<line x1="${area.left}" y1="${area.top}" x2="${area.left}" y2="${area.top + area.height}" stroke="${AXIS_COLOUR}"/>`);
  const widest = Math.max(0, ...axis.ticks.map((t) => textWidth(axis.format(t))));
  const x = area.left - widest - 24;
  parts.push(svgText(x, area.top + area.height / 2, axis.label, { anchor: 'middle', rotate: -90, fill: AXIS_COLOUR }));
  return `<g class="axis-y">${parts.join('')}</g>`;
}

/** Space a left axis needs for its tick labels and title. */
export function leftAxisWidth(ticks: readonly number[], format: (value: number) => string): number {
  return Math.max(0, ...ticks.map((t) => textWidth(format(t)))) + 36;
}

export interface LegendItem {
  label: string;
  colour: string;
  /** Line swatch (with the line's dash pattern) or filled box. */
  shape: 'line' | 'box';
  dash?: string | undefined;
}

/** A legend that wraps into rows within `maxWidth`. Returns its markup and height. */
export function legend(items: readonly LegendItem[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  const rowHeight = 20;
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const width = 26 + textWidth(item.label) + 18;
    if (cx > x && cx + width > x + maxWidth) {
      cx = x;
      cy += rowHeight;
    }
    const mid = cy + rowHeight / 2;
    parts.push(
      item.shape === 'box'
        ? `<rect x="${fmt(cx)}" y="${fmt(mid - 6)}" width="18" height="12" fill="${item.colour}"/>`
        : `<line x1="${fmt(cx)}" y1="${fmt(mid)}" x2="${fmt(cx + 20)}" y2="${fmt(mid)}" stroke="${item.colour}" stroke-width="3"${item.dash ? ` stroke-dasharray="${item.dash}"` : ''}/>`,
    );
    parts.push(svgText(cx + 26, mid, item.label, { baseline: 'middle' }));
    cx += width;
  }
  const height = items.length === 0 ? 0 : cy - y + rowHeight;
  return { svg: `<g class="legend">${parts.join('')}</g>`, height };
}
