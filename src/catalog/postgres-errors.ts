import { TiercastError } from '../domain/errors.js';

/** DATABASE_URL as it may be shown in a message or a log: the password replaced by `***`. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: still never echo anything that looks like `user:password@`.
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/** A malformed DATABASE_URL, found before any connection is tried. */
export function invalidDatabaseUrl(url: string, problem: string): TiercastError {
  return new TiercastError('config_error', `DATABASE_URL=${maskDatabaseUrl(url)} is not a usable PostgreSQL URL: ${problem}`, {
    hint: 'use postgres://USER:PASSWORD@HOST:PORT/DATABASE',
  });
}

/**
 * Why the first connection to the catalog failed, as a start-up error a user can act on.
 * Node's driver reports a refused connection to a name with several addresses as an
 * AggregateError whose message is empty, so the cause is read from its parts too.
 */
export function catalogConnectionError(url: string, error: unknown): TiercastError {
  const code = (error as { code?: unknown } | undefined)?.code;
  return new TiercastError('config_error', `cannot open the PostgreSQL catalog at DATABASE_URL=${maskDatabaseUrl(url)}: ${describeCause(error)}`, {
    cause: error,
    hint: hintFor(typeof code === 'string' ? code : undefined),
  });
}

function hintFor(code: string | undefined): string {
  switch (code) {
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification: unknown role or no pg_hba entry
      return 'check the user name and password in DATABASE_URL';
    case '3D000': // invalid_catalog_name
      return 'create the database (createdb NAME) or fix its name in DATABASE_URL';
    case '42501': // insufficient_privilege
      return 'grant the user CREATE on the database or schema, or run the schema migrations once as its owner';
    default:
      return 'start PostgreSQL (npm run services:up starts a local one) or fix the host and port in DATABASE_URL';
  }
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message !== '') return error.message;
  const parts = error instanceof AggregateError ? error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))) : [];
  const code = (error as { code?: unknown }).code;
  return parts.filter((p) => p !== '').join('; ') || (typeof code === 'string' ? code : error.name);
}
