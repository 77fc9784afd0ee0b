import type { Db } from '../store/database.js';
import {
  dueJobsByKind,
  type DueJobs,
  failedInquiryCount,
  failedJobCount,
  openDeliveryCounts,
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
    const [dueJobs, runningJobs, deliveries, failedInquiries, failedJobs, rateBudget] = await Promise.all([
      dueJobsByKind(db, at),
      runningJobsByKind(db, at),
      openDeliveryCounts(db),
      failedInquiryCount(db),
      failedJobCount(db),
      options.readRateBudget(),
    ]);
    return { at, dueJobs, runningJobs, deliveries, failedInquiries, failedJobs, rateBudget };
  };
}
