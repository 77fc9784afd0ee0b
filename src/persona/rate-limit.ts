import type { Clock } from '../lib/clock.js';
import type { RateObservation, RateWindow, RateWindowOptions } from './rate-window.js';
import { DEFAULT_RATE_WINDOW_OPTIONS, grant, initialRateWindow, nextStep, observe, rollOver } from './rate-window.js';

/** Waiting is an input like time: tests pass a sleep that resolves at once (and moves a manual clock). */
export type Sleep = (ms: number) => Promise<void>;

/**
 * Client-side share of Persona's rate limit, so the service slows down before Persona answers 429.
 * Contract: call `acquire()` before every request and `observe()` exactly once for each `acquire()`, with the
 * response's RateLimit headers, or all nulls when no response arrived (network error, timeout).
 * Small on purpose: a PostgreSQL implementation will let several replicas share one budget.
 */
export interface RateBudget {
  acquire(): Promise<void>;
  observe(h: RateObservation): void;
}

export type { RateObservation } from './rate-window.js';

/** The in-process budget also shows its window, for the metrics (the shared one is read from its row). */
export interface InProcessRateBudget extends RateBudget {
  view(): RateWindow;
}

export interface RateBudgetOptions extends Partial<RateWindowOptions> {
  clock: Clock;
  sleep: Sleep;
}

const DEFAULTS = DEFAULT_RATE_WINDOW_OPTIONS;

/**
 * One in-process budget. Waiters are served in FIFO order by a single loop, so concurrent callers never
 * collectively take more than `remaining - inFlight` in the current window; when that is spent the loop sleeps
 * until the window has certainly reset, then lets the queue through again.
 */
export function createRateBudget(options: RateBudgetOptions): InProcessRateBudget {
  const { clock, sleep } = options;
  const opts: RateWindowOptions = {
    lowWaterFraction: options.lowWaterFraction ?? DEFAULTS.lowWaterFraction,
    resetGuardMs: options.resetGuardMs ?? DEFAULTS.resetGuardMs,
    unknownResetWaitMs: options.unknownResetWaitMs ?? DEFAULTS.unknownResetWaitMs,
  };
  let state: RateWindow = initialRateWindow;
  const waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  let pumping = false;
  let wake: (() => void) | null = null;

  const waitForObservation = (): Promise<void> =>
    new Promise((resolve) => {
      wake = resolve;
    });

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (waiters.length > 0) {
        state = rollOver(state, clock.now());
        const step = nextStep(state, clock.now(), opts);
        if (step.kind === 'grant') {
          state = grant(state, clock.now(), opts);
          waiters.shift()?.resolve();
        } else if (step.kind === 'sleep') {
          await sleep(step.ms);
          if (step.forgetAfter) state = { ...state, remaining: null };
        } else {
          await waitForObservation();
        }
      }
    } catch (error) {
      // Only a broken injected sleep gets here: fail the waiters rather than leave them hanging.
      for (const waiter of waiters.splice(0)) waiter.reject(error);
    } finally {
      pumping = false;
    }
  }

  return {
    acquire() {
      return new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        void pump();
      });
    },
    observe(h) {
      const now = clock.now();
      state = observe(rollOver(state, now), h, now, opts);
      const resume = wake;
      wake = null;
      resume?.();
    },
    view: () => state,
  };
}
