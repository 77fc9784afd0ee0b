import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, parseRetryAfter } from '../../src/lib/backoff.js';
import type { BackoffOptions } from '../../src/lib/backoff.js';

const opts: BackoffOptions = { minMs: 1000, maxMs: 60_000 };
const middle = (): number => 0.5; // no jitter offset
const lowest = (): number => 0;
const highest = (): number => 0.999_999;

describe('backoffDelayMs', () => {
  it.each([
    { attempt: 1, expected: 1000 },
    { attempt: 2, expected: 2000 },
    { attempt: 3, expected: 4000 },
    { attempt: 6, expected: 32_000 },
    { attempt: 7, expected: 60_000 },
    { attempt: 50, expected: 60_000 },
  ])('doubles from minMs and caps at maxMs: attempt $attempt waits $expected ms', ({ attempt, expected }) => {
    expect(backoffDelayMs(attempt, opts, middle)).toBe(expected);
  });

  it.each([
    { random: lowest, attempt: 1, expected: 800 },
    { random: highest, attempt: 1, expected: 1200 },
    { random: lowest, attempt: 3, expected: 3200 },
    { random: highest, attempt: 3, expected: 4800 },
    { random: lowest, attempt: 50, expected: 48_000 },
    { random: highest, attempt: 50, expected: 60_000 },
  ])(
    'spreads by ±20% by default without exceeding maxMs (attempt $attempt → $expected)',
    ({ random, attempt, expected }) => {
      expect(backoffDelayMs(attempt, opts, random)).toBe(expected);
    },
  );

  it('honours a custom factor and jitter', () => {
    expect(backoffDelayMs(3, { minMs: 100, maxMs: 10_000, factor: 3, jitter: 0 }, lowest)).toBe(900);
    expect(backoffDelayMs(2, { minMs: 100, maxMs: 10_000, jitter: 0.5 }, lowest)).toBe(100);
  });

  it.each([0, -3, Number.NaN, 0.2])('treats attempt %s as the first retry', (attempt) => {
    expect(backoffDelayMs(attempt, opts, middle)).toBe(1000);
  });

  it('stays at the cap for absurd attempt numbers', () => {
    expect(backoffDelayMs(Number.MAX_SAFE_INTEGER, opts, middle)).toBe(60_000);
    expect(backoffDelayMs(Number.POSITIVE_INFINITY, opts, middle)).toBe(60_000);
  });

  it.each([Number.NaN, -1, 7])('keeps within bounds when random() misbehaves and returns %s', (value) => {
    const delay = backoffDelayMs(1, opts, () => value);
    expect(delay).toBeGreaterThanOrEqual(800);
    expect(delay).toBeLessThanOrEqual(1200);
  });

  it.each<[string, BackoffOptions]>([
    ['negative minMs', { minMs: -1, maxMs: 10 }],
    ['maxMs below minMs', { minMs: 10, maxMs: 5 }],
    ['infinite maxMs', { minMs: 10, maxMs: Number.POSITIVE_INFINITY }],
    ['factor below 1', { minMs: 10, maxMs: 100, factor: 0.5 }],
    ['jitter above 1', { minMs: 10, maxMs: 100, jitter: 1.5 }],
    ['NaN jitter', { minMs: 10, maxMs: 100, jitter: Number.NaN }],
  ])('rejects %s as a configuration bug', (_name, bad) => {
    expect(() => backoffDelayMs(1, bad, middle)).toThrow(RangeError);
  });

  const optionsArb = fc
    .record({
      minMs: fc.integer({ min: 0, max: 1_000_000 }),
      extraMs: fc.integer({ min: 0, max: 10_000_000 }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ minMs, extraMs, factor, jitter }) => ({ minMs, maxMs: minMs + extraMs, factor, jitter }));
  const attemptArb = fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.double({ noNaN: false }));
  const randomArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

  it('keeps a factor of 1 flat even for an infinite attempt number (1 ** Infinity is NaN)', () => {
    expect(backoffDelayMs(Number.POSITIVE_INFINITY, { minMs: 1, maxMs: 1, factor: 1, jitter: 0 }, () => 0)).toBe(1);
    expect(backoffDelayMs(Number.POSITIVE_INFINITY, { minMs: 5, maxMs: 100, factor: 1, jitter: 0 }, () => 0)).toBe(5);
  });

  it('always returns a whole delay within [minMs * (1 - jitter), maxMs] for any attempt', () => {
    fc.assert(
      fc.property(attemptArb, optionsArb, randomArb, (attempt, o, r) => {
        const delay = backoffDelayMs(attempt, o, () => r);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeGreaterThanOrEqual(o.minMs * (1 - o.jitter));
        expect(delay).toBeLessThanOrEqual(o.maxMs);
      }),
    );
  });

  it('never shrinks as attempts grow, for the same random draw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), optionsArb, randomArb, (attempt, o, r) => {
        expect(backoffDelayMs(attempt + 1, o, () => r)).toBeGreaterThanOrEqual(backoffDelayMs(attempt, o, () => r));
      }),
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it.each<[string, string | null | undefined, number | null]>([
    ['absent (null)', null, null],
    ['absent (undefined)', undefined, null],
    ['empty', '', null],
    ['zero seconds', '0', 0],
    ['delta-seconds', '120', 120_000],
    ['delta-seconds with surrounding whitespace', ' 5 ', 5000],
    ['a negative number', '-5', null],
    ['a fraction', '1.5', null],
    ['a unit suffix', '5s', null],
    ['prose', 'soon', null],
    ['an IMF-fixdate 90 s ahead', 'Thu, 01 Jan 2026 12:01:30 GMT', 90_000],
    ['an IMF-fixdate in the past', 'Thu, 01 Jan 2026 11:00:00 GMT', 0],
    ['an obsolete RFC 850 date', 'Thursday, 01-Jan-26 12:00:10 GMT', 10_000],
    ['an obsolete asctime date (always GMT)', 'Thu Jan  1 12:00:20 2026', 20_000],
    ['a date with a numeric zone', 'Thu, 01 Jan 2026 12:01:30 +0100', null],
    ['an ISO timestamp', '2026-01-01T12:01:30Z', null],
    ['an impossible calendar date', 'Thu, 45 Jan 2026 12:00:00 GMT', null],
  ])('reads %s', (_name, value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });

  it('clamps absurdly long delta-seconds to a finite number', () => {
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('never returns a negative delay', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 4_102_444_800_000 }), (value, nowMs) => {
        const result = parseRetryAfter(value, nowMs);
        expect(result === null || result >= 0).toBe(true);
      }),
    );
  });
});
