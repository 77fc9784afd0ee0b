import { type Kysely, PostgresAdapter } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// The only dialect difference is the auto-incrementing job id.

function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db);
  const bigint = postgres ? 'bigint' : 'integer';

  await db.schema
    .createTable('persona_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('inquiry_id', 'text')
    .addColumn('persona_created_at', 'text', (c) => c.notNull())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('disposition', 'text', (c) => c.notNull())
    .addColumn('attempts_made', 'integer')
    .addColumn('attempts_left', 'integer')
    .addColumn('first_attempted_at', 'text')
    .execute();
  await db.schema.createIndex('persona_events_inquiry').on('persona_events').column('inquiry_id').execute();

  await db.schema
    .createTable('inquiries')
    .addColumn('inquiry_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_event_id', 'text', (c) => c.notNull())
    .addColumn('last_event_created_at', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('queue', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_at', bigint, (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', bigint)
    .addColumn('last_error', 'text')
    .addColumn('created_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_run_at').on('jobs').columns(['run_at', 'id']).execute();
  await db.schema.createIndex('jobs_queue').on('jobs').columns(['queue', 'id']).execute();

  await db.schema
    .createTable('decisions')
    .addColumn('decision_id', 'text', (c) => c.primaryKey())
    .addColumn('inquiry_id', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('event_created_at', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('policy_version', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('persona_calls', 'integer', (c) => c.notNull())
    .addColumn('decided_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('decisions_inquiry_sequence', ['inquiry_id', 'sequence'])
    .execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('delivery_id', 'text', (c) => c.primaryKey())
    .addColumn('decision_id', 'text', (c) => c.notNull())
    .addColumn('inquiry_id', 'text', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('next_attempt_at', bigint)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('schedule_started_at', bigint, (c) => c.notNull())
    .addColumn('delivered_at', bigint)
    .execute();
  await db.schema.createIndex('deliveries_status').on('deliveries').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('deliveries_decision').on('deliveries').column('decision_id').execute();
}
