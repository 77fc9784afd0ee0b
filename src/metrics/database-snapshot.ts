import type { Db } from '../store/database.js';
import {
  dueJobsByKind,
  type DueJobs,
  failedInquiryCount,
  failedJobCount,
  openDeliveryCounts,
  reviewQueueCount,
  runningJobsByKind,
} from '../store/gauge-queries.js';

/** Persona's rate-limit window as last reported (by this process on SQLite, by any replica on PostgreSQL). */
export interface RateBudgetView {
  limit: number | null;
  remaining: number | null;
  /** When the window has certainly reset (epoch ms); after it, the whole limit is available again. */
  resetAt: number | null;
}

/** What the gauges show: the database's truth, the same whichever replica is scraped. */
export interface DatabaseSnapshot {
  /** When it was read (epoch ms): ages are counted from here. */
  at: number;
  dueJobs: DueJobs[];
  runningJobs: Array<{ kind: string; running: number }>;
  deliveries: { pending: number; failed: number };
  failedInquiries: number;
  failedJobs: number;
  /** Current decisions that are manual_review and not reviewed: what the review queue lists. */
  reviewQueue: number;
  rateBudget: RateBudgetView | null;
}

/** One read of every gauge's query (store/gauge-queries.ts) plus the rate budget. */
export function createSnapshotReader(options: {
  db: Db;
  now: () => number;
  readRateBudget: () => Promise<RateBudgetView | null>;
}): () => Promise<DatabaseSnapshot> {
  const { db } = options;
  return async () => {
    const at = options.now();
    const [dueJobs, runningJobs, deliveries, failedInquiries, failedJobs, reviewQueue, rateBudget] = await Promise.all([
      dueJobsByKind(db, at),
      runningJobsByKind(db, at),
      openDeliveryCounts(db),
      failedInquiryCount(db),
      failedJobCount(db),
      reviewQueueCount(db),
      options.readRateBudget(),
    ]);
    return { at, dueJobs, runningJobs, deliveries, failedInquiries, failedJobs, reviewQueue, rateBudget };
  };
}

/** Requests left and the limit, as the gauges show them: once the window has certainly reset, the whole limit. */
export function budgetNumbers(snapshot: Pick<DatabaseSnapshot, 'at' | 'rateBudget'>): {
  remaining: number | null;
  limit: number | null;
} | null {
  const budget = snapshot.rateBudget;
  if (budget === null) return null;
  // once the window has certainly reset, the whole limit is available again (rate-window.ts, rollOver)
  const windowOver = budget.resetAt !== null && snapshot.at >= budget.resetAt;
  return { remaining: windowOver ? budget.limit : budget.remaining, limit: budget.limit };
}

/** Due jobs by kind, with how long the oldest has waited past its run time (seconds; the gauges' numbers). */
export function dueJobNumbers(snapshot: Pick<DatabaseSnapshot, 'at' | 'dueJobs'>) {
  const byKind = new Map<string, { kind: string; due: number; oldestDueAgeSeconds: number }>();
  for (const row of snapshot.dueJobs) {
    const entry = byKind.get(row.kind) ?? { kind: row.kind, due: 0, oldestDueAgeSeconds: 0 };
    entry.due += row.due;
    entry.oldestDueAgeSeconds = Math.max(entry.oldestDueAgeSeconds, Math.max(0, snapshot.at - row.oldestRunAt) / 1000);
    byKind.set(row.kind, entry);
  }
  return [...byKind.values()];
}
