import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dialect } from '../../src/store/database.js';
import { createTempPostgresDatabase, POSTGRES_SKIP_REASON, postgresTestUrl } from '../helpers/postgres.js';

/** One store contract, every dialect: a suite loops over these (`describe.each(storeDialects)`). */
export interface DialectCase {
  dialect: Dialect;
  /** Why this dialect's suite is skipped here, or null when it runs. */
  skipReason: string | null;
  /** A fresh, empty database for one suite. */
  createDatabase(): Promise<{ url: string; cleanup(): Promise<void> }>;
}

const sqlite: DialectCase = {
  dialect: 'sqlite',
  skipReason: null,
  createDatabase: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'persona-decider-store-'));
    return {
      url: `sqlite:${join(dir, 'store.db')}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const postgres: DialectCase = {
  dialect: 'postgres',
  skipReason: postgresTestUrl ? null : POSTGRES_SKIP_REASON,
  createDatabase: async () => {
    if (!postgresTestUrl) throw new Error(POSTGRES_SKIP_REASON);
    const database = await createTempPostgresDatabase(postgresTestUrl);
    return { url: database.url, cleanup: database.drop };
  },
};

export const storeDialects: DialectCase[] = [sqlite, postgres];

/** The suite title shows the skip reason, so a skipped PostgreSQL half is visible in the test report. */
export function dialectTitle(d: DialectCase): string {
  return d.skipReason ? `${d.dialect} (skipped: ${d.skipReason})` : d.dialect;
}
