import type { Kysely } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// The reconciliation sweep (GET /events): one row per run, what it read and found; the newest event a completed run
// saw is the next run's checkpoint.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('reconciliations')
    .addColumn('run_id', 'text', (col) => col.primaryKey())
    .addColumn('started_at', 'text', (col) => col.notNull())
    .addColumn('finished_at', 'text')
    // running | completed | failed
    .addColumn('status', 'text', (col) => col.notNull())
    // events created before this were not read (the checkpoint minus an overlap, or the first run's lookback)
    .addColumn('stop_at', 'text', (col) => col.notNull())
    .addColumn('pages', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('found', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('new_events', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('newest_event_at', 'text')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('reconciliations_started').on('reconciliations').column('started_at').execute();
}
