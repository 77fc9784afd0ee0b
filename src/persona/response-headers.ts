import { parseRetryAfter } from '../lib/backoff.js';
import type { RateObservation } from './rate-window.js';

/**
 * Persona's rate-limit headers (OAS components/headers/rate-limit-*.yaml; docs/persona-notes.md#rate-limits).
 * `Headers.get` is case-insensitive; a missing or non-integer value reads as null, never as 0.
 */
export function readRateLimitHeaders(headers: Headers): RateObservation {
  return {
    limit: readCount(headers.get('ratelimit-limit')),
    remaining: readCount(headers.get('ratelimit-remaining')),
    resetSeconds: capReset(readCount(headers.get('ratelimit-reset'))),
  };
}

/** Persona's window is a minute; a wild value (or one past setTimeout's 2^31 ms) must not park the budget for days. */
const MAX_RESET_SECONDS = 3600;

function capReset(seconds: number | null): number | null {
  return seconds === null ? null : Math.min(seconds, MAX_RESET_SECONDS);
}

/** What an observation looks like when no response arrived. */
export const NO_RATE_LIMIT_HEADERS: RateObservation = { limit: null, remaining: null, resetSeconds: null };

/**
 * How long the server asked us to wait before retrying, in ms: `Retry-After` (undocumented by Persona, honoured
 * if present) and, on 429, `RateLimit-Reset` (seconds until the window resets). The larger wins; null if neither.
 */
export function readRetryHintMs(status: number, headers: Headers, nowMs: number): number | null {
  const retryAfter = parseRetryAfter(headers.get('retry-after'), nowMs);
  const reset = status === 429 ? readCount(headers.get('ratelimit-reset')) : null;
  const resetMs = reset === null ? null : reset * 1000;
  if (retryAfter === null) return resetMs;
  return resetMs === null ? retryAfter : Math.max(retryAfter, resetMs);
}

/** A short request id to correlate with Persona's API logs (`req_…`); not PII. */
export function readRequestId(headers: Headers): string | null {
  const value = headers.get('request-id');
  return value !== null && /^[\w-]{1,100}$/.test(value) ? value : null;
}

function readCount(value: string | null): number | null {
  if (value === null) return null;
  const text = value.trim();
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}
