import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// The review queue gauge (persona_decider_review_queue) counts, at scrape time, the current decisions that are
// manual_review and not an operator's review. A partial index holds only manual_review decisions no operator wrote,
// so the count reads those (and checks each is still its inquiry's latest through the (inquiry_id, sequence) key)
// instead of every stored decision; decisions of any other outcome never touch it.

export async function up(db: Kysely<unknown>): Promise<void> {
  // Building it reads the whole decisions table once: no statement timeout for it (see migrate.ts).
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await db.schema
    .createIndex('decisions_review_queue')
    .on('decisions')
    .columns(['inquiry_id', 'sequence'])
    .where(sql<boolean>`outcome = 'manual_review' and reviewed_by is null`)
    .execute();
}
