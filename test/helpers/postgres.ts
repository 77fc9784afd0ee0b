import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL for tests. `DATABASE_URL_TEST` names a database whose role may CREATE DATABASE (a superuser on a
 * throwaway cluster: `scripts/pg-test-cluster.sh up "$(mktemp -d)"` prints one; .ci/run sets it). Every suite
 * gets a database of its own, created here and dropped afterwards, so test files can run in parallel.
 */
export const postgresTestUrl: string | undefined = process.env.DATABASE_URL_TEST || undefined;

export const POSTGRES_SKIP_REASON =
  'DATABASE_URL_TEST is not set (run scripts/pg-test-cluster.sh up "$(mktemp -d)" and export what it prints)';

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE with a random name on the server of `adminUrl`; `drop()` removes it (cutting leftover sessions). */
export async function createTempPostgresDatabase(adminUrl: string): Promise<TempDatabase> {
  const name = `pd_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
