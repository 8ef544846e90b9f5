import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtmlReport } from './html-report.js';
import { renderReportCharts } from './report-charts.js';
import { toResultJsonText } from './result-json.js';
import type { SimulationResult } from './simulation-result.js';

export interface WrittenReport {
  dir: string;
  /** index.html */
  index: string;
  /** Every file written, relative to `dir`. */
  files: string[];
}

/**
 * Writes the human report of `simulate --report DIR`: index.html (charts inline, opens
 * from file:// without network), result.json and each chart as its own .svg file.
 * Creates `dir` if needed and overwrites the files it writes; leaves other files alone.
 */
export async function writeReport(dir: string, result: SimulationResult): Promise<WrittenReport> {
  const charts = renderReportCharts(result);
  const contents = new Map<string, string>([
    ['index.html', renderHtmlReport(result, charts)],
    ['result.json', toResultJsonText(result, { timeline: true })],
    ...[charts.costPerPolicy, charts.cumulativeCost, ...charts.occupancy].map((c) => [c.file, `${c.svg}\n`] as [string, string]),
  ]);
  await mkdir(dir, { recursive: true });
  for (const [file, text] of contents) await writeFile(join(dir, file), text, 'utf8');
  return { dir, index: join(dir, 'index.html'), files: [...contents.keys()] };
}
