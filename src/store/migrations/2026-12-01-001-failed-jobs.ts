import { type Kysely, PostgresAdapter } from 'kysely';

// Migrations never import app code: they must keep working as the app changes.
// Jobs that can never run (a payload that does not parse, e.g. written by another version) leave the queue for
// this table, with their error, instead of blocking their queue or being retried forever.

export async function up(db: Kysely<unknown>): Promise<void> {
  const bigint = db.getExecutor().adapter instanceof PostgresAdapter ? 'bigint' : 'integer';
  await db.schema
    .createTable('failed_jobs')
    .addColumn('id', bigint, (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('queue', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('last_error', 'text', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('failed_at', bigint, (c) => c.notNull())
    .execute();
}
