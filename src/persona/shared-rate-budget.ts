import { randomUUID } from 'node:crypto';
import { AppError, ErrorCodes } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logger.js';
import type { RateBudgetStore } from './rate-budget-port.js';
import type { RateBudget, Sleep } from './rate-limit.js';
import type { RateStep, RateWindow, RateWindowOptions } from './rate-window.js';
import { DEFAULT_RATE_WINDOW_OPTIONS, grant, nextStep, observe as observeWindow, rollOver } from './rate-window.js';

export interface SharedRateBudgetOptions extends Partial<RateWindowOptions> {
  store: RateBudgetStore;
  clock: Clock;
  sleep: Sleep;
  /** An unobserved grant stops counting as in flight after this long (its process died): above the request timeout. */
  grantTtlMs: number;
  /** One budget per Persona environment (API key); every replica must use the same name. */
  name?: string;
  /** While another process's probe is in flight, look again this often (default 250 ms). */
  observationPollMs?: number;
  logger?: Pick<Logger, 'warn'>;
  newGrantId?: () => string;
}

// The same defaults as the in-process budget (rate-limit.ts).
const DEFAULTS = DEFAULT_RATE_WINDOW_OPTIONS;

type Decision = { kind: 'grant'; grantId: string } | Exclude<RateStep, { kind: 'grant' }>;

/** The row every replica shares unless told otherwise (the metrics read it). */
export const SHARED_RATE_BUDGET_NAME = 'persona';

/**
 * The RateBudget of rate-limit.ts, shared by every replica through one database row: the same window maths
 * (rate-window.ts) applied in short transactions on the locked row, with in-flight requests as grant rows that
 * expire, so N replicas together stay under Persona's per-environment limit and a dead replica's grants lapse.
 * Within a process, acquires queue FIFO and only the head talks to the database; observations are written in
 * the background (the interface's `observe` is synchronous) and the next acquire waits for them.
 */
export function createSharedRateBudget(options: SharedRateBudgetOptions): RateBudget {
  const { store, clock, sleep, grantTtlMs } = options;
  const name = options.name ?? SHARED_RATE_BUDGET_NAME;
  const pollMs = options.observationPollMs ?? 250;
  const newGrantId = options.newGrantId ?? randomUUID;
  const opts: RateWindowOptions = {
    lowWaterFraction: options.lowWaterFraction ?? DEFAULTS.lowWaterFraction,
    resetGuardMs: options.resetGuardMs ?? DEFAULTS.resetGuardMs,
    unknownResetWaitMs: options.unknownResetWaitMs ?? DEFAULTS.unknownResetWaitMs,
  };
  const grants: string[] = [];
  let acquiring: Promise<unknown> = Promise.resolve();
  let observing: Promise<void> = Promise.resolve();
  // resolves when this process has saved an observation (a probe's answer may free the budget at once)
  let signalObserved = (): void => undefined;
  const nextObservation = (): Promise<void> =>
    new Promise((resolve) => {
      signalObserved = resolve;
    });
  let observed = nextObservation();

  function decide(window: RateWindow, now: number, forget: boolean) {
    let state = rollOver(window, now);
    let step = nextStep(state, now, opts);
    if (step.kind === 'sleep' && step.forgetAfter && forget) {
      // we already waited once with the budget spent and no reset known: probe again
      state = { ...state, remaining: null };
      step = nextStep(state, now, opts);
    }
    if (step.kind !== 'grant') return { window: state, result: step as Decision };
    const id = newGrantId();
    return {
      window: grant(state, now, opts),
      addGrant: { id, expiresAt: now + grantTtlMs },
      result: { kind: 'grant', grantId: id } as Decision,
    };
  }

  async function acquireOne(): Promise<void> {
    let forget = false;
    for (;;) {
      await observing;
      const now = clock.now();
      let decision: Decision;
      try {
        decision = await store.update(name, now, (window) => decide(window, now, forget));
      } catch (error) {
        throw new AppError(ErrorCodes.DATABASE_UNAVAILABLE, 'the shared Persona rate budget is unavailable', {
          statusCode: 503,
          retryable: true,
          cause: error,
        });
      }
      if (decision.kind === 'grant') {
        grants.push(decision.grantId);
        return;
      }
      if (decision.kind === 'sleep') {
        await sleep(decision.ms);
        forget = decision.forgetAfter;
      } else {
        await Promise.race([sleep(pollMs), observed]);
        forget = false;
      }
    }
  }

  return {
    acquire() {
      const next = acquiring.then(acquireOne);
      acquiring = next.catch(() => undefined);
      return next;
    },
    observe(h) {
      const now = clock.now();
      const grantId = grants.shift();
      const change = (window: RateWindow) => ({
        window: observeWindow(rollOver(window, now), h, now, opts),
        removeGrant: grantId,
        result: undefined,
      });
      observing = observing
        .then(() => store.update(name, now, change))
        .catch((error: unknown) =>
          options.logger?.warn({ err: error }, 'rate budget observation not saved; its grant will expire'),
        )
        .finally(() => {
          const wake = signalObserved;
          observed = nextObservation();
          wake();
        });
    },
  };
}
