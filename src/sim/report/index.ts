/** The simulator's output: terminal table, `--json` shape and the `--report DIR` folder. */
export type { SimulationResult } from './simulation-result.js';
export { toResultJson, toResultJsonText, type ResultJson, type PolicyJson, type ProfileJson } from './result-json.js';
export { renderTable } from './table.js';
export { writeReport, type WrittenReport } from './write-report.js';
export { renderHtmlReport } from './html-report.js';
export { renderReportCharts, type ReportChart, type ReportCharts } from './report-charts.js';
