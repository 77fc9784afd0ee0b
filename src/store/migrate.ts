import { Migrator, type Migration, type MigrationProvider, PostgresAdapter, sql } from 'kysely';
import type { Db } from './database.js';
import * as initial from './migrations/2026-11-29-001-initial.js';
import * as scaleOut from './migrations/2026-11-29-002-scale-out.js';
import * as failedJobs from './migrations/2026-12-01-001-failed-jobs.js';
import * as lifecycle from './migrations/2026-12-02-001-lifecycle.js';
import * as metrics from './migrations/2026-12-03-001-metrics.js';
import * as writeBack from './migrations/2026-12-04-001-write-back.js';
import * as reconciliations from './migrations/2026-12-05-001-reconciliations.js';
import * as shadow from './migrations/2026-12-06-001-shadow.js';
import * as audit from './migrations/2026-12-07-001-audit.js';
import * as reviewQueue from './migrations/2026-12-08-001-review-queue.js';

/**
 * Forward-only migrations, listed statically so the compiled service needs no file-system scanning.
 * Names sort by date; a new migration is a new file added to this list, never an edit of an old one. On PostgreSQL
 * the pool's connections carry `statement_timeout = 5 s`: a migration step that may take longer (an index on a big
 * table) starts with `SET LOCAL statement_timeout = 0`.
 */
const migrations: Record<string, Migration> = {
  '2026-11-29-001-initial': initial,
  '2026-11-29-002-scale-out': scaleOut,
  '2026-12-01-001-failed-jobs': failedJobs,
  '2026-12-02-001-lifecycle': lifecycle,
  '2026-12-03-001-metrics': metrics,
  '2026-12-04-001-write-back': writeBack,
  '2026-12-05-001-reconciliations': reconciliations,
  '2026-12-06-001-shadow': shadow,
  '2026-12-07-001-audit': audit,
  '2026-12-08-001-review-queue': reviewQueue,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** The advisory lock key for migrations: an arbitrary constant, distinct from Kysely's own migration lock key. */
const MIGRATION_LOCK_KEY = 7_061_737_360_646_563;

/**
 * Applies pending migrations; returns the names applied by this call. On PostgreSQL, replicas starting together
 * queue on an advisory lock held by one dedicated connection for the whole run (bookkeeping tables included), so
 * exactly one of them migrates and the others find nothing left to do. SQLite has a single process.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return runMigrations(db);
  return db.connection().execute(async (lockConnection) => {
    // waiting for another replica's migration may take longer than the pool's 5 s statement limit
    await sql`set statement_timeout = 0`.execute(lockConnection);
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(lockConnection);
    try {
      return await runMigrations(db);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(lockConnection);
      await sql`reset statement_timeout`.execute(lockConnection); // the connection goes back to the pool
    }
  });
}

async function runMigrations(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error('database migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * Which of the migrations this version knows the database has applied, and which not (oldest first). Reads only:
 * the bookkeeping table is not created when missing. A tool that must not migrate (the backtest) checks with it.
 */
export async function migrationState(db: Db): Promise<{ applied: string[]; pending: string[] }> {
  const known = await new Migrator({ db, provider }).getMigrations();
  return {
    applied: known.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: known.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
