import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// Metrics (issue 12): the failed-inquiries gauge counts `inquiries` rows with status 'failed' at every scrape. A
// partial index holds only those rows, so the count costs the same however many inquiries were decided, and
// updates of the other (decided, processing) rows never touch it.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Building it reads the whole table once: no statement timeout for it (see migrate.ts).
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await db.schema
    .createIndex('inquiries_failed')
    .on('inquiries')
    .column('inquiry_id')
    .where(sql.ref('status'), '=', 'failed')
    .execute();
}
