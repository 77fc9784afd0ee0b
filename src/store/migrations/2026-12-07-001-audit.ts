import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// Issue 15, the operator console: an append-only audit trail of operator actions (who, what, on which target, the
// operator's note), written in the transaction of the action it records; and every delivery attempt (its HTTP status
// or error, its duration), written by the delivery worker with the delivery's new state.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The indexes below read every stored decision and delivery once: no statement timeout (see migrate.ts).
  if (db.getExecutor().adapter instanceof PostgresAdapter) await sql`SET LOCAL statement_timeout = 0`.execute(db);
  await db.schema
    .createTable('audit_log')
    .addColumn('audit_id', 'text', (col) => col.primaryKey())
    .addColumn('at', 'text', (col) => col.notNull())
    // the token's name (API_TOKENS), never the token
    .addColumn('actor', 'text', (col) => col.notNull())
    // review | redeliver | retry_delivery | reprocess
    .addColumn('action', 'text', (col) => col.notNull())
    // what was acted on: an inquiry id or a delivery id
    .addColumn('target', 'text', (col) => col.notNull())
    .addColumn('inquiry_id', 'text')
    .addColumn('note', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('audit_log_target').on('audit_log').columns(['target', 'at', 'audit_id']).execute();
  await db.schema.createIndex('audit_log_inquiry').on('audit_log').columns(['inquiry_id', 'at', 'audit_id']).execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'audit_id']).execute();

  await db.schema
    .createTable('delivery_attempts')
    .addColumn('attempt_id', 'text', (col) => col.primaryKey())
    .addColumn('delivery_id', 'text', (col) => col.notNull())
    // 1, 2, … within the delivery's current retry schedule (an operator's retry starts a new one)
    .addColumn('attempt', 'integer', (col) => col.notNull())
    .addColumn('at', 'text', (col) => col.notNull())
    // the consumer's HTTP status; null when none came back (timeout, network)
    .addColumn('status', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('delivery_attempts_delivery')
    .on('delivery_attempts')
    .columns(['delivery_id', 'at', 'attempt_id'])
    .execute();
  // an operator's review names its reviewer here (null on every other decision): the review queue's filter
  await db.schema.alterTable('decisions').addColumn('reviewed_by', 'text').execute();
  // GET /decisions without a referenceId pages through the current decisions by decision time
  await db.schema.createIndex('decisions_decided').on('decisions').columns(['decided_at', 'decision_id']).execute();
  // GET /deliveries?inquiryId=…
  await db.schema.createIndex('deliveries_inquiry').on('deliveries').columns(['inquiry_id', 'created_at']).execute();
}
