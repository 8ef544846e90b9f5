/**
 * The one application error type. Domain and engine code throw these; the API maps
 * `status` to the HTTP response and the CLI prints `message` and `hint` without a stack.
 */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'conflict'
  | 'payload_too_large'
  | 'tier_unavailable'
  | 'integrity_error'
  | 'config_error'
  | 'internal';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  not_found: 404,
  invalid_input: 400,
  conflict: 409,
  payload_too_large: 413,
  tier_unavailable: 503,
  integrity_error: 500,
  config_error: 500,
  internal: 500,
};

export class TiercastError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** What the user can do about it; shown by the CLI and returned by the API. */
  readonly hint: string | undefined;
  /** Retrying the same operation cannot succeed (bad input, missing object). */
  readonly permanent: boolean;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown; permanent?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TiercastError';
    this.code = code;
    this.status = STATUS_BY_CODE[code];
    this.hint = options.hint;
    this.permanent = options.permanent ?? code !== 'tier_unavailable';
  }
}

export const notFound = (what: string, id: string, hint?: string) =>
  new TiercastError('not_found', `${what} '${id}' does not exist`, { hint });

export const invalidInput = (message: string, hint?: string) => new TiercastError('invalid_input', message, { hint });

export const conflict = (message: string, hint?: string) => new TiercastError('conflict', message, { hint });

export const tierUnavailable = (tier: string, detail: string, cause?: unknown) =>
  new TiercastError('tier_unavailable', `tier '${tier}' is unavailable: ${detail}`, {
    cause,
    hint: 'check that the tier\'s storage is reachable; Tiercast retries migrations automatically',
  });
