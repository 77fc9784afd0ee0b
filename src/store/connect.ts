import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseHandle } from './database-handle.js';
import { connectPostgres, type PostgresOptions } from './connect-postgres.js';
import type { IntakeWriter } from './event-intake.js';
import { createLocalJobNotifier } from './job-notifier.js';
import { createSqliteIntakeWriter } from './sqlite-intake-writer.js';

export interface ConnectOptions extends PostgresOptions {
  /** SQLite `synchronous`: FULL (default) makes every acknowledged webhook survive a power cut, not only a crash. */
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /**
   * For tools that only read (`npm run policy -- backtest`): SQLite opens an existing file read-only (never creating
   * it), PostgreSQL sessions default to read-only transactions. Nothing can be written, migrations included.
   */
  readOnly?: boolean;
}

/** `sqlite:<path>` or `postgres://…` / `postgresql://…` (one store for many replicas; see docs/postgres.md). */
export async function connectDatabase(url: string, options: ConnectOptions = {}): Promise<DatabaseHandle> {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length), options);
  if (/^postgres(ql)?:\/\//.test(url)) return connectPostgres(url, options);
  throw new Error(`unsupported DATABASE_URL scheme: ${url.split(':')[0]}`);
}

function connectSqlite(path: string, options: ConnectOptions): DatabaseHandle {
  const file = path === ':memory:' ? path : resolve(path);
  if (options.readOnly) return sqliteHandle(openSqliteReadOnly(file));
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const synchronous = options.sqliteSynchronous ?? 'FULL';
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  if (file === ':memory:') return sqliteHandle(sqlite);
  // A file: webhook intake writes on a thread and connection of its own. Two connections write the file, so this
  // one's transactions take the write lock when they begin (see withStatementCache).
  const intake = createSqliteIntakeWriter({ file, synchronous, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS });
  return sqliteHandle(sqlite, intake);
}

/** How long a write waits for the other connection's transaction (the intake thread's, or the service's). */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** An existing file only (a missing one is an error, not a new empty database); writes fail at SQLite. */
function openSqliteReadOnly(file: string): SQLite.Database {
  if (file !== ':memory:' && !existsSync(file)) throw new Error(`no SQLite database at ${file}`);
  const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('query_only = ON');
  return sqlite;
}

function sqliteHandle(sqlite: SQLite.Database, intake?: IntakeWriter): DatabaseHandle {
  const database = withStatementCache(sqlite, { immediateTransactions: intake !== undefined });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    dialect: 'sqlite',
    notifier: createLocalJobNotifier(),
    ...(intake === undefined ? {} : { intake }),
    ping: async () => {
      sqlite.prepare('select 1').get();
    },
    close: async () => {
      await intake?.close();
      await db.destroy();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew on every execution; the service runs the same few dozen
 * statements over and over, so prepared statements are kept (bounded). Safe because Kysely uses one connection
 * behind a mutex and the service never streams results (a statement is never in use twice at once).
 *
 * `immediateTransactions`: Kysely begins a transaction with a plain (deferred) `begin`. When another connection
 * writes the same file (the intake thread), a deferred transaction that read first and then writes fails with
 * SQLITE_BUSY at once if the other committed in between (WAL cannot upgrade a stale snapshot, and the busy timeout
 * does not apply: https://sqlite.org/rescode.html#busy_snapshot). `begin immediate` takes the write lock up front,
 * waiting for it within the busy timeout, so every transaction sees the latest data and can write.
 */
function withStatementCache(
  sqlite: SQLite.Database,
  { immediateTransactions = false, max = 256 }: { immediateTransactions?: boolean; max?: number } = {},
): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      const sql = immediateTransactions && text === 'begin' ? 'begin immediate' : text;
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
