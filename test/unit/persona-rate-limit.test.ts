import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/lib/clock.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { createRateBudget } from '../../src/persona/rate-limit.js';
import type { RateBudget, RateObservation } from '../../src/persona/rate-limit.js';

/**
 * Virtual time: `sleep` registers a timer, `runUntil` jumps the manual clock from timer to timer until the
 * awaited work settles. Nothing waits for real time; setImmediate only lets pending promise chains run.
 */
function createVirtualTime(startMs = 0) {
  const clock = createManualClock(startMs);
  const timers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  const sleeps: number[] = [];
  let seq = 0;
  const sleep = (ms: number): Promise<void> => {
    sleeps.push(ms);
    return new Promise((resolve) => timers.push({ at: clock.now() + Math.max(0, ms), seq: seq++, resolve }));
  };
  const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  async function runUntil<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await flush();
      if (settled) return work;
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = timers.shift();
      if (!next) throw new Error('stalled: work pending but no timer scheduled');
      clock.set(Math.max(clock.now(), next.at));
      next.resolve();
    }
  }
  return { clock, sleep, sleeps, runUntil, flush };
}

/** A fixed window that starts at the first request (as Persona documents), with whole-second Reset values. */
function createFakePersonaWindow(opts: {
  limit: number;
  windowMs: number;
  clock: ManualClock;
  round: (s: number) => number;
}) {
  let windowEnd: number | null = null;
  let used = 0;
  let rejected = 0;
  return {
    handle(): RateObservation & { status: number } {
      const now = opts.clock.now();
      if (windowEnd === null || now >= windowEnd) {
        windowEnd = now + opts.windowMs;
        used = 0;
      }
      const ok = used < opts.limit;
      if (ok) used += 1;
      else rejected += 1;
      const resetSeconds = opts.round((windowEnd - now) / 1000);
      return { status: ok ? 200 : 429, limit: opts.limit, remaining: opts.limit - used, resetSeconds };
    },
    rejected: () => rejected,
  };
}

/** Acquires, records the grant time, and resolves with it. */
function track(budget: RateBudget, clock: ManualClock, grants: number[]): Promise<number> {
  return budget.acquire().then(() => {
    grants.push(clock.now());
    return clock.now();
  });
}

async function probe(budget: RateBudget, h: RateObservation): Promise<void> {
  await budget.acquire();
  budget.observe(h);
}

describe('createRateBudget', () => {
  it('lets a single probe through before Persona has reported any budget', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep });
    const grants: number[] = [];
    void track(budget, vt.clock, grants);
    const second = track(budget, vt.clock, grants);
    await vt.flush();
    expect(grants).toHaveLength(1);
    budget.observe({ limit: 300, remaining: 299, resetSeconds: 60 });
    await vt.runUntil(second);
    expect(grants).toEqual([0, 0]);
    expect(vt.sleeps).toEqual([]);
  });

  it('waits until the window resets when remaining hits 0, then lets requests through again', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep });
    await probe(budget, { limit: 5, remaining: 0, resetSeconds: 4 });
    const grants: number[] = [];
    await vt.runUntil(Promise.all([1, 2, 3].map(() => track(budget, vt.clock, grants))));
    // 4 s of Reset plus the 1 s rounding guard, then the full limit is available: all three pass at once.
    expect(vt.sleeps).toEqual([5000]);
    expect(grants).toEqual([5000, 5000, 5000]);
  });

  it('never lets concurrent acquires take more than the remaining budget of the window', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep, lowWaterFraction: 0 });
    await probe(budget, { limit: 100, remaining: 3, resetSeconds: 10 });
    const grants: number[] = [];
    await vt.runUntil(Promise.all(Array.from({ length: 10 }, () => track(budget, vt.clock, grants))));
    const resetAt = 11_000; // 10 s + guard
    expect(grants.filter((t) => t < resetAt)).toHaveLength(3);
    expect(grants.filter((t) => t >= resetAt)).toHaveLength(7);
  });

  it('counts requests still in flight against the budget', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep, lowWaterFraction: 0 });
    await probe(budget, { limit: 100, remaining: 4, resetSeconds: 10 });
    const grants: number[] = [];
    await vt.runUntil(Promise.all([1, 2].map(() => track(budget, vt.clock, grants)))); // 2 in flight, no response yet
    const later = Promise.all([1, 2, 3].map(() => track(budget, vt.clock, grants)));
    await vt.runUntil(later);
    expect(grants.filter((t) => t < 11_000)).toHaveLength(4);
  });

  it('slows down when remaining is low, spreading what is left over the rest of the window', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep });
    // 10 left of 100 (below Persona's suggested 15%), window ends in 20 s (+1 s guard).
    await probe(budget, { limit: 100, remaining: 10, resetSeconds: 20 });
    const grants: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      await vt.runUntil(track(budget, vt.clock, grants));
      budget.observe({ limit: 100, remaining: 9 - i, resetSeconds: Math.ceil((20_000 - vt.clock.now()) / 1000) });
    }
    expect(grants[0]).toBe(0);
    const gaps = grants.slice(1).map((t, i) => t - (grants[i] ?? 0));
    expect(gaps.every((gap) => gap > 0)).toBe(true);
    // All ten still go out before the window ends: pacing costs no throughput.
    expect(grants[grants.length - 1]).toBeLessThan(21_000);
    expect(grants[grants.length - 1]).toBeGreaterThan(15_000);
  });

  it('does not pace while plenty of budget is left', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep });
    await probe(budget, { limit: 300, remaining: 250, resetSeconds: 30 });
    const grants: number[] = [];
    await vt.runUntil(Promise.all(Array.from({ length: 50 }, () => track(budget, vt.clock, grants))));
    expect(new Set(grants)).toEqual(new Set([0]));
    expect(vt.sleeps).toEqual([]);
  });

  it('keeps the smallest remaining when responses of one window arrive out of order', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep, lowWaterFraction: 0 });
    await probe(budget, { limit: 10, remaining: 2, resetSeconds: 30 });
    await budget.acquire();
    budget.observe({ limit: 10, remaining: 5, resetSeconds: 30 }); // a stale, earlier response
    const grants: number[] = [];
    await vt.runUntil(Promise.all([1, 2, 3].map(() => track(budget, vt.clock, grants))));
    expect(grants.filter((t) => t < 31_000)).toHaveLength(2);
  });

  it('releases the in-flight slot when a request got no response', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep, lowWaterFraction: 0 });
    await probe(budget, { limit: 10, remaining: 1, resetSeconds: 30 });
    await budget.acquire();
    budget.observe({ limit: null, remaining: null, resetSeconds: null }); // network error: nothing counted
    const grants: number[] = [];
    await vt.runUntil(track(budget, vt.clock, grants));
    expect(grants).toEqual([0]);
  });

  it('probes again after a pause when the budget is spent and Persona never said when it resets', async () => {
    const vt = createVirtualTime();
    const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep, unknownResetWaitMs: 2000 });
    await probe(budget, { limit: 10, remaining: 0, resetSeconds: null });
    const grants: number[] = [];
    await vt.runUntil(track(budget, vt.clock, grants));
    expect(grants).toEqual([2000]);
  });

  it.each([
    ['rounds Reset down', Math.floor, 300],
    ['rounds Reset up', Math.ceil, 300],
    ['rounds Reset down', Math.floor, 8],
    ['rounds Reset up', Math.ceil, 8],
  ])(
    'drains 300 requests at 30 per 6 s without a 429, close to the minimum time, when Persona %s (%i concurrent)',
    async (_label, round, concurrency) => {
      const vt = createVirtualTime();
      const budget = createRateBudget({ clock: vt.clock, sleep: vt.sleep });
      const persona = createFakePersonaWindow({ limit: 30, windowMs: 6000, clock: vt.clock, round });
      const latencyMs = 20;
      let queued = 300;
      const worker = async (): Promise<void> => {
        while (queued > 0) {
          queued -= 1;
          await budget.acquire();
          await vt.sleep(latencyMs);
          const response = persona.handle();
          await vt.sleep(latencyMs);
          budget.observe(response);
        }
      };
      await vt.runUntil(Promise.all(Array.from({ length: concurrency }, worker)));
      expect(persona.rejected()).toBe(0);
      // 10 windows are needed; the 10th cannot open before 9 × 6 s after the first request reached Persona.
      const minimumMs = 9 * 6000 + 2 * latencyMs;
      expect(vt.clock.now()).toBeGreaterThanOrEqual(minimumMs);
      // Each of the 9 rollovers may cost the unknown rounding of Reset (< 1 s) plus the 1 s guard.
      expect(vt.clock.now()).toBeLessThanOrEqual(minimumMs + 9 * 2000 + 500);
    },
  );
});
