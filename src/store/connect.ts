import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import type { Database } from './database.js';
import type { DatabaseHandle } from './database-handle.js';
import { connectPostgres, type PostgresOptions } from './connect-postgres.js';
import { createLocalJobNotifier } from './job-notifier.js';
import { createSqliteIntake } from './sqlite-intake.js';

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
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return sqliteHandle(sqlite, { writable: true });
}

/** An existing file only (a missing one is an error, not a new empty database); writes fail at SQLite. */
function openSqliteReadOnly(file: string): SQLite.Database {
  if (file !== ':memory:' && !existsSync(file)) throw new Error(`no SQLite database at ${file}`);
  const sqlite = new SQLite(file, { readonly: true, fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('query_only = ON');
  return sqlite;
}

function sqliteHandle(sqlite: SQLite.Database, { writable = false } = {}): DatabaseHandle {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    notifier: createLocalJobNotifier(),
    ...(writable ? { intake: createSqliteIntake(sqlite, db) } : {}),
    ping: async () => {
      sqlite.prepare('select 1').get();
    },
    close: () => db.destroy(),
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew on every execution; the service runs the same few dozen
 * statements over and over, so prepared statements are kept (bounded). Safe because Kysely uses one connection
 * behind a mutex and the service never streams results (a statement is never in use twice at once).
 */
function withStatementCache(sqlite: SQLite.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
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
