import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.js';
import { DEFAULT_RETRY_DELAYS, retryDelayMs } from '../../src/persona/http-retry.js';
import { initialRateWindow, observe } from '../../src/persona/rate-window.js';
import { statusError, transportError } from '../../src/persona/request-errors.js';
import { readRateLimitHeaders, readRetryHintMs } from '../../src/persona/response-headers.js';

const label = { method: 'GET', path: '/inquiries/inq_1' };
const NOW = Date.UTC(2026, 0, 1);

describe('statusError', () => {
  it.each([
    [401, ErrorCodes.PERSONA_UNAUTHORIZED, false],
    [403, ErrorCodes.PERSONA_UNAUTHORIZED, false],
    [404, ErrorCodes.PERSONA_NOT_FOUND, false],
    [400, ErrorCodes.PERSONA_CLIENT_ERROR, false],
    [409, ErrorCodes.PERSONA_CLIENT_ERROR, false],
    [422, ErrorCodes.PERSONA_CLIENT_ERROR, false],
    [408, ErrorCodes.PERSONA_TIMEOUT, true],
    [429, ErrorCodes.PERSONA_RATE_LIMITED, true],
    [500, ErrorCodes.PERSONA_UNAVAILABLE, true],
    [502, ErrorCodes.PERSONA_UNAVAILABLE, true],
    [503, ErrorCodes.PERSONA_UNAVAILABLE, true],
    [504, ErrorCodes.PERSONA_UNAVAILABLE, true],
    [501, ErrorCodes.PERSONA_UNAVAILABLE, true],
    [520, ErrorCodes.PERSONA_UNAVAILABLE, true], // a CDN in front of the API
    [302, ErrorCodes.PERSONA_BAD_RESPONSE, false],
  ])('classifies HTTP %i as %s (retryable: %s)', (status, code, retryable) => {
    expect(statusError(label, status, null, 5000)).toMatchObject({ code, retryable, httpStatus: status });
  });

  it('keeps the retry hint only for retryable statuses', () => {
    expect(statusError(label, 429, 'Rate limit exceeded', 5000).retryHintMs).toBe(5000);
    expect(statusError(label, 404, 'Record not found', 5000).retryHintMs).toBeNull();
  });
});

describe('transportError', () => {
  it('tells a timeout from a network error', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(transportError(label, timeout, 3000)).toMatchObject({ code: ErrorCodes.PERSONA_TIMEOUT, retryable: true });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    const error = transportError(label, refused, 3000);
    expect(error).toMatchObject({ code: ErrorCodes.PERSONA_NETWORK, retryable: true });
    expect(error.message).toBe('Persona GET /inquiries/inq_1 failed: ECONNREFUSED');
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, 0.5, 1000],
    [2, 0.5, 2000],
    [3, 0.5, 4000],
    [10, 0.5, 30_000],
  ])('backs off exponentially without a hint (retry %i, random %d → %i ms)', (retry, random, expected) => {
    expect(retryDelayMs(retry, null, () => random, DEFAULT_RETRY_DELAYS)).toBe(expected);
  });

  it('adds jitter to a backoff step', () => {
    expect(retryDelayMs(1, null, () => 0, DEFAULT_RETRY_DELAYS)).toBe(800);
    expect(retryDelayMs(1, null, () => 1, DEFAULT_RETRY_DELAYS)).toBe(1200);
  });

  it('waits out a server hint plus up to one second', () => {
    expect(retryDelayMs(1, 7000, () => 0, DEFAULT_RETRY_DELAYS)).toBe(7000);
    expect(retryDelayMs(4, 7000, () => 0.999, DEFAULT_RETRY_DELAYS)).toBe(7999);
  });

  it('gives up instead of blocking a worker for an excessive hint', () => {
    expect(retryDelayMs(1, 3_600_000, () => 0.5, DEFAULT_RETRY_DELAYS)).toBeNull();
  });
});

describe('response headers', () => {
  it('reads the RateLimit headers case-insensitively and treats junk as unknown', () => {
    const h = new Headers({ 'ratelimit-limit': '300', 'RateLimit-Remaining': ' 12 ', 'RateLimit-Reset': '-3' });
    expect(readRateLimitHeaders(h)).toEqual({ limit: 300, remaining: 12, resetSeconds: null });
    expect(readRateLimitHeaders(new Headers())).toEqual({ limit: null, remaining: null, resetSeconds: null });
  });

  it('takes the larger of Retry-After and, on 429 only, RateLimit-Reset', () => {
    const headers = new Headers({ 'Retry-After': '2', 'RateLimit-Reset': '9' });
    expect(readRetryHintMs(429, headers, NOW)).toBe(9000);
    expect(readRetryHintMs(503, headers, NOW)).toBe(2000);
    expect(readRetryHintMs(503, new Headers({ 'RateLimit-Reset': '9' }), NOW)).toBeNull();
    const date = new Headers({ 'Retry-After': new Date(NOW + 30_000).toUTCString() });
    expect(readRetryHintMs(503, date, NOW)).toBe(30_000);
  });
});

describe('rate window observations', () => {
  const opts = { lowWaterFraction: 0.15, resetGuardMs: 1000, unknownResetWaitMs: 1000 };

  it('starts a new window when an observation can only end after the current one', () => {
    const first = observe({ ...initialRateWindow, inFlight: 1 }, { limit: 30, remaining: 0, resetSeconds: 2 }, 0, opts);
    expect(first).toMatchObject({ remaining: 0, resetAt: 3000 });
    const next = observe({ ...first, inFlight: 1 }, { limit: 30, remaining: 29, resetSeconds: 6 }, 2500, opts);
    expect(next).toMatchObject({ remaining: 29, resetAt: 9500, inFlight: 0 });
  });

  it('narrows the reset estimate within a window', () => {
    const a = observe({ ...initialRateWindow, inFlight: 2 }, { limit: 30, remaining: 10, resetSeconds: 5 }, 0, opts);
    const b = observe(a, { limit: 30, remaining: 9, resetSeconds: 4 }, 900, opts);
    expect(b).toMatchObject({ remaining: 9, resetAt: 5900 });
  });
});
