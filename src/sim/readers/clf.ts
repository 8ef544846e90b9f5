/**
 * Web server access logs in Common Log Format, and Combined Log Format (CLF plus referer
 * and user agent, which are ignored):
 * `host ident authuser [10/Oct/2000:13:55:36 -0700] "GET /a.gif?x=1 HTTP/1.0" 200 2326 ...`
 *
 * - object: the request URL's path; the query string (`?…`) and fragment are cut off, since
 *   they select a variant of the same stored object far more often than a different one.
 * - size: the response bytes; `-` (no body, as on 304 and many 301 replies) counts as 0 and
 *   the request is still an access.
 * - time: the bracketed timestamp with its UTC offset, in epoch milliseconds.
 * - op: GET and HEAD read, PUT writes, every other method is `other`.
 * A line without a timestamp, a quoted request naming a URL, a 3-digit status and a byte
 * count is malformed (the `"-"` request of a timed-out connection included).
 */
import { rejectRecord, TraceError, type ReaderOptions, type TraceOp, type TraceRecord } from '../trace-record.js';
import { lineBatches } from './csv.js';

const MONTHS: Record<string, number> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** `dd/Mon/yyyy:HH:MM:SS ±hhmm`, 26 characters. */
const TIMESTAMP_LENGTH = 26;

/** The number in `line[from, from + digits)`, or -1 when a character there is not a digit. */
function digits(line: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Epoch ms of the CLF timestamp starting at `line[i]`, or NaN when it is not one. */
function clfTime(line: string, i: number): number {
  const day = digits(line, i, 2);
  const month = MONTHS[line.slice(i + 3, i + 6)];
  const year = digits(line, i + 7, 4);
  const hour = digits(line, i + 12, 2);
  const minute = digits(line, i + 15, 2);
  const second = digits(line, i + 18, 2);
  const sign = line[i + 21] === '+' ? 1 : line[i + 21] === '-' ? -1 : 0;
  const offsetHours = digits(line, i + 22, 2);
  const offsetMinutes = digits(line, i + 24, 2);
  if (
    line[i + 2] !== '/' || line[i + 6] !== '/' || line[i + 11] !== ':' || line[i + 14] !== ':' || line[i + 17] !== ':' || line[i + 20] !== ' ' ||
    month === undefined || day < 1 || day > 31 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 ||
    sign === 0 || offsetHours < 0 || offsetMinutes < 0 || offsetMinutes > 59
  ) {
    return NaN;
  }
  const utc = Date.UTC(year, month, day, hour, minute, second);
  return utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function methodOp(method: string): TraceOp {
  if (method === 'GET' || method === 'HEAD') return 'read';
  return method === 'PUT' ? 'write' : 'other';
}

/** One log line as a record, or what is wrong with it. */
export function parseClfLine(line: string): TraceRecord | string {
  const open = line.indexOf(' [');
  if (open < 0) return 'no [timestamp] after host, ident and user';
  const close = open + 2 + TIMESTAMP_LENGTH;
  const at = line[close] === ']' ? clfTime(line, open + 2) : NaN;
  if (Number.isNaN(at)) {
    const bracket = line.indexOf(']', open);
    return `timestamp '${line.slice(open + 2, bracket < 0 ? open + 2 + TIMESTAMP_LENGTH : bracket)}' is not a valid dd/Mon/yyyy:HH:MM:SS ±hhmm`;
  }
  if (line[close + 1] !== ' ' || line[close + 2] !== '"') return 'no quoted request line after the timestamp';
  let endQuote = line.indexOf('"', close + 3);
  while (endQuote > 0 && line[endQuote - 1] === '\\') endQuote = line.indexOf('"', endQuote + 1);
  if (endQuote < 0) return 'the request line has no closing quote';
  const methodEnd = line.indexOf(' ', close + 3);
  if (methodEnd < 0 || methodEnd >= endQuote) return `request '${line.slice(close + 3, endQuote)}' names no URL`;
  let urlEnd = line.indexOf(' ', methodEnd + 1);
  if (urlEnd < 0 || urlEnd > endQuote) urlEnd = endQuote;
  let pathEnd = urlEnd;
  for (let i = methodEnd + 1; i < urlEnd; i++) {
    const c = line.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      pathEnd = i;
      break;
    }
  }
  if (pathEnd === methodEnd + 1) return `request '${line.slice(close + 3, endQuote)}' names no URL`;
  const status = digits(line, endQuote + 2, 3);
  if (line[endQuote + 1] !== ' ' || status < 100 || (endQuote + 5 < line.length && line[endQuote + 5] !== ' ')) {
    return 'no 3-digit status after the request line';
  }
  if (endQuote + 5 >= line.length) return 'no response size after the status';
  const bytesStart = endQuote + 6;
  let bytesEnd = line.indexOf(' ', bytesStart);
  if (bytesEnd < 0) bytesEnd = line.length;
  let sizeBytes = 0;
  if (bytesEnd !== bytesStart + 1 || line[bytesStart] !== '-') {
    sizeBytes = bytesEnd > bytesStart && bytesEnd - bytesStart < 16 ? digits(line, bytesStart, bytesEnd - bytesStart) : -1;
    if (sizeBytes < 0) return `response size '${line.slice(bytesStart, bytesEnd)}' is not a byte count or '-'`;
  }
  return { at, objectId: line.slice(methodEnd + 1, pathEnd), sizeBytes, op: methodOp(line.slice(close + 3, methodEnd)) };
}

/** True when `line` is a well-formed CLF line (used to detect the format). */
export function isClfLine(line: string): boolean {
  return typeof parseClfLine(line) !== 'string';
}

/** The log's records in file order, one array per chunk read. */
export async function* clfBatches(path: string, options: ReaderOptions = {}): AsyncGenerator<TraceRecord[]> {
  for await (const { lines, firstLine } of lineBatches(path)) {
    const batch: TraceRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const parsed = parseClfLine(line);
      if (typeof parsed === 'string') rejectRecord(new TraceError(parsed, { path, line: firstLine + i }), options);
      else batch.push(parsed);
    }
    yield batch;
  }
}
