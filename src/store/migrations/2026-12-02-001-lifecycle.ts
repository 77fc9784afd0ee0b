import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// The Persona lifecycle (issue 11): a decision names the event that made it and the customer's reference id (so an
// account's decisions can be listed), and a re-evaluation that changes nothing is kept in the decision's history
// instead of making a new decision and delivery.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The index below covers every stored decision: no statement timeout for it (see migrate.ts).
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await db.schema.alterTable('decisions').addColumn('event_name', 'text').execute();
  await db.schema.alterTable('decisions').addColumn('reference_id', 'text').execute();
  await db.schema
    .createIndex('decisions_reference_id')
    .on('decisions')
    .columns(['reference_id', 'decided_at'])
    .execute();

  await db.schema
    .createTable('decision_history')
    .addColumn('history_id', 'text', (c) => c.primaryKey())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('inquiry_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text')
    .addColumn('event_created_at', 'text', (c) => c.notNull())
    .addColumn('persona_status', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('decision_history_decision')
    .on('decision_history')
    .columns(['decision_id', 'recorded_at'])
    .execute();
  await db.schema
    .createIndex('decision_history_inquiry')
    .on('decision_history')
    .columns(['inquiry_id', 'event_created_at'])
    .execute();
}
