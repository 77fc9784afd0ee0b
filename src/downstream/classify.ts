/**
 * The one "should retry" rule for downstream delivery. Standard Webhooks treats any 2xx as acknowledged; server
 * errors, 408 and 429 are transient. Anything else (3xx, other 4xx) says the request itself is unwelcome, so
 * retrying it on the normal schedule only adds load: the queue gives those a few attempts, then dead-letters.
 */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

const MAX_ERROR_TEXT = 120;

/**
 * A short label for a failed fetch: the timeout, or the socket error code (ECONNREFUSED, ENOTFOUND…) that undici
 * hides in `cause` behind a generic "fetch failed". Never includes request or response bodies.
 */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `timeout after ${timeoutMs} ms`;
  const code = findErrorCode(error);
  if (code !== null) return code;
  const message = error instanceof Error ? error.message : String(error);
  return `network error: ${message.slice(0, MAX_ERROR_TEXT)}`;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** Walks a few levels of `cause` (undici nests AggregateErrors for dual-stack connects). */
function findErrorCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code: unknown = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = current.cause;
  }
  return null;
}
