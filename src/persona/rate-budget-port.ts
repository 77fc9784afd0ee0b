import type { RateWindow } from './rate-window.js';

/** What one locked read of the shared budget asks to write back. */
export interface RateBudgetChange<T> {
  /** Written back (`inFlight` is ignored: in-flight requests are grant rows). */
  window: RateWindow;
  addGrant?: { id: string; expiresAt: number };
  removeGrant?: string | undefined;
  result: T;
}

/**
 * The port the shared rate budget (shared-rate-budget.ts) needs from storage; store/rate-budget-store.ts
 * implements it on SQLite and PostgreSQL.
 */
export interface RateBudgetStore {
  /**
   * One short transaction on the named budget: its row locked against every other process (`SELECT … FOR UPDATE`
   * on PostgreSQL; SQLite has a single writer), with `inFlight` = the unexpired grants of every process (derived,
   * never stored); then `change` (pure and quick: the row is locked meanwhile) says what to write back.
   */
  update<T>(name: string, now: number, change: (window: RateWindow) => RateBudgetChange<T>): Promise<T>;
}
