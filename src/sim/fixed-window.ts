import type { Clock } from '../lib/clock.js';

/**
 * Persona's rate limit (https://docs.withpersona.com/rate-limiting; docs/persona-notes.md#rate-limits): a fixed
 * window that starts at the first request; over-limit requests get 429 until the window ends. Every authenticated
 * response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the reset).
 */
export interface RateLimitConfig {
  limit: number;
  windowMs: number;
}

export interface WindowState {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetSeconds: number;
}

export interface FixedWindow {
  /** Counts one request and says whether it fits in the current window. */
  take(): WindowState;
  reset(): void;
}

export const PERSONA_DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 300, windowMs: 60_000 };

export function createFixedWindow(config: RateLimitConfig, clock: Clock): FixedWindow {
  if (!(Number.isInteger(config.limit) && config.limit > 0))
    throw new RangeError('rate limit must be a positive integer');
  if (!(Number.isFinite(config.windowMs) && config.windowMs > 0)) throw new RangeError('rate window must be > 0 ms');
  let startedAt: number | null = null;
  let count = 0;

  return {
    take() {
      const now = clock.now();
      if (startedAt === null || now >= startedAt + config.windowMs) {
        startedAt = now;
        count = 0;
      }
      count += 1;
      return {
        allowed: count <= config.limit,
        limit: config.limit,
        remaining: Math.max(0, config.limit - count),
        // Rounded up: a client that waits this long is always in the next window.
        resetSeconds: Math.max(0, Math.ceil((startedAt + config.windowMs - now) / 1000)),
      };
    },
    reset() {
      startedAt = null;
      count = 0;
    },
  };
}

/** `300/60` (requests per seconds) → config; null when malformed. */
export function parseRateLimit(text: string): RateLimitConfig | null {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d+(?:\.\d+)?)\s*s?\s*$/.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const limit = Number(match[1]);
  const windowMs = Math.round(Number(match[2]) * 1000);
  return limit > 0 && windowMs > 0 ? { limit, windowMs } : null;
}
