import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import * as initial from './migrations/2026-11-29-001-initial.js';

/**
 * Forward-only migrations, listed statically so the compiled service needs no file-system scanning.
 * Names sort by date; a new migration is a new file added to this list, never an edit of an old one.
 */
const migrations: Record<string, Migration> = {
  '2026-11-29-001-initial': initial,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error('database migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
