import type { Kysely } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// Write-back (PERSONA_WRITE_BACK): one row per decision the service tells Persona about, written with the decision
// (the outbox), its job beside it; the row's status is what GET /decisions/:id shows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('write_backs')
    .addColumn('decision_id', 'text', (col) => col.primaryKey())
    .addColumn('inquiry_id', 'text', (col) => col.notNull())
    // approve | decline | mark-for-review
    .addColumn('action', 'text', (col) => col.notNull())
    // pending | done | skipped | failed
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('detail', 'text')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (col) => col.notNull())
    .addColumn('updated_at', 'text', (col) => col.notNull())
    .execute();
  await db.schema.createIndex('write_backs_status').on('write_backs').column('status').execute();
}
