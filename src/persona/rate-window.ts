/**
 * Pure model of Persona's fixed rate-limit window as seen from one client: what the last responses said
 * (`RateLimit-Limit`, `-Remaining`, `-Reset`) plus how many requests are in flight. `rate-limit.ts` drives it
 * with a clock and a sleep; shared-rate-budget.ts applies the same maths to the row every replica shares
 * (through the rate-budget-port.ts store).
 *
 * Persona: fixed window starting at the first request, 300/min by default, `RateLimit-Reset` in whole seconds,
 * throttle when `Remaining` drops below ~15% (https://docs.withpersona.com/rate-limiting).
 */
export interface RateWindow {
  limit: number | null;
  /** Requests left in the current window per Persona; null = unknown (nothing reported yet, or window rolled). */
  remaining: number | null;
  /** When the window has certainly reset (epoch ms, rounding guard included); null = unknown. */
  resetAt: number | null;
  /** Requests granted whose response has not been observed yet: they will consume `remaining`. */
  inFlight: number;
  /** Earliest time for the next grant while pacing the low end of the budget. */
  nextGrantAt: number;
}

export interface RateObservation {
  limit: number | null;
  remaining: number | null;
  resetSeconds: number | null;
}

export interface RateWindowOptions {
  /** Pace requests once this fraction of the limit (or less) is left; 0 disables pacing. */
  lowWaterFraction: number;
  /** Added to `Reset`: it is whole seconds, and nothing says whether Persona rounds it up or down. */
  resetGuardMs: number;
  /** Budget spent, reset unknown, nothing in flight: wait this long, then probe again. */
  unknownResetWaitMs: number;
}

/** Persona's advice (throttle below ~15 %), and a full second of guard for the whole-second `Reset`. */
export const DEFAULT_RATE_WINDOW_OPTIONS: RateWindowOptions = {
  lowWaterFraction: 0.15,
  resetGuardMs: 1000,
  unknownResetWaitMs: 1000,
};

export type RateStep =
  { kind: 'grant' } | { kind: 'sleep'; ms: number; forgetAfter: boolean } | { kind: 'await-observation' };

export const initialRateWindow: RateWindow = {
  limit: null,
  remaining: null,
  resetAt: null,
  inFlight: 0,
  nextGrantAt: 0,
};

/** Once the window has certainly reset, the full limit is available again (unknown if the limit is unknown). */
export function rollOver(state: RateWindow, nowMs: number): RateWindow {
  if (state.resetAt === null || nowMs < state.resetAt) return state;
  return { ...state, remaining: state.limit, resetAt: null, nextGrantAt: 0 };
}

/** What the next queued request should do now. */
export function nextStep(state: RateWindow, nowMs: number, opts: RateWindowOptions): RateStep {
  // Nothing known yet (first request, or limit never reported): one probe at a time learns the budget.
  if (state.remaining === null) return state.inFlight === 0 ? { kind: 'grant' } : { kind: 'await-observation' };
  const available = state.remaining - state.inFlight;
  if (available <= 0) {
    if (state.resetAt !== null) return { kind: 'sleep', ms: state.resetAt - nowMs, forgetAfter: false };
    // Requests sent in a fresh window will report its reset time; wait for the first of them.
    if (state.inFlight > 0) return { kind: 'await-observation' };
    return { kind: 'sleep', ms: opts.unknownResetWaitMs, forgetAfter: true };
  }
  if (isLow(state, available, opts) && nowMs < state.nextGrantAt) {
    return { kind: 'sleep', ms: state.nextGrantAt - nowMs, forgetAfter: false };
  }
  return { kind: 'grant' };
}

/**
 * Counts a granted request. Near the end of the budget the remaining requests are spread evenly over the time
 * left in the window, so other consumers of the same budget (other replicas, other keys) still find some.
 */
export function grant(state: RateWindow, nowMs: number, opts: RateWindowOptions): RateWindow {
  const next = { ...state, inFlight: state.inFlight + 1 };
  if (state.remaining === null || state.resetAt === null) return next;
  const available = state.remaining - state.inFlight;
  if (!isLow(state, available, opts)) return next;
  return { ...next, nextGrantAt: nowMs + Math.max(0, state.resetAt - nowMs) / Math.max(1, available) };
}

/**
 * Folds one response (or, with all nulls, a request that got no response) into the window. Within a window
 * `Remaining` only goes down, so responses arriving out of order keep the smallest value; an observation whose
 * window can only end after the current estimate belongs to a newer window and replaces it.
 */
export function observe(state: RateWindow, h: RateObservation, nowMs: number, opts: RateWindowOptions): RateWindow {
  const settled = { ...state, inFlight: Math.max(0, state.inFlight - 1) };
  if (h.remaining === null) return settled;
  const limit = h.limit ?? settled.limit;
  if (h.resetSeconds === null) {
    const remaining = settled.remaining === null ? h.remaining : Math.min(settled.remaining, h.remaining);
    return { ...settled, limit, remaining };
  }
  const upper = nowMs + h.resetSeconds * 1000 + opts.resetGuardMs;
  const lower = nowMs + (h.resetSeconds - 1) * 1000;
  const isNewer = settled.remaining === null || settled.resetAt === null || lower >= settled.resetAt;
  if (isNewer) return { ...settled, limit, remaining: h.remaining, resetAt: upper };
  return {
    ...settled,
    limit,
    remaining: Math.min(settled.remaining ?? h.remaining, h.remaining),
    resetAt: Math.min(settled.resetAt ?? upper, upper),
  };
}

function isLow(state: RateWindow, available: number, opts: RateWindowOptions): boolean {
  if (state.limit === null || opts.lowWaterFraction <= 0) return false;
  return available <= Math.floor(state.limit * opts.lowWaterFraction);
}
