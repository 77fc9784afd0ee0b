import { backoffDelayMs } from '../lib/backoff.js';
import type { Random } from '../lib/clock.js';

/**
 * When the Persona client retries in-process, and how long it waits. One rule: an error is retried here exactly
 * when it is `retryable` (see request-errors.ts: 408, 429, 500, 502, 503, 504, network errors, timeouts).
 */
export interface RetryDelayOptions {
  /** First backoff step when the server gave no hint. */
  baseDelayMs: number;
  /** Cap for computed backoff (not for server hints, which are honoured up to `maxHintMs`). */
  maxDelayMs: number;
  /** A server hint longer than this is not waited out in-process: the caller reschedules instead. */
  maxHintMs: number;
}

export const DEFAULT_RETRY_DELAYS: RetryDelayOptions = { baseDelayMs: 1000, maxDelayMs: 30_000, maxHintMs: 65_000 };

/**
 * Spread added on top of a server hint: `RateLimit-Reset` is whole seconds (rounded either way), and replicas
 * that were all told "3 s" should not return in the same millisecond.
 */
const HINT_JITTER_MS = 1000;

/**
 * Delay before retry number `retry` (1 = first retry). With a server hint (`Retry-After` / `RateLimit-Reset`):
 * the hint plus up to 1 s of jitter; null if the hint exceeds `maxHintMs` (give up now). Otherwise exponential
 * backoff with jitter from lib/backoff.
 */
export function retryDelayMs(
  retry: number,
  hintMs: number | null,
  random: Random,
  opts: RetryDelayOptions,
): number | null {
  if (hintMs !== null) {
    if (hintMs > opts.maxHintMs) return null;
    return Math.ceil(hintMs + clampUnit(random()) * HINT_JITTER_MS);
  }
  return backoffDelayMs(retry, { minMs: opts.baseDelayMs, maxMs: opts.maxDelayMs }, random);
}

function clampUnit(x: number): number {
  return Number.isNaN(x) ? 0.5 : Math.min(1, Math.max(0, x));
}
