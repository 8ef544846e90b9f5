import { TiercastError, tierUnavailable } from '../domain/errors.js';

/** Where a tier's bytes live, for messages: which tier, which bucket, which endpoint. */
export interface S3Place {
  tierName: string;
  bucket: string;
  /** The endpoint URL, or "AWS S3 (<region>)" when none is set. */
  endpoint: string;
}

/** The parts of an AWS SDK v3 error we read; network errors carry only `code`. */
interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'TokenRefreshRequired', 'InvalidSecurity']);
const ACCESS_CODES = new Set(['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'Forbidden']);
const REGION_CODES = new Set(['PermanentRedirect', 'AuthorizationHeaderMalformed', 'IllegalLocationConstraintException', 'InvalidRegion']);
const BUSY_CODES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestTimeout', 'ServiceUnavailable', 'InternalError']);

const CREDENTIALS_HINT =
  "set the tier's backend.accessKeyId and backend.secretAccessKey to a key pair the store accepts (or leave both out to use the AWS SDK's default credentials)";

const configError = (message: string, hint: string, cause: unknown) => new TiercastError('config_error', message, { hint, cause, permanent: true });

/** The S3 error code (`NoSuchKey`, `AccessDenied`, ...), or the network error code. */
export function s3ErrorCode(error: unknown): string {
  const e = (error ?? {}) as SdkError;
  return e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'UnknownError';
}

export const httpStatusOf = (error: unknown): number | undefined => ((error ?? {}) as SdkError).$metadata?.httpStatusCode;

/**
 * Turns an AWS SDK error into a TiercastError. A store that cannot be reached, is failing (5xx)
 * or throttles is `tier_unavailable` (retryable: the migration executor retries with backoff);
 * a missing bucket, refused credentials, denied access or a wrong region is a permanent
 * `config_error` naming the setting to fix. `NoSuchKey` is left to the caller (`missing`).
 */
export function mapS3Error(error: unknown, place: S3Place, action: string, missing?: () => TiercastError): TiercastError {
  if (error instanceof TiercastError) return error;
  const code = s3ErrorCode(error);
  const status = httpStatusOf(error);
  const detail = ((error ?? {}) as SdkError).message ?? String(error);
  const { tierName, bucket, endpoint } = place;
  if ((code === 'NoSuchKey' || code === 'NotFound') && missing) return missing();
  if (code === 'NoSuchBucket') {
    return configError(`tier '${tierName}': bucket '${bucket}' does not exist at ${endpoint}`, "create the bucket, or set the tier's backend.bucket to an existing one", error);
  }
  if (code === 'InvalidBucketName') {
    return configError(`tier '${tierName}': '${bucket}' is not a valid bucket name for ${endpoint}`, "fix the tier's backend.bucket", error);
  }
  if (CREDENTIAL_CODES.has(code) || code === 'CredentialsProviderError') {
    return configError(`tier '${tierName}': ${endpoint} refused the credentials (${code}) while ${action}`, CREDENTIALS_HINT, error);
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    return configError(
      `tier '${tierName}': access denied (${code}) to bucket '${bucket}' at ${endpoint} while ${action}`,
      `check backend.accessKeyId / backend.secretAccessKey, and grant that key s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on bucket '${bucket}'`,
      error,
    );
  }
  if (REGION_CODES.has(code) || status === 301) {
    return configError(`tier '${tierName}': bucket '${bucket}' is not in the configured region (${code})`, "set the tier's backend.region to the bucket's region", error);
  }
  if (status === undefined) {
    // No HTTP answer at all: refused, reset, timed out or a name that does not resolve.
    return tierUnavailable(tierName, `S3 endpoint ${endpoint} (bucket '${bucket}') cannot be reached while ${action}: ${detail.includes(code) ? detail : `${code}: ${detail}`}`, error);
  }
  if (status >= 500 || status === 429 || BUSY_CODES.has(code)) {
    return tierUnavailable(tierName, `S3 endpoint ${endpoint} (bucket '${bucket}') answered ${status} ${code} while ${action}`, error);
  }
  return new TiercastError('internal', `tier '${tierName}': ${endpoint} refused ${action} (${status} ${code}: ${detail})`, { cause: error, permanent: true });
}
