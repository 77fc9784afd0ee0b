import { AppError, ErrorCodes } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/**
 * Typed failures of one Persona request. Messages carry method, path (ids only), status and Persona's error
 * `title` (a fixed phrase such as "Record not found"), never a response body: Persona payloads are PII.
 */
export class PersonaApiError extends AppError {
  /** HTTP status Persona answered with; null when no response arrived. */
  readonly httpStatus: number | null;
  /** How long Persona asked us to wait (Retry-After / RateLimit-Reset), for the retry loop. */
  readonly retryHintMs: number | null;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      statusCode: number;
      retryable: boolean;
      httpStatus?: number | null;
      retryHintMs?: number | null;
      cause?: unknown;
    },
  ) {
    super(code, message, options);
    this.name = 'PersonaApiError';
    this.httpStatus = options.httpStatus ?? null;
    this.retryHintMs = options.retryHintMs ?? null;
  }
}

export interface RequestLabel {
  method: string;
  path: string;
}

interface StatusRule {
  code: ErrorCode;
  statusCode: number;
  retryable: boolean;
}

/**
 * 401/403 → UNAUTHORIZED, 404 → NOT_FOUND, other 4xx → CLIENT_ERROR: not retryable, the same request will fail
 * again. 408 (documented on Persona's reports paths), 429 and every 5xx are transient: a proxy or CDN in front
 * of Persona answers 520-529, and a 5xx that really is permanent still ends after the retry budget (the job is
 * rescheduled, then marked failed and can be re-queued with POST /inquiries/:id/reprocess). 1xx/3xx are not part of
 * the contract at all.
 */
function ruleFor(status: number): StatusRule {
  if (status === 401 || status === 403)
    return { code: ErrorCodes.PERSONA_UNAUTHORIZED, statusCode: 502, retryable: false };
  if (status === 404) return { code: ErrorCodes.PERSONA_NOT_FOUND, statusCode: 404, retryable: false };
  if (status === 408) return { code: ErrorCodes.PERSONA_TIMEOUT, statusCode: 504, retryable: true };
  if (status === 429) return { code: ErrorCodes.PERSONA_RATE_LIMITED, statusCode: 503, retryable: true };
  if (status >= 500) return { code: ErrorCodes.PERSONA_UNAVAILABLE, statusCode: 503, retryable: true };
  if (status >= 400) return { code: ErrorCodes.PERSONA_CLIENT_ERROR, statusCode: 502, retryable: false };
  return { code: ErrorCodes.PERSONA_BAD_RESPONSE, statusCode: 502, retryable: false };
}

export function statusError(
  label: RequestLabel,
  status: number,
  title: string | null,
  retryHintMs: number | null,
): PersonaApiError {
  const rule = ruleFor(status);
  const suffix = title === null ? '' : ` (${title})`;
  return new PersonaApiError(rule.code, `Persona ${label.method} ${label.path} returned ${status}${suffix}`, {
    ...rule,
    httpStatus: status,
    retryHintMs: rule.retryable ? retryHintMs : null,
  });
}

/** fetch() or the body read failed: a timeout (AbortSignal.timeout) or a network error. Both are transient. */
export function transportError(label: RequestLabel, error: unknown, timeoutMs: number): PersonaApiError {
  const where = `Persona ${label.method} ${label.path}`;
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new PersonaApiError(ErrorCodes.PERSONA_TIMEOUT, `${where} timed out after ${timeoutMs} ms`, {
      statusCode: 504,
      retryable: true,
      cause: error,
    });
  }
  return new PersonaApiError(ErrorCodes.PERSONA_NETWORK, `${where} failed: ${describeNetworkError(error)}`, {
    statusCode: 502,
    retryable: true,
    cause: error,
  });
}

/**
 * A 2xx whose body is not JSON or not the documented shape. Not retryable: the same request returns the same
 * bytes, so retrying only spends rate budget; it needs a human (or a schema update): the inquiry is marked failed
 * and can be re-queued with POST /inquiries/:id/reprocess. `detail` lists schema paths and issue codes only, never values.
 */
export function badResponseError(label: RequestLabel, detail: string, cause?: unknown): PersonaApiError {
  return new PersonaApiError(
    ErrorCodes.PERSONA_BAD_RESPONSE,
    `Persona ${label.method} ${label.path} returned ${detail}`,
    {
      statusCode: 502,
      retryable: false,
      cause,
    },
  );
}

export function isRetryableError(error: unknown): boolean {
  return error instanceof AppError && error.retryable;
}

const MAX_TEXT = 120;

/** undici hides the socket error code (ECONNRESET, ENOTFOUND…) in `cause` behind a generic "fetch failed". */
function describeNetworkError(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code: unknown = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = current.cause;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, MAX_TEXT);
}
