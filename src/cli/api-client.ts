import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';

/** A failure the CLI reports as one readable line (plus a hint), never a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Talks to a Tiercast API; turns its error bodies and connection failures into CliErrors. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    return (await response.json()) as T;
  }

  /** Streams a file as the request body: nothing is read into memory first. */
  async uploadFile<T>(path: string, query: Record<string, string | undefined>): Promise<T> {
    const size = fileSize(path);
    const response = await this.request('POST', `/api/objects${queryString(query)}`, {
      body: Readable.toWeb(createReadStream(path, { highWaterMark: 1024 * 1024 })) as ReadableStream,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      duplex: 'half',
    });
    return (await response.json()) as T;
  }

  /** Streams a text file (CSV) as the body. */
  async postTextFile<T>(path: string, apiPath: string): Promise<T> {
    fileSize(path);
    const response = await this.request('POST', apiPath, {
      body: Readable.toWeb(createReadStream(path)) as ReadableStream,
      headers: { 'content-type': 'text/csv' },
      duplex: 'half',
    });
    return (await response.json()) as T;
  }

  async download(path: string): Promise<Response> {
    return this.request('GET', path, {});
  }

  private async request(method: string, path: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), { method, ...init });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new CliError(
        `cannot reach Tiercast at ${this.baseUrl}${cause?.code ? ` (${cause.code})` : ''}`,
        'is the service running? Start it with `npm start`, or point --api / TIERCAST_API_URL at it',
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let body: { message?: string; hint?: string } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        body = { message: text.slice(0, 500) };
      }
      throw new CliError(`${body.message ?? `HTTP ${response.status}`}`, body.hint);
    }
    return response;
  }
}

/** Size of a regular file, bytes; a missing or odd path is a one-line CliError. */
function fileSize(path: string): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new CliError(`${path} is not a file`);
    return stat.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

export function queryString(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '') as Array<[string, string | number]>;
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}
