import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { TiercastConfig } from '../config/schema.js';
import { invalidInput, notFound } from '../domain/errors.js';

/**
 * The simulation reports the dashboard shows: each subfolder of the reports folder that
 * holds a `result.json` (written by `tiercast simulate --report DIR`, next to its
 * `index.html` and images).
 */
export const RESULT_FILE = 'result.json';
/** A result larger than this is not parsed for the list (the report itself still opens). */
const MAX_RESULT_BYTES = 64 * 1024 * 1024;
const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface ReportPolicy {
  name: string;
  [field: string]: unknown;
}

export interface ReportSummary {
  name: string;
  modifiedAt: number;
  /** Why result.json could not be read; null when it was. */
  error: string | null;
  trace?: string;
  requests?: number;
  objects?: number;
  spanSeconds?: number;
  profile?: unknown;
  policies: ReportPolicy[];
}

export function reportsDirOf(config: Pick<TiercastConfig, 'dataDir' | 'reportsDir'>): string {
  return config.reportsDir !== undefined ? resolve(config.reportsDir) : join(resolve(config.dataDir), 'reports');
}

export function isReportName(name: string): boolean {
  return REPORT_NAME.test(name) && !name.includes('..');
}

/** Every report in `dir`, newest first; a missing folder has none. */
export async function listReports(dir: string): Promise<ReportSummary[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const reports: ReportSummary[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !isReportName(entry.name)) continue;
    const file = join(dir, entry.name, RESULT_FILE);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) continue;
    reports.push(await summarise(entry.name, file, info));
  }
  return reports.sort((a, b) => b.modifiedAt - a.modifiedAt || a.name.localeCompare(b.name));
}

async function summarise(name: string, file: string, info: Stats): Promise<ReportSummary> {
  const base = { name, modifiedAt: info.mtimeMs, policies: [] };
  if (info.size > MAX_RESULT_BYTES) return { ...base, error: `${RESULT_FILE} is larger than ${MAX_RESULT_BYTES / 1024 / 1024} MiB; open the report instead` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    return { ...base, error: `${RESULT_FILE} is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ...base, error: `${RESULT_FILE} does not hold a JSON object` };
  const result = parsed as Record<string, unknown>;
  const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const policies = Array.isArray(result.policies)
    ? result.policies.filter((p): p is ReportPolicy => typeof p === 'object' && p !== null && typeof (p as ReportPolicy).name === 'string').map(policyColumns)
    : [];
  return {
    ...base,
    error: null,
    trace: typeof result.trace === 'string' ? result.trace : undefined,
    requests: number(result.requests),
    objects: number(result.objects),
    spanSeconds: number(result.span_seconds),
    profile: result.profile,
    policies,
  };
}

/** The figures the dashboard's table shows; a policy's timelines stay in the report. */
function policyColumns(policy: ReportPolicy): ReportPolicy {
  const columns: ReportPolicy = { name: policy.name };
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean' || value === null) columns[key] = value;
  }
  return columns;
}

/**
 * The absolute path of `relativePath` inside report `name`, or an error: names and paths
 * that could leave the report's folder (`..`, absolute paths, symbolic links pointing out)
 * are refused.
 */
export async function reportFile(dir: string, name: string, relativePath: string): Promise<string> {
  if (!isReportName(name)) throw invalidInput(`'${name}' is not a report name`, 'report names are folder names of letters, digits, dots, dashes and underscores');
  const segments = relativePath === '' ? ['index.html'] : relativePath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw invalidInput(`'${relativePath}' is not a path inside report '${name}'`, 'paths inside a report may not contain empty, "." or ".." segments');
  }
  const folder = join(dir, name);
  const path = join(folder, ...segments);
  const [realFolder, realPath] = await Promise.all([realpath(folder).catch(() => undefined), realpath(path).catch(() => undefined)]);
  if (realFolder === undefined) throw notFound('simulation report', name, `reports are read from ${dir}`);
  if (realPath === undefined || !(await stat(realPath)).isFile()) throw notFound('file', `${name}/${relativePath}`);
  if (!realPath.startsWith(realFolder + sep)) throw invalidInput(`'${relativePath}' leads outside report '${name}'`);
  return realPath;
}

/** One report's whole result.json. */
export async function readReportResult(dir: string, name: string): Promise<unknown> {
  const file = await reportFile(dir, name, RESULT_FILE);
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw invalidInput(`report '${name}': ${RESULT_FILE} is not valid JSON: ${(error as Error).message}`, 'run the simulation again to rewrite it');
  }
}
