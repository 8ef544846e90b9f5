import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import Type from 'typebox';
import type { Tiercast } from '../../app.js';
import { listReports, readReportResult, reportFile, reportsDirOf, type ReportSummary } from '../../engine/simulation-reports.js';
import { errorResponses, SimulationSummaryBody } from '../schemas.js';
import type { Api } from '../types.js';

/** What a report folder holds: the page, its data, its images. Anything else is sent as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const reportUrl = (name: string) => `/reports/${encodeURIComponent(name)}/`;

function summaryJson(report: ReportSummary) {
  return {
    name: report.name,
    report_url: reportUrl(report.name),
    modified_at: new Date(report.modifiedAt).toISOString(),
    error: report.error,
    trace: report.trace,
    requests: report.requests,
    objects: report.objects,
    span_seconds: report.spanSeconds,
    profile: report.profile,
    policies: report.policies,
  };
}

/** The reports of `tiercast simulate --report DIR` under the reports folder: listed, and served as files. */
export async function simulationRoutes(api: Api, app: Tiercast): Promise<void> {
  const dir = reportsDirOf(app.config);

  api.get(
    '/api/simulations',
    {
      schema: {
        summary: 'Simulation reports: every subfolder of reportsDir with a result.json, newest first',
        tags: ['system'],
        response: { 200: Type.Object({ reports_dir: Type.String(), simulations: Type.Array(SimulationSummaryBody) }) },
      },
    },
    async () => ({ reports_dir: dir, simulations: (await listReports(dir)).map(summaryJson) }),
  );

  api.get(
    '/api/simulations/:name',
    {
      schema: {
        summary: 'One simulation report\'s result.json, as the simulator wrote it',
        tags: ['system'],
        params: Type.Object({ name: Type.String({ description: 'the report folder' }) }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (request) => readReportResult(dir, request.params.name),
  );

  // The report's own page, with relative links to its images: the folder needs the trailing slash.
  api.get('/reports/:name', { schema: { hide: true } }, async (request, reply) => {
    const { name } = request.params as { name: string };
    await reportFile(dir, name, '');
    return reply.redirect(reportUrl(name), 301);
  });

  api.get('/reports/:name/*', { schema: { hide: true } }, async (request, reply) => {
    const { name, '*': path } = request.params as { name: string; '*': string };
    const file = await reportFile(dir, name, path);
    const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return reply.header('content-type', type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff').send(createReadStream(file));
  });
}
