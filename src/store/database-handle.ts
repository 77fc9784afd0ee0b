import type { Db, Dialect } from './database.js';
import type { IntakeWriter } from './event-intake.js';
import type { JobNotifier } from './job-notifier.js';

/** An open database, SQLite or PostgreSQL (connect.ts), and what the service needs beside the Kysely instance. */
export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /** Wakes workers in other processes when a job is committed (PostgreSQL); a no-op on SQLite. */
  notifier: JobNotifier;
  /** Webhook intake's writes as prepared statements (SQLite, writable); absent, intake writes through Kysely. */
  intake?: IntakeWriter;
  /** A cheap round trip, for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
