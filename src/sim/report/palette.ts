/**
 * Colours from Okabe & Ito's palette, which stays distinguishable under the common forms
 * of colour blindness. Yellow is left out of lines (too pale on white); where lines
 * outnumber colours, dash patterns tell them apart.
 */
const OKABE_ITO = {
  black: '#000000',
  orange: '#E69F00',
  skyBlue: '#56B4E9',
  green: '#009E73',
  yellow: '#F0E442',
  blue: '#0072B2',
  vermillion: '#D55E00',
  purple: '#CC79A7',
} as const;

export interface LineStyle {
  colour: string;
  /** SVG stroke-dasharray, or undefined for a solid line. */
  dash: string | undefined;
}

const LINE_COLOURS = [
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.green,
  OKABE_ITO.purple,
  OKABE_ITO.orange,
  OKABE_ITO.skyBlue,
  OKABE_ITO.black,
];
const DASHES = [undefined, '7 4', '2 3', '10 3 2 3'];

/** The style of the `index`-th line: every colour solid first, then every colour dashed. */
export function lineStyle(index: number): LineStyle {
  return {
    colour: LINE_COLOURS[index % LINE_COLOURS.length]!,
    dash: DASHES[Math.floor(index / LINE_COLOURS.length) % DASHES.length],
  };
}

/** Fills for the five cost parts, in CostParts order. */
export const COST_PART_COLOURS = [OKABE_ITO.blue, OKABE_ITO.orange, OKABE_ITO.green, OKABE_ITO.purple, OKABE_ITO.vermillion];

const TIER_COLOURS = [OKABE_ITO.vermillion, OKABE_ITO.orange, OKABE_ITO.skyBlue, OKABE_ITO.blue, OKABE_ITO.green, OKABE_ITO.purple, OKABE_ITO.yellow];

/** Fill of the tier at `rank` (0 = fastest): warm for fast and dear, cool for slow and cheap. */
export function tierColour(rank: number): string {
  return TIER_COLOURS[rank % TIER_COLOURS.length]!;
}

/** Reference lines (the optima) are drawn in grey so they never read as a policy. */
export const REFERENCE_COLOUR = '#555555';
export const GRID_COLOUR = '#e3e3e3';
export const AXIS_COLOUR = '#777777';
export const TEXT_COLOUR = '#222222';
