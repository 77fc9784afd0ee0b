import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { postgresTestUrl } from './postgres.js';

/**
 * A PostgreSQL cluster of a test's own (scripts/pg-test-cluster.sh, ~2 s to create), for tests that stop and start
 * the server: stopping it cannot disturb the other test files running in parallel.
 */
const SCRIPT = join(import.meta.dirname, '../../scripts/pg-test-cluster.sh');

/** Runs `pg-test-cluster.sh <args>` (up DIR, stop DIR, start DIR, down DIR, bin) and returns what it printed. */
export const pgCluster = (...args: string[]): string =>
  execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', timeout: 60_000 });

/** Why such a test cannot run here, or null when it can. */
export function pgClusterSkipReason(): string | null {
  if (!postgresTestUrl) return 'DATABASE_URL_TEST is not set (PostgreSQL tests are off)';
  try {
    pgCluster('bin');
    return null;
  } catch {
    return 'PostgreSQL server binaries not found (apt-get install -y postgresql, or set PG_BIN)';
  }
}

/** `up DIR`, then the URL it printed. */
export function startPgCluster(dir: string): string {
  const url = /DATABASE_URL_TEST=(\S+)/.exec(pgCluster('up', dir))?.[1];
  if (!url) throw new Error('pg-test-cluster.sh printed no URL');
  return url;
}
