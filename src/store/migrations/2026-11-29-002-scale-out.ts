import { type Kysely, PostgresAdapter } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// Scale-out on PostgreSQL: the shared Persona rate budget (SQLite has the tables but keeps its budget in memory),
// and an index for the claim's "is another job of this queue running?" check.

export async function up(db: Kysely<unknown>): Promise<void> {
  const bigint = db.getExecutor().adapter instanceof PostgresAdapter ? 'bigint' : 'integer';

  await db.schema
    .createTable('rate_budget')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('limit_per_window', 'integer')
    .addColumn('remaining', 'integer')
    .addColumn('reset_at', bigint)
    .addColumn('next_grant_at', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rate_budget_grants')
    .addColumn('grant_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_locked_until').on('jobs').column('locked_until').execute();
  await db.schema
    .createIndex('rate_budget_grants_name')
    .on('rate_budget_grants')
    .columns(['name', 'expires_at'])
    .execute();
}
