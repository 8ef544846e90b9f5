/** The REST API's error body: `{error, message, hint}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body ?? {}) as { error?: string; message?: string; hint?: string };
    throw new ApiError(response.status, error.error ?? 'http_error', error.message ?? `the server answered ${response.status} ${response.statusText}`, error.hint);
  }
  return body as T;
}

async function send<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'unreachable', 'the Tiercast server did not answer', 'check that `tiercast serve` is running and reload the page');
  }
  return parse<T>(response);
}

export const getJson = <T>(path: string, query?: Query) => send<T>(withQuery(path, query), { headers: { accept: 'application/json' } });

export const postJson = <T>(path: string, body?: unknown) =>
  send<T>(path, body === undefined ? { method: 'POST' } : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

export const postForm = <T>(path: string, form: FormData) => send<T>(path, { method: 'POST', body: form });

/** An error as a sentence a person can act on: what went wrong, and what to do. */
export function errorInWords(error: unknown): { message: string; hint?: string } {
  if (error instanceof ApiError) return { message: error.message, hint: error.hint };
  return { message: error instanceof Error ? error.message : String(error) };
}
