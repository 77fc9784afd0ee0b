import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// The shadow policy (issue 14): each decision keeps what a second policy decided on the same evidence (JSON text:
// outcome, reasons, policyVersion, evaluatedAt), null when none was configured. GET /shadow/summary reads the
// decisions that have one by decision time, a page at a time: a partial index holds only those, in that order, so
// decisions taken without a shadow policy cost it nothing.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The index below reads every stored decision once: no statement timeout for it (see migrate.ts).
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await db.schema.alterTable('decisions').addColumn('shadow', 'text').execute();
  await db.schema
    .createIndex('decisions_shadow_decided')
    .on('decisions')
    .columns(['decided_at', 'decision_id'])
    .where(sql.ref('shadow'), 'is not', null)
    .execute();
}
