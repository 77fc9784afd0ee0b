import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import { createFixedWindow, parseRateLimit } from '../../src/sim/fixed-window.js';

describe('fixed rate-limit window', () => {
  it('allows `limit` requests, counting Remaining down, then refuses until the window ends', () => {
    const clock = createManualClock();
    const window = createFixedWindow({ limit: 3, windowMs: 6000 }, clock);
    const seen = [window.take(), window.take(), window.take(), window.take()];
    expect(seen.map((w) => [w.allowed, w.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    clock.advance(5999);
    expect(window.take()).toMatchObject({ allowed: false, resetSeconds: 1 });
    clock.advance(1);
    expect(window.take()).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 6 });
  });

  it('starts the window at the first request, not at creation', () => {
    const clock = createManualClock();
    const window = createFixedWindow({ limit: 1, windowMs: 60_000 }, clock);
    clock.advance(59_000);
    expect(window.take()).toMatchObject({ allowed: true, resetSeconds: 60 });
    clock.advance(1_500);
    expect(window.take()).toMatchObject({ allowed: false, resetSeconds: 59 });
  });

  it('reports RateLimit-Reset rounded up, so waiting that long always lands in the next window', () => {
    const clock = createManualClock();
    const window = createFixedWindow({ limit: 5, windowMs: 60_000 }, clock);
    window.take();
    clock.advance(100);
    expect(window.take().resetSeconds).toBe(60);
  });

  it('forgets the window on reset', () => {
    const window = createFixedWindow({ limit: 1, windowMs: 60_000 }, createManualClock());
    window.take();
    window.reset();
    expect(window.take().allowed).toBe(true);
  });

  it.each([
    ['300/60', { limit: 300, windowMs: 60_000 }],
    ['30/6', { limit: 30, windowMs: 6_000 }],
    [' 10 / 0.5s ', { limit: 10, windowMs: 500 }],
    ['0/60', null],
    ['300', null],
    ['a/b', null],
  ])('parses %j', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });
});
