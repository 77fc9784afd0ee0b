/**
 * Real failures carry a stable `code`, an HTTP status and a `retryable` flag. Callers branch on `code` and
 * `retryable`, never on message text. Expected outcomes (a bad signature, a decision) are values, not errors.
 */
export const ErrorCodes = {
  // configuration and startup
  CONFIG_INVALID: 'CONFIG_INVALID',
  POLICY_INVALID: 'POLICY_INVALID',
  // HTTP edge
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** A read-only token (API_READ_TOKENS) on an operator action. */
  FORBIDDEN: 'FORBIDDEN',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  EVENT_INVALID: 'EVENT_INVALID',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
  /** Too many webhooks already wait for the database (group commit's queue is full): answer 503, Persona retries. */
  INTAKE_OVERLOADED: 'INTAKE_OVERLOADED',
  INTERNAL: 'INTERNAL',
  // storage
  /** A row read back from the database does not match the schema this version expects. */
  STORED_ROW_INVALID: 'STORED_ROW_INVALID',
  // Persona API
  PERSONA_RATE_LIMITED: 'PERSONA_RATE_LIMITED',
  PERSONA_UNAVAILABLE: 'PERSONA_UNAVAILABLE',
  PERSONA_NETWORK: 'PERSONA_NETWORK',
  PERSONA_TIMEOUT: 'PERSONA_TIMEOUT',
  PERSONA_UNAUTHORIZED: 'PERSONA_UNAUTHORIZED',
  PERSONA_NOT_FOUND: 'PERSONA_NOT_FOUND',
  PERSONA_CLIENT_ERROR: 'PERSONA_CLIENT_ERROR',
  PERSONA_BAD_RESPONSE: 'PERSONA_BAD_RESPONSE',
  // downstream
  DOWNSTREAM_FAILED: 'DOWNSTREAM_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The HTTP status of each code the edge answers with; an AppError given no status takes its code's, else 500. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_REQUEST: 400,
  EVENT_INVALID: 400,
  UNAUTHORIZED: 401,
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  DATABASE_UNAVAILABLE: 503,
  INTAKE_OVERLOADED: 503,
};

/** The codes answered with `status` (the table above): what an API contract lists for that status. */
export function errorCodesAnsweredWith(status: number): ErrorCode[] {
  return (Object.keys(HTTP_STATUS) as ErrorCode[]).filter((code) => HTTP_STATUS[code] === status);
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retryable: boolean;
  /**
   * Whether the message may be shown to an HTTP client. By default only below 500: a server error's message can
   * carry internals, so the client reads a generic one unless the message was written for clients.
   */
  readonly expose: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    options: { statusCode?: number; retryable?: boolean; expose?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.statusCode = options.statusCode ?? HTTP_STATUS[code] ?? 500;
    this.retryable = options.retryable ?? false;
    this.expose = options.expose ?? this.statusCode < 500;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A short, PII-free description of any thrown value, for logs and `last_error` columns. */
export function describeError(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
