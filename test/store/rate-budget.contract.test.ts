import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { createManualClock } from '../../src/lib/clock.js';
import type { RateBudget, RateObservation } from '../../src/persona/rate-limit.js';
import { createSharedRateBudget, type SharedRateBudgetOptions } from '../../src/persona/shared-rate-budget.js';
import type { RateBudgetStore } from '../../src/persona/rate-budget-port.js';
import { createRateBudgetStore } from '../../src/store/rate-budget-store.js';
import { createRecorder } from '../helpers/events.js';
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

/**
 * Sleeps the test releases one by one: each call is recorded (the test awaits it: the budget has decided to wait)
 * and resolves, moving the manual clock by its length, only when the test says so.
 */
function createGatedSleeper(clock: ManualClock) {
  const sleeps = createRecorder<{ ms: number; release(): void }>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      sleeps.push({
        ms,
        release: () => {
          clock.advance(ms);
          resolve();
        },
      });
    });
  return { sleep, sleeps };
}

/**
 * One process's view of the store, recording each of its transactions once it has committed ('decision' for an
 * acquire's look at the budget, 'observation' for a response written back) or failed, so a test can await one.
 */
function recordingStore(store: RateBudgetStore) {
  const saved = createRecorder<'decision' | 'observation' | 'failed'>();
  const recorded: RateBudgetStore = {
    update(name, now, change) {
      let kind: 'decision' | 'observation' = 'decision';
      const classified: typeof change = (window) => {
        const out = change(window);
        if (out.result === undefined) kind = 'observation'; // an acquire's transaction returns its decision
        return out;
      };
      return store.update(name, now, classified).then(
        (result) => {
          saved.push(kind);
          return result;
        },
        (error: unknown) => {
          saved.push('failed');
          throw error;
        },
      );
    },
  };
  return { store: recorded, saved };
}

describe.each(storeDialects)('shared rate budget contract', (d) => {
  describe.skipIf(d.skipReason !== null)(dialectTitle(d), () => {
    const h = useStoreHarness(d);
    /** `n` processes' budgets on one database, each with its transactions recorded. */
    const budgets = (n: number, sleep: (ms: number) => Promise<void>, extra: Partial<SharedRateBudgetOptions> = {}) => {
      const shared = createRateBudgetStore({ db: h().database.db, dialect: h().database.dialect });
      return Array.from({ length: n }, () => {
        const { store, saved } = recordingStore(shared);
        return {
          budget: createSharedRateBudget({ store, clock: h().clock, sleep, grantTtlMs: 5_000, ...extra }),
          saved,
        };
      });
    };
    /** Observations written back, or failed (a failed acquire rejects the caller instead). */
    const settledObservations = (saved: readonly string[]) => saved.filter((kind) => kind !== 'decision').length;

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
      await Promise.all(shared.flatMap(({ budget }) => [caller(budget), caller(budget), caller(budget)]));
      expect(persona.stats()).toEqual({ served: 36, rejected: 0 });
      // observations are written in the background: wait for the last ones, or they would land in the next test's
      // budget row (after its beforeEach emptied the tables) and hand it a budget it never learned of
      for (const { saved } of shared) await saved.until((all) => settledObservations(all) === 3 * 6);
      expect(shared.flatMap(({ saved }) => saved.items)).not.toContain('failed');
    });

    it('lets one probe out while the budget is unknown; the others wait for its answer', async () => {
      const { sleep, sleeps } = createGatedSleeper(h().clock);
      const [a, b] = budgets(2, sleep, { observationPollMs: 250 });
      if (!a || !b) throw new Error('no budgets');
      const start = h().clock.now();
      await a.budget.acquire(); // the probe: nothing known yet, nothing in flight
      expect(a.saved.items).toEqual(['decision']);
      let bGranted = false;
      const bAcquire = b.budget.acquire().then(() => {
        bGranted = true;
      });
      // b finds the probe in flight and waits for its answer, looking again every observationPollMs (a grant
      // instead ends the race too, and fails the expectation at once)
      await Promise.race([sleeps.count(1), bAcquire]);
      expect(bGranted).toBe(false);
      sleeps.items[0]?.release();
      await Promise.race([sleeps.count(2), bAcquire]); // looked again: the probe is still unanswered, so b waits again
      expect(bGranted).toBe(false);
      a.budget.observe({ limit: 300, remaining: 299, resetSeconds: 60 });
      await a.saved.count(2); // a's answer is in the database
      expect(a.saved.items).toEqual(['decision', 'observation']);
      expect(bGranted).toBe(false);
      sleeps.items[1]?.release();
      await bAcquire;
      // granted on the first look after the answer (no further wait), long before the probe's grant could expire
      expect(sleeps.items.map((s) => s.ms)).toEqual([250, 250]);
      expect(b.saved.items).toEqual(['decision', 'decision', 'decision']);
      expect(h().clock.now()).toBe(start + 500);
    });

    it('carries one process’s observation to the others: a spent budget makes them wait for the reset', async () => {
      const { sleep, sleeps } = createSleeper(h().clock);
      const [a, b] = budgets(2, sleep, { lowWaterFraction: 0 });
      if (!a || !b) throw new Error('no budgets');
      const start = h().clock.now();
      await a.budget.acquire();
      a.budget.observe({ limit: 300, remaining: 0, resetSeconds: 30 });
      await a.saved.count(2); // a's observation is in the database
      expect(a.saved.items).toEqual(['decision', 'observation']);
      await b.budget.acquire();
      // one wait, until the window has certainly reset (30 s + the 1 s rounding guard), and not a moment less
      expect(sleeps).toEqual([31_000]);
      expect(h().clock.now()).toBe(start + 31_000);
    });

    it('stops counting a grant whose process died once its time to live has passed', async () => {
      const { sleep } = createSleeper(h().clock);
      const [dead, alive] = budgets(2, sleep).map(({ budget }) => budget);
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
    const budget = createSharedRateBudget({
      store: broken,
      clock: createManualClock(),
      sleep: async () => undefined,
      grantTtlMs: 5_000,
    });
    const error = await budget.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE', retryable: true });
  });
});
