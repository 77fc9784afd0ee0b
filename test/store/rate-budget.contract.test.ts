import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { createManualClock } from '../../src/lib/clock.js';
import type { RateBudget, RateObservation } from '../../src/persona/rate-limit.js';
import { createSharedRateBudget, type SharedRateBudgetOptions } from '../../src/persona/shared-rate-budget.js';
import type { RateBudgetStore } from '../../src/persona/rate-budget-port.js';
import { createRateBudgetStore } from '../../src/store/rate-budget-store.js';
import { dialectTitle, storeDialects } from './dialects.js';
import { useStoreHarness } from './store-harness.js';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Virtual time: every sleep moves the shared manual clock forward by its length; nothing waits for real. */
function createSleeper(clock: ManualClock) {
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock.advance(ms);
    await flush();
  };
  return { sleep, sleeps };
}

/** Persona's fixed window (starts at the first request), with whole-second Reset values rounded down. */
function createFakePersona(opts: { limit: number; windowMs: number; clock: ManualClock }) {
  let windowEnd: number | null = null;
  let used = 0;
  let rejected = 0;
  let served = 0;
  return {
    handle(): RateObservation {
      const now = opts.clock.now();
      if (windowEnd === null || now >= windowEnd) {
        windowEnd = now + opts.windowMs;
        used = 0;
      }
      if (used < opts.limit) {
        used += 1;
        served += 1;
      } else rejected += 1;
      return { limit: opts.limit, remaining: opts.limit - used, resetSeconds: Math.floor((windowEnd - now) / 1000) };
    },
    stats: () => ({ served, rejected }),
  };
}

/** Awaits a condition that database round trips make true; bounded in real time, without fixed sleeps. */
async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not reached in time');
    await flush();
  }
}

describe.each(storeDialects)('shared rate budget contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);
    const budgets = (n: number, sleep: (ms: number) => Promise<void>, extra: Partial<SharedRateBudgetOptions> = {}): RateBudget[] => {
      const store = createRateBudgetStore({ db: h().database.db, dialect: h().database.dialect });
      return Array.from({ length: n }, () => createSharedRateBudget({ store, clock: h().clock, sleep, grantTtlMs: 5_000, ...extra }));
    };

    it.each([
      ['spending the budget to the end', 0],
      ['pacing the last 15%', 0.15],
    ])('keeps two processes sharing one budget under Persona’s limit (%s)', async (_label, lowWaterFraction) => {
      const { sleep } = createSleeper(h().clock);
      const persona = createFakePersona({ limit: 10, windowMs: 60_000, clock: h().clock });
      const shared = budgets(2, sleep, { lowWaterFraction });
      const caller = async (budget: RateBudget) => {
        for (let i = 0; i < 6; i++) {
          await budget.acquire();
          await flush(); // the request is on the wire: other callers run meanwhile
          budget.observe(persona.handle());
        }
      };
      await Promise.all(shared.flatMap((budget) => [caller(budget), caller(budget), caller(budget)]));
      expect(persona.stats()).toEqual({ served: 36, rejected: 0 });
    });

    it('lets one probe out while the budget is unknown; the others wait for its answer', async () => {
      const { sleep, sleeps } = createSleeper(h().clock);
      const [a, b] = budgets(2, sleep);
      if (!a || !b) throw new Error('no budgets');
      await a.acquire();
      let bGranted = false;
      const bAcquire = b.acquire().then(() => {
        bGranted = true;
      });
      await waitFor(() => sleeps.length >= 2);
      expect(bGranted).toBe(false);
      a.observe({ limit: 300, remaining: 299, resetSeconds: 60 });
      await bAcquire;
      expect(bGranted).toBe(true);
    });

    it('carries one process’s observation to the others: a spent budget makes them wait for the reset', async () => {
      const { sleep, sleeps } = createSleeper(h().clock);
      const [a, b] = budgets(2, sleep, { lowWaterFraction: 0 });
      if (!a || !b) throw new Error('no budgets');
      const start = h().clock.now();
      await a.acquire();
      a.observe({ limit: 300, remaining: 0, resetSeconds: 30 });
      await b.acquire();
      // granted exactly when the window has certainly reset (30 s + the 1 s rounding guard), not before; b may
      // first have polled briefly while a's observation was still being written
      expect(h().clock.now()).toBe(start + 31_000);
      expect(sleeps.length).toBeGreaterThan(0);
    });

    it('stops counting a grant whose process died once its time to live has passed', async () => {
      const { sleep } = createSleeper(h().clock);
      const [dead, alive] = budgets(2, sleep);
      if (!dead || !alive) throw new Error('no budgets');
      const start = h().clock.now();
      await dead.acquire(); // never observed: the process died mid-request
      await alive.acquire();
      expect(h().clock.now() - start).toBeGreaterThanOrEqual(5_000);
    });
  });
});

describe('shared rate budget without its database', () => {
  it('fails acquire with a retryable DATABASE_UNAVAILABLE error, so the job is retried later', async () => {
    const broken: RateBudgetStore = {
      update: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    };
    const budget = createSharedRateBudget({ store: broken, clock: createManualClock(), sleep: async () => undefined, grantTtlMs: 5_000 });
    const error = await budget.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
  });
});
