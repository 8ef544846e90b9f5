import { formatTable } from '../../cli/format.js';
import { formatTick } from './format.js';
import { byTotalCost, type SimulationResult } from './simulation-result.js';
import { describeTimeScale, describeTraceRepairs, describeVolume, policyFigureCells, REGRET_DEFINITION } from './summary.js';

const HEADERS = [
  'policy',
  'total',
  'regret',
  'storage',
  'requests',
  'retrieval',
  'migr. $',
  'latency $',
  'mean ms',
  'p99 ms',
  'fastest',
  'moves',
  'moved',
];

/** The terminal table of a simulation: a few lines on the run, then one row per policy, cheapest first. */
export function renderTable(result: SimulationResult): string {
  const rows = byTotalCost(result.policies).map((p) => [p.name, ...policyFigureCells(p)]);
  const scale = result.timeScale === 1 ? '1 (as recorded)' : `×${formatTick(result.timeScale)} (trace time stretched)`;
  const lines = [
    `trace       ${result.trace} (${result.format})`,
    `replayed    ${describeVolume(result)}`,
    `profile     ${result.profile.name} (${result.profile.tiers.map((t) => t.name).join(' > ')}; ingest ${result.profile.ingestTier})`,
    `time scale  ${scale}`,
  ];
  const repairs = describeTraceRepairs(result);
  if (repairs) lines.push(`note        ${repairs}`);
  const timeScale = describeTimeScale(result);
  const aligned = rightAligned(HEADERS, rows);
  return [
    ...lines,
    '',
    formatTable(aligned.headers, aligned.rows),
    '',
    ...[
      'retrieval = retrieval or egress fees; fastest = share of accesses served by the fastest tier; moved = bytes migrated.',
      REGRET_DEFINITION,
      ...(timeScale ? [timeScale] : []),
    ].map((note) => wrap(note, NOTE_WIDTH)),
  ].join('\n');
}

const NOTE_WIDTH = 100;

/** Breaks a sentence at spaces into lines of at most `width` characters. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/**
 * Right-aligns every column but the first, so that figures line up on their last digit:
 * cells are padded to their column's width before formatTable lays the columns out.
 */
function rightAligned(headers: readonly string[], rows: readonly string[][]): { headers: string[]; rows: string[][] } {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const pad = (cell: string, i: number) => (i === 0 ? cell : cell.padStart(widths[i]!));
  return { headers: headers.map(pad), rows: rows.map((row) => row.map(pad)) };
}
